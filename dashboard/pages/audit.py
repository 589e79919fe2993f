"""Page '/audit': the audit trail (administrators)."""
import dash

from cxdash.dashboard.views import audit_page

dash.register_page(__name__, path="/audit", name="Audit trail", title="Audit trail · cxdash", order=95)


def layout(**query):
    return audit_page.layout(query)
