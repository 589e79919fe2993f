"""Page '/operations': time to complete, backlog and contact-center indicators by stage and channel."""
import dash

from cxdash.dashboard.views import operations_page

dash.register_page(__name__, path="/operations", name="Operations", title="Operations · cxdash", order=30)


def layout(**query):
    return operations_page.layout(query)
