"""USWDS official-website banner ("An official website of the United States government").

Its words live in cxdash.dashboard.official_banner, which the sign-in page renders too."""

from dash import html

from cxdash.dashboard.official_banner import ACTION, GUIDANCE, HEADER, IMAGES, LABEL, Guidance, Image, Strong


def gov_banner(banner_id: str = "gov-banner") -> html.Section:
    """The banner every federal site shows so visitors can tell it is official.

    Markup and classes follow the USWDS 3 banner exactly so uswds.min.js's
    delegated click handler toggles "Here's how you know". The content starts
    hidden; the button's aria-expanded/aria-controls tell assistive technology
    what it opens.
    """
    return html.Section(
        html.Div(
            [
                html.Header(
                    html.Div(
                        [
                            html.Div(
                                html.Img(
                                    src=f"{IMAGES}/us_flag_small.png",
                                    alt="",
                                    className="usa-banner__header-flag",
                                    **{"aria-hidden": "true"},
                                ),
                                className="grid-col-auto",
                            ),
                            html.Div(
                                [
                                    html.P(HEADER, className="usa-banner__header-text"),
                                    html.P(ACTION, className="usa-banner__header-action"),
                                ],
                                className="grid-col-fill tablet:grid-col-auto",
                                **{"aria-hidden": "true"},
                            ),
                            html.Button(
                                html.Span(ACTION, className="usa-banner__button-text"),
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
                    html.Div([_guidance(item) for item in GUIDANCE], className="grid-row grid-gap-lg"),
                    id=banner_id,
                    hidden=True,
                    className="usa-banner__content usa-accordion__content",
                ),
            ],
            className="usa-accordion",
        ),
        className="usa-banner",
        **{"aria-label": LABEL},
    )


def _part(part: str | Strong | Image):
    if isinstance(part, Strong):
        return html.Strong(part.text)
    if isinstance(part, Image):
        return html.Span(html.Img(src=f"{IMAGES}/{part.file}", alt=part.alt, className="usa-banner__lock-image"),
                         className=part.wrapper)
    return part


def _guidance(item: Guidance) -> html.Div:
    return html.Div(
        [
            html.Img(
                src=f"{IMAGES}/{item.icon}",
                alt="",
                className="usa-banner__icon usa-media-block__img",
                **{"aria-hidden": "true"},
            ),
            html.Div(
                html.P([html.Strong(item.heading), html.Br(), *(_part(p) for p in item.parts)]),
                className="usa-media-block__body",
            ),
        ],
        className="usa-banner__guidance tablet:grid-col-6",
    )
