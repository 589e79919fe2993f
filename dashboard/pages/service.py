"""Page '/service': one outcome's trend against target, its key drivers and its channels."""
import dash

from cxdash.dashboard.views import service_page

dash.register_page(__name__, path="/service", name="Service drivers", title="Service drivers · cxdash", order=20)


def layout(**query):
    return service_page.layout(query)
