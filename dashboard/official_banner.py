"""The official US government banner's wording, in one place, and the banner as static HTML for
the page Flask renders itself (sign-in), which loads no script: the Dash component
(`components/banner.py`) and this page then say the same words.

Dash-free on purpose: the sign-in guard must not need Dash to draw its page.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

IMAGES = "/assets/uswds/img"
LABEL = "Official website of the United States government"
HEADER = "An official website of the United States government"
ACTION = "Here’s how you know"


@dataclass(frozen=True)
class Strong:
    """Words the banner shows in bold."""

    text: str


@dataclass(frozen=True)
class Image:
    """An image inside a sentence (the padlock)."""

    file: str
    alt: str
    wrapper: str  # the class of the span around it


LOCK = Image("lock.svg", "Locked padlock icon", "icon-lock")


@dataclass(frozen=True)
class Guidance:
    """One of the two paragraphs behind "Here’s how you know": an icon, a heading and a sentence."""

    icon: str
    heading: str
    parts: tuple[str | Strong | Image, ...]


GUIDANCE = (
    Guidance("icon-dot-gov.svg", "Official websites use .gov",
             ("A ", Strong(".gov"), " website belongs to an official government organization in the United States.")),
    Guidance("icon-https.svg", "Secure .gov websites use HTTPS",
             ("A ", Strong("lock"), " (", LOCK, ") or ", Strong("https://"),
              " means you’ve safely connected to the .gov website. "
              "Share sensitive information only on official, secure websites.")),
)


def _part(part: str | Strong | Image) -> Markup:
    if isinstance(part, Strong):
        return Markup("<strong>{}</strong>").format(part.text)
    if isinstance(part, Image):
        return Markup('<span class="{}"><img src="{}/{}" alt="{}" class="usa-banner__lock-image"></span>').format(
            part.wrapper, IMAGES, part.file, part.alt)
    return Markup.escape(part)


def _guidance(item: Guidance) -> Markup:
    sentence = Markup("").join(_part(p) for p in item.parts)
    return Markup(
        '<div class="usa-banner__guidance tablet:grid-col-6">'
        '<img src="{images}/{icon}" alt="" aria-hidden="true" class="usa-banner__icon usa-media-block__img">'
        '<div class="usa-media-block__body"><p><strong>{heading}</strong><br>{sentence}</p></div></div>').format(
        images=IMAGES, icon=item.icon, heading=item.heading, sentence=sentence)


def static_banner(banner_id: str = "gov-banner") -> Markup:
    """The USWDS banner with a native <details>/<summary> for "Here’s how you know" in place of
    USWDS's script-driven button: it opens by mouse, keyboard and screen reader with no script.
    cxdash.css gives the summary the button's look (no disclosure marker, the chevron turning
    up when open, the focus ring on the words)."""
    return Markup(
        '<section class="usa-banner" aria-label="{label}"><details class="usa-accordion cx-static-banner">'
        '<summary class="usa-banner__header"><span class="usa-banner__inner">'
        '<span class="grid-col-auto"><img src="{images}/us_flag_small.png" alt="" aria-hidden="true" '
        'class="usa-banner__header-flag"></span>'
        '<span class="grid-col-fill tablet:grid-col-auto" aria-hidden="true">'
        '<span class="usa-banner__header-text">{header}</span>'
        '<span class="usa-banner__header-action">{action}</span></span>'
        '<span class="usa-banner__button"><span class="usa-banner__button-text">{action}</span></span>'
        '</span></summary>'
        '<div class="usa-banner__content usa-accordion__content" id="{banner_id}">'
        '<div class="grid-row grid-gap-lg">{guidance}</div></div></details></section>').format(
        label=LABEL, images=IMAGES, header=HEADER, action=ACTION, banner_id=banner_id,
        guidance=Markup("").join(_guidance(g) for g in GUIDANCE))
