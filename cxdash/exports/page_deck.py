"""A page's own short PowerPoint deck ("Export this page to PowerPoint"): the review pack's
slides for the scope and quarter the page shows, only the ones that page is about, so an
executive can drop the scorecard or one service's story into a briefing as it stands today.

The deck is built from ReviewContents (cxdash/review/assemble.py: the pages' own functions over
the stored results) with native python-pptx charts and tables; no picture is rendered, so it
takes about a second.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cxdash.exports import file_names, review_deck
from cxdash.review.contents import ReviewContents

PAGES = {
    # page: (the title slide's words, the review pack's sections it keeps)
    "scorecard": ("CX scorecard", ("title", "bottom_line", "scorecard", "off_track")),
    "service": ("Service drivers", ("title", "bottom_line", "trends", "journey")),
}
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def build(contents: ReviewContents, page: str, template: str | Path | None = None) -> bytes:
    """The page's deck as .pptx bytes."""
    if page not in PAGES:
        raise ValueError(f"no PowerPoint export for page {page!r}; expected one of {', '.join(PAGES)}")
    words, sections = PAGES[page]
    return review_deck.build(contents, template, sections=sections, title=f"{contents.agency}: {words}").data


def file_name(contents: ReviewContents, page: str, services: Iterable = ()) -> str:
    """e.g. vba-contact-center-scorecard-fy2023-q1.pptx."""
    scope = file_names.scope(contents.provider, contents.service, services)
    return file_names.stem(scope, page, file_names.period(contents.quarter)) + ".pptx"
