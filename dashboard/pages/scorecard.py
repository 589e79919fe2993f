"""Page '/': the executive scorecard. Layout only; the work is in dashboard.views."""
import dash

from cxdash.dashboard.views import scorecard_page

dash.register_page(__name__, path="/", name="Scorecard", title="CX scorecard · cxdash", order=0)


def layout(**query):
    return scorecard_page.layout(query)
