"""Any unknown address."""
import dash

from cxdash.dashboard.views import static_pages

dash.register_page(__name__, path="/404", title="Page not found · cxdash")


def layout(**_query):
    return static_pages.not_found()
