"""Page '/about': what the numbers are and where they come from."""
import dash

from cxdash.dashboard.views import static_pages

dash.register_page(__name__, path="/about", name="About the data", title="About the data · cxdash", order=90)


def layout(**_query):
    return static_pages.about()
