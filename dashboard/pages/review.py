"""Page '/review': the quarterly review: its pack, commentary, decisions and actions, events, and freezing it."""
import dash

from cxdash.dashboard.views import review_page

dash.register_page(__name__, path="/review", name="Quarterly review", title="Quarterly review · cxdash", order=60)


def layout(**query):
    return review_page.layout(query)
