"""Page '/data': sources, their freshness, rejected rows and data-quality checks."""
import dash

from cxdash.dashboard.views import data_page

dash.register_page(__name__, path="/data", name="Data sources", title="Data sources and quality · cxdash", order=80)


def layout(**query):
    return data_page.layout(query)
