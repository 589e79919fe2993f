"""USWDS basic header: product name and primary navigation."""

from dash import html

PRODUCT_NAME = "cxdash — CX performance"


def site_header(nav_items) -> html.Div:
    """Header with the product name and one link per page.

    nav_items: list of (label, href, active). The active link gets USWDS's
    usa-current style and aria-current="page", so the current page is announced,
    not only underlined. Plain links (html.A) work without JS; the USWDS "Menu"
    button shows them on narrow screens.
    """
    items = []
    for label, href, active in nav_items:
        link_kwargs = {"aria-current": "page"} if active else {}
        items.append(
            html.Li(
                html.A(
                    html.Span(label),
                    href=href,
                    className="usa-nav-link usa-current" if active else "usa-nav-link",
                    **link_kwargs,
                ),
                className="usa-nav__primary-item",
            )
        )
    return html.Div(
        [
            html.Div(className="usa-overlay"),
            html.Header(
                html.Div(
                    [
                        html.Div(
                            [
                                html.Div(
                                    html.Em(
                                        html.A(PRODUCT_NAME, href="/", title="Home"),
                                        className="usa-logo__text",
                                    ),
                                    className="usa-logo",
                                ),
                                html.Button("Menu", type="button", className="usa-menu-btn"),
                            ],
                            className="usa-navbar",
                        ),
                        html.Nav(
                            [
                                html.Button(
                                    html.Img(
                                        src="/assets/uswds/img/usa-icons/close.svg",
                                        role="img",
                                        alt="Close",
                                    ),
                                    type="button",
                                    className="usa-nav__close",
                                ),
                                html.Ul(items, className="usa-nav__primary usa-accordion"),
                            ],
                            className="usa-nav",
                            **{"aria-label": "Primary navigation"},
                        ),
                    ],
                    className="usa-nav-container",
                ),
                className="usa-header usa-header--basic",
            ),
        ],
        className="cx-header",
    )
