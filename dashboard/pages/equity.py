"""Page '/equity': each customer segment's score beside the best-served one, with the gap's test."""
import dash

from cxdash.dashboard.views import equity_page

dash.register_page(__name__, path="/equity", name="Equity", title="Equity · cxdash", order=50)


def layout(**query):
    return equity_page.layout(query)
