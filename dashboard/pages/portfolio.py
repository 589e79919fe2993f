"""Page '/portfolio': CX improvement initiatives ranked by weighted shortest job first, with a what-if on the weights."""
import dash

from cxdash.dashboard.views import portfolio_page

dash.register_page(__name__, path="/portfolio", name="Portfolio", title="Initiative portfolio · cxdash", order=65)


def layout(**query):
    return portfolio_page.layout(query)
