"""Page '/accessibility': the accessibility statement."""
import dash

from cxdash.dashboard.views import static_pages

dash.register_page(__name__, path="/accessibility", name="Accessibility", title="Accessibility · cxdash", order=91)


def layout(**_query):
    return static_pages.accessibility()
