"""Page '/journey': a stage x indicator heat map per scope, and one stage in detail (?stage=)."""
import dash

from cxdash.dashboard.views import journey_page

dash.register_page(__name__, path="/journey", name="Journey stages", title="Journey stages · cxdash", order=10)


def layout(**query):
    return journey_page.layout(query)
