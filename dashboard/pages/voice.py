"""Page '/voice': feedback themes by sentiment and journey stage, with redacted comments."""
import dash

from cxdash.dashboard.views import voice_page

dash.register_page(__name__, path="/voice", name="Customer voice", title="Customer voice · cxdash", order=40)


def layout(**query):
    return voice_page.layout(query)
