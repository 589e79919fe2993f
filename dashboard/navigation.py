"""Where the site's header and footer link to, on its own so that the app factory (which draws
them) and the header callback (which marks the page shown) both read it without importing each
other."""

# In the order an executive asks: where do we stand, where in the journey, why (service drivers),
# how are operations doing, what do customers say, is everyone served fairly, can I trust the data.
NAV = [("Scorecard", "/"), ("Journey", "/journey"), ("Service drivers", "/service"), ("Operations", "/operations"),
       ("Customer voice", "/voice"), ("Equity", "/equity"), ("Quarterly review", "/review"), ("Portfolio", "/portfolio"),
       ("Maturity", "/maturity"), ("Data sources", "/data")]  # About the data: in the footer
FOOTER_LINKS = [("About the data", "/about"), ("Accessibility statement", "/accessibility"), ("Audit trail", "/audit")]
