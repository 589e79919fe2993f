"""USWDS official-website banner ("An official website of the United States government")."""

from dash import html

_IMG = "/assets/uswds/img"


def gov_banner(banner_id: str = "gov-banner") -> html.Section:
    """The banner every federal site shows so visitors can tell it is official.

    Markup and classes follow the USWDS 3 banner exactly so uswds.min.js's
    delegated click handler toggles "Here's how you know". The content starts
    hidden; the button's aria-expanded/aria-controls tell assistive technology
    what it opens.
    """
    action = "Here’s how you know"
    return html.Section(
        html.Div(
            [
                html.Header(
                    html.Div(
                        [
                            html.Div(
                                html.Img(
                                    src=f"{_IMG}/us_flag_small.png",
                                    alt="",
                                    className="usa-banner__header-flag",
                                    **{"aria-hidden": "true"},
                                ),
                                className="grid-col-auto",
                            ),
                            html.Div(
                                [
                                    html.P(
                                        "An official website of the United States government",
                                        className="usa-banner__header-text",
                                    ),
                                    html.P(action, className="usa-banner__header-action"),
                                ],
                                className="grid-col-fill tablet:grid-col-auto",
                                **{"aria-hidden": "true"},
                            ),
                            html.Button(
                                html.Span(action, className="usa-banner__button-text"),
                                type="button",
                                className="usa-accordion__button usa-banner__button",
                                **{"aria-expanded": "false", "aria-controls": banner_id},
                            ),
                        ],
                        className="usa-banner__inner",
                    ),
                    className="usa-banner__header",
                ),
                html.Div(
                    html.Div(
                        [
                            _guidance(
                                "icon-dot-gov.svg",
                                "Official websites use .gov",
                                ["A ", html.Strong(".gov"), " website belongs to an official "
                                 "government organization in the United States."],
                            ),
                            _guidance(
                                "icon-https.svg",
                                "Secure .gov websites use HTTPS",
                                [
                                    "A ", html.Strong("lock"), " (",
                                    html.Span(
                                        html.Img(
                                            src=f"{_IMG}/lock.svg",
                                            alt="Locked padlock icon",
                                            className="usa-banner__lock-image",
                                        ),
                                        className="icon-lock",
                                    ),
                                    ") or ", html.Strong("https://"),
                                    " means you’ve safely connected to the .gov website. "
                                    "Share sensitive information only on official, secure websites.",
                                ],
                            ),
                        ],
                        className="grid-row grid-gap-lg",
                    ),
                    id=banner_id,
                    hidden=True,
                    className="usa-banner__content usa-accordion__content",
                ),
            ],
            className="usa-accordion",
        ),
        className="usa-banner",
        **{"aria-label": "Official website of the United States government"},
    )


def _guidance(icon: str, heading: str, text: list) -> html.Div:
    return html.Div(
        [
            html.Img(
                src=f"{_IMG}/{icon}",
                alt="",
                className="usa-banner__icon usa-media-block__img",
                **{"aria-hidden": "true"},
            ),
            html.Div(
                html.P([html.Strong(heading), html.Br(), *text]),
                className="usa-media-block__body",
            ),
        ],
        className="usa-banner__guidance tablet:grid-col-6",
    )
