"""USWDS identifier: the footer with the site's owner and required links."""

from dash import html

DEFAULT_LINKS = (
    ("About {agency_name}", "/about"),
    ("Accessibility statement", "/accessibility"),
    ("FOIA requests", "/foia"),
    ("Privacy policy", "/privacy"),
)


def identifier(agency_name: str = "cxdash", links=None) -> html.Div:
    """Footer that says who runs the site and links the pages federal sites must
    have (about, accessibility, FOIA, privacy).

    links: list of (label, href); the default points at in-app pages, which the
    app must serve. An agency deployment passes its own URLs.
    """
    if links is None:
        links = [(label.format(agency_name=agency_name), href) for label, href in DEFAULT_LINKS]
    for label, href in links:
        if not href or href.startswith("#") or href.startswith("javascript:"):
            raise ValueError(f"link {label!r} needs a real href, got {href!r}")
    return html.Div(
        [
            html.Section(
                html.Div(
                    html.Section(
                        [
                            html.P(agency_name, className="usa-identifier__identity-domain"),
                            html.P(
                                "Customer experience (CX) performance reporting for public "
                                "services, following OMB Circular A-11, Section 280.",
                                className="usa-identifier__identity-disclaimer",
                            ),
                        ],
                        className="usa-identifier__identity",
                        **{"aria-label": "Agency description"},
                    ),
                    className="usa-identifier__container",
                ),
                className="usa-identifier__section usa-identifier__section--masthead",
                **{"aria-label": "Agency identifier"},
            ),
            html.Nav(
                html.Div(
                    html.Ul(
                        [
                            html.Li(
                                html.A(
                                    label,
                                    href=href,
                                    className="usa-identifier__required-link usa-link",
                                ),
                                className="usa-identifier__required-links-item",
                            )
                            for label, href in links
                        ],
                        className="usa-identifier__required-links-list",
                    ),
                    className="usa-identifier__container",
                ),
                className="usa-identifier__section usa-identifier__section--required-links",
                **{"aria-label": "Important links"},
            ),
            html.Section(
                html.Div(
                    [
                        html.Div(
                            "Looking for U.S. government information and services?",
                            className="usa-identifier__usagov-description",
                        ),
                        " ",
                        html.A("Visit USA.gov", href="https://www.usa.gov/", className="usa-link"),
                    ],
                    className="usa-identifier__container",
                ),
                className="usa-identifier__section usa-identifier__section--usagov",
                **{"aria-label": "U.S. government information and services"},
            ),
        ],
        className="usa-identifier",
    )
