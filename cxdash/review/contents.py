"""What a quarterly review pack says, as plain data: the numbers, sentences, commentary and
actions for one quarter and one scope. The deck and the PDF render it; a frozen review stores
it (JSON) so what the executives saw never changes when data are reloaded.

Pydantic gives the JSON round trip and validates a stored snapshot on the way back in.
"""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cxdash.initiatives import PortfolioItem  # the core defines its results; the pack composes them
from cxdash.maturity import Maturity

ActionState = Literal["done", "open", "late"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Point(_Model):
    """One quarter of a measure's trend (value in the measure's unit: proportion or points)."""
    label: str  # e.g. "FY2023 Q1"
    value: float | None
    n: int | None = None
    target: float | None = None  # that fiscal year's target (charts draw it as a step)


class Commentary(_Model):
    """The CX office's or the owner's words on a measure for a quarter."""
    what_happened: str = ""
    why: str = ""
    what_next: str = ""
    author: str = ""
    updated_at: dt.datetime | None = None

    def text(self) -> str:
        """For speaker notes: the three parts that are filled, each with its heading."""
        parts = [("What happened", self.what_happened), ("Why", self.why), ("What next", self.what_next)]
        lines = [f"{head}: {body.strip()}" for head, body in parts if body.strip()]
        if lines and self.author:
            lines.append(f"({self.author})")
        return "\n".join(lines)


class Action(_Model):
    """A decision or an action recorded at a review; ``state`` is judged on the pack's review date
    (late = open past its due date)."""
    id: int
    measure_id: str | None
    measure_name: str | None = None
    quarter: str  # the review it was recorded at, e.g. "FY2023Q1"
    kind: Literal["decision", "action"]
    description: str
    owner: str = ""
    due_date: dt.date | None = None
    status: Literal["open", "done"] = "open"
    completed_on: dt.date | None = None
    state: ActionState = "open"


class Annotation(_Model):
    """An event (policy change, outage, launch) to read trends against."""
    id: int
    event_date: dt.date
    label: str
    description: str = ""
    provider: str = "all"
    service: str = "all"
    quarter: str  # the fiscal quarter of event_date, e.g. "FY2023 Q1"


class Benchmark(_Model):
    """A figure the measure stands beside (presentation.benchmark): every loaded agency's, or the one
    published on performance.gov."""
    label: str
    value: float
    unit: Literal["percent", "points"]
    text: str  # e.g. "All loaded agencies (response-weighted): 71.2%"
    detail: str = ""  # e.g. "14 providers, n = 52,301"


class MeasureSlide(_Model):
    """One catalogue measure for the quarter: the scorecard card's numbers plus its trend."""
    measure_id: str
    name: str
    definition: str
    goal: str
    objective: str
    unit: Literal["percent", "points"]
    direction: Literal["higher", "lower"]
    owner: str
    stages: list[str]
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    suppressed: bool = False
    min_n: int = 30  # results from fewer responses are suppressed (the catalogue's setting)
    target: float | None = None
    status: str  # on_track, at_risk, off_track, no_target, no_data
    change: float | None = None
    p_value: float | None = None
    significant: bool | None = None
    prev_label: str | None = None
    points: list[Point]
    trend_takeaway: str
    wordings: list[str] = []
    counts: str | None = None  # what the number counts (the catalogue's line)
    wording_note: str | None = None  # the question's wording changed, or this quarter mixes wordings
    commentary: Commentary | None = None
    # The bottom line's fields (cxdash.presentation.bottom_line reads them as the page's cards);
    # defaults keep snapshots frozen before they existed valid.
    quarter_label: str | None = None  # e.g. "FY2023 Q1"
    practical_change: float | None = None
    change_clear: bool | None = None
    change_summary: str | None = None
    prev_status: str | None = None
    last_value: float | None = None
    last_label: str | None = None
    next_label: str | None = None
    next_due: dt.date | None = None
    benchmarks: list[Benchmark] = []

    def card(self) -> dict:
        """As the scorecard's card dict (the keys cxdash.presentation.bottom_line reads)."""
        card = self.model_dump(mode="json")
        card["next_due"] = self.next_due.isoformat() if self.next_due else None
        return card


class Goal(_Model):
    id: str
    name: str
    description: str = ""
    measure_ids: list[str]
    takeaway: str  # the status summary of its measures


class JourneyCell(_Model):
    value: str
    marks: list[tuple[str, str]] = []  # (icon, words)
    score: float | None = None  # 0 weakest .. 1 strongest; None: not compared


class Journey(_Model):
    """The journey heat map: stages (rows) x indicators (columns)."""
    stages: list[str]
    indicators: list[str]
    cells: list[list[JourneyCell]]
    takeaway: str
    notes: list[str] = []  # footnotes the page shows under it (the backlog's as-of day)


class ServicesSideBySide(_Model):
    """A review of several services: each one's own figures over all its stages, one row per
    service (columns: 'Service', then the indicators), in place of a journey pooled across them."""
    header: list[str]
    rows: list[list[str]]
    takeaway: str


class ReviewContents(_Model):
    agency: str
    quarter: str  # e.g. "FY2023Q1"
    quarter_display: str  # e.g. "FY2023 Q1 (Oct-Dec 2022)" as the pages show it
    provider: str = "all"
    service: str = "all"
    scope_text: str  # e.g. "All providers · All services"
    filters_text: str  # what every slide's footer says was applied
    source: str  # e.g. "OMB A-11 Section 280 survey (Touchpoints); cxdash"
    as_of: dt.date | None
    generated_at: dt.datetime
    review_date: dt.date  # action states are judged on this day
    frozen_on: dt.date | None = None
    status_takeaway: str
    goals: list[Goal]
    measures: list[MeasureSlide]
    journey: Journey | None = None  # one service's journey only
    services: ServicesSideBySide | None = None  # a review of several services
    actions: list[Action] = []
    annotations: list[Annotation] = []
    portfolio: list[PortfolioItem] = []
    portfolio_takeaway: str = ""
    maturity: Maturity | None = None

    def measure(self, measure_id: str) -> MeasureSlide:
        return next(m for m in self.measures if m.measure_id == measure_id)

    def off_track(self) -> list[MeasureSlide]:
        return [m for m in self.measures if m.status == "off_track"]
