"""Page '/maturity': the CX maturity self-assessment: overall level, profile, evidence, and rating a level."""
import dash

from cxdash.dashboard.views import maturity_page

dash.register_page(__name__, path="/maturity", name="Maturity", title="CX maturity · cxdash", order=70)


def layout(**query):
    return maturity_page.layout(query)
