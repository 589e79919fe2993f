"""The register of CX improvement initiatives (config/initiatives.yaml): its schema, checked
against the catalogue; writing it into the database; and what the portfolio shows from it:
each initiative scored (customer value from the data where the register says so), ranked by
weighted shortest job first, the measures off track with the initiatives that address them, and
whether a finished initiative's measures moved."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy import Engine

from cxdash import paths
from cxdash.catalogue import Catalogue, format_validation_error, parse_yaml
from cxdash.db import portfolio_queries, queries
from cxdash.errors import UserError
from cxdash.metrics import wsjf
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.metrics.names import name_key

STATUSES = ("proposed", "active", "done", "stopped")
OPEN = ("proposed", "active")  # ranked: work still to do
_SLUG = r"^[a-z0-9][a-z0-9._-]*$"
_SCALE_TEXT = ", ".join(str(v) for v in wsjf.SCALE)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _on_scale(value: int) -> int:
    if value not in wsjf.SCALE:
        raise ValueError(f"{value} is not on the scale {_SCALE_TEXT}")
    return value


class Scores(_Strict):
    """Relative scores on the modified Fibonacci scale; customer value may be 'data'."""
    customer_value: int | Literal["data"]
    mission_value: int
    time_criticality: int
    risk_reduction: int
    job_size: int

    @field_validator("mission_value", "time_criticality", "risk_reduction", "job_size")
    @classmethod
    def _scale(cls, value: int) -> int:
        return _on_scale(value)

    @field_validator("customer_value", mode="before")
    @classmethod
    def _customer_scale(cls, value):
        if value == "data":
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise ValueError(f"expected 'data' (from the data) or a value on the scale {_SCALE_TEXT}, got {value!r}")
        return _on_scale(int(value))


class TargetedMeasure(_Strict):
    id: str = Field(description="A measure id of the catalogue.")
    expected_change: float | None = Field(None, description="In the measure's unit (0.05 = +5 points).")

    @field_validator("id")
    @classmethod
    def _known(cls, measure_id: str, info: ValidationInfo) -> str:
        catalogue = _catalogue(info)
        known = [m.id for m in catalogue.measures]
        if measure_id not in known:
            raise ValueError(f"unknown measure {measure_id!r}; known: {', '.join(known)}")
        return measure_id


class InitiativeEntry(_Strict):
    id: str = Field(pattern=_SLUG)
    name: str = Field(min_length=1, max_length=300)
    owner: str = Field(min_length=1, max_length=200)
    description: str = ""
    services: list[str] = Field(min_length=1)
    stages: list[str] = Field(default_factory=list)
    measures: list[TargetedMeasure] = Field(default_factory=list)
    status: Literal["proposed", "active", "done", "stopped"]
    start: dt.date | None = None
    end: dt.date | None = None
    scores: Scores

    @field_validator("services")
    @classmethod
    def _known_services(cls, services: list[str], info: ValidationInfo) -> list[str]:
        known = [s.id for s in _catalogue(info).services]
        unknown = [s for s in services if s not in known]
        if unknown:
            raise ValueError(f"unknown service(s) {unknown}; known: {', '.join(known)}")
        return services

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> InitiativeEntry:
        catalogue = _catalogue(info)
        stages = {st for s in catalogue.services if s.id in self.services for st in s.stages}
        unknown = [st for st in self.stages if st not in stages]
        if unknown:
            raise ValueError(f"stages: {unknown} not a stage of its services {self.services} "
                             f"(their stages: {sorted(stages)})")
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end: {self.end} is before start {self.start}")
        if self.status == "done" and (self.start is None or self.end is None):
            raise ValueError("start and end: a done initiative needs both, to show whether its measures moved")
        return self


class Weights(_Strict):
    """How much each cost-of-delay component counts."""
    customer_value: float = Field(1.0, ge=0, le=3)
    mission_value: float = Field(1.0, ge=0, le=3)
    time_criticality: float = Field(1.0, ge=0, le=3)
    risk_reduction: float = Field(1.0, ge=0, le=3)

    @model_validator(mode="after")
    def _something_counts(self) -> Weights:
        if not any(getattr(self, c) for c in wsjf.COMPONENTS):
            raise ValueError("at least one weight must be above 0")
        return self


class Register(_Strict):
    version: Literal[1]
    weights: Weights = Weights()
    initiatives: list[InitiativeEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> Register:
        ids = [i.id for i in self.initiatives]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"initiative id(s) used twice: {twice}")
        return self


def _catalogue(info: ValidationInfo) -> Catalogue:
    catalogue = (info.context or {}).get("catalogue")
    if catalogue is None:
        raise ValueError("the register is checked against the catalogue: validate with context={'catalogue': ...}")
    return catalogue


def load_register(path: Path | str, catalogue: Catalogue) -> Register:
    """Read and check the register; a mistake is a UserError naming the file and the key path
    (e.g. ``initiatives[2].measures[0].id``)."""
    path = Path(path)
    data = parse_yaml(path)
    try:
        return Register.model_validate(data, context={"catalogue": catalogue})
    except ValidationError as exc:
        raise UserError(format_validation_error(str(path), exc)) from None


def sync(engine: Engine, register: Register) -> int:
    """Write the register into the database in one transaction (replacing what was there);
    returns the number of initiatives."""
    rows, measures = [], []
    for i in register.initiatives:
        s = i.scores
        rows.append({"id": i.id, "name": i.name, "owner": i.owner, "description": i.description,
                     "services": list(i.services), "stages": list(i.stages), "status": i.status,
                     "start_date": i.start, "end_date": i.end,
                     "customer_value": None if s.customer_value == "data" else float(s.customer_value),
                     "mission_value": float(s.mission_value), "time_criticality": float(s.time_criticality),
                     "risk_reduction": float(s.risk_reduction), "job_size": float(s.job_size)})
        measures += [{"initiative_id": i.id, "measure_id": m.id, "expected_change": m.expected_change}
                     for m in i.measures]
    portfolio_queries.replace_register(engine, rows, measures)
    return len(rows)


# --- the portfolio from the database -----------------------------------------------------------

@dataclass(frozen=True)
class Portfolio:
    """What the portfolio page and the review pack show for a quarter.

    initiatives: dicts as portfolio_queries.initiatives gives them, each with its customer value
    resolved (``customer_value``, ``customer_value_from_data``) and the data's view of it
    (``volume``, ``volume_basis``: 'customers' or 'survey responses', ``shortfall``, ``impact``).
    off_track: {measure_id, value, target, n} of the quarter.
    finished: per done initiative, per measure, the before and after quarters and the Movement."""
    quarter: FiscalQuarter
    initiatives: list[dict]
    off_track: list[dict] = field(default_factory=list)
    finished: list[dict] = field(default_factory=list)
    alpha: float = 0.05

    @property
    def open(self) -> list[dict]:
        return [i for i in self.initiatives if i["status"] in OPEN]


def _value_at(series, measure_id: str, quarter: FiscalQuarter) -> dict | None:
    """The measure's latest usable quarter up to ``quarter``."""
    rows = series[(series["measure_id"] == measure_id)
                  & (series["fiscal_year"] * 4 + series["fiscal_quarter"] - 1 <= quarter.index)
                  & series["value"].notna()]
    if rows.empty:
        return None
    r = rows.sort_values(["fiscal_year", "fiscal_quarter"]).iloc[-1]
    target = None if r["target"] is None or r["target"] != r["target"] else float(r["target"])  # None or NaN
    return {"value": float(r["value"]), "n": int(r["n"]), "target": target,
            "quarter": FiscalQuarter(int(r["fiscal_year"]), int(r["fiscal_quarter"]))}


def _volume(initiative: dict, volumes: dict, series, catalogue: Catalogue, quarter: FiscalQuarter) -> tuple:
    """(volume, basis) of the initiative's services over the four quarters ending with ``quarter``:
    A-11 customers served if reported, otherwise the survey responses of its measures."""
    total = 0
    for service_id in initiative["services"]:
        s = catalogue.service(service_id)
        total += volumes.get((name_key(s.provider), name_key(s.name)), 0)
    if total > 0:
        return float(total), "customers"
    first = quarter.previous(3).index
    responses = []
    for m in initiative["measures"]:
        rows = series[(series["measure_id"] == m["measure_id"])
                      & (series["fiscal_year"] * 4 + series["fiscal_quarter"] - 1).between(first, quarter.index)]
        responses.append(int(rows["n"].sum()))
    return (float(max(responses)), "survey responses") if responses and max(responses) > 0 else (None, None)


def _with_customer_value(rows: list[dict], series, volumes: dict, catalogue: Catalogue,
                         quarter: FiscalQuarter) -> list[dict]:
    for row in rows:
        volume, basis = _volume(row, volumes, series, catalogue, quarter)
        gaps = []
        for m in row["measures"]:
            measure = catalogue.measure(m["measure_id"])
            now = _value_at(series, measure.id, quarter)
            gaps.append(wsjf.shortfall(now and now["value"], now and now["target"], measure.direction, measure.unit))
        row.update(volume=volume, volume_basis=basis, shortfall=max((g for g in gaps if g is not None), default=None),
                   impact=wsjf.impact(volume, gaps))
    from_data = [r["id"] for r in rows if r["customer_value"] is None]
    scale = wsjf.customer_value_scores({r["id"]: r["impact"] for r in rows}, from_data)
    for row in rows:
        row["customer_value_from_data"] = row["customer_value"] is None
        if row["customer_value_from_data"]:
            row["customer_value"] = float(scale[row["id"]])
    return rows


def _finished(rows: list[dict], series, catalogue: Catalogue, quarter: FiscalQuarter, alpha: float) -> list[dict]:
    """For each done initiative's measures: the quarter before it started vs the latest quarter
    (up to ``quarter``) that began after it ended."""
    out = []
    for row in rows:
        if row["status"] != "done" or not row["start_date"] or not row["end_date"]:
            continue
        before_q = FiscalQuarter.of_date(row["start_date"]).previous()
        measures = []
        for m in row["measures"]:
            measure = catalogue.measure(m["measure_id"])
            before = _point(series, measure.id, before_q)
            after = _after(series, measure.id, row["end_date"], quarter)
            measures.append({"measure_id": measure.id, "name": measure.name, "unit": measure.unit,
                             "direction": measure.direction, "expected_change": m["expected_change"],
                             "before_quarter": before_q, "before": before,
                             "after_quarter": after["quarter"] if after else None, "after": after,
                             "movement": wsjf.movement(before, after, measure.unit, alpha)})
        out.append({"id": row["id"], "name": row["name"], "owner": row["owner"], "start_date": row["start_date"],
                     "end_date": row["end_date"], "measures": measures})
    return out


def _point(series, measure_id: str, q: FiscalQuarter) -> dict | None:
    rows = series[(series["measure_id"] == measure_id) & (series["fiscal_year"] == q.year)
                  & (series["fiscal_quarter"] == q.quarter) & series["value"].notna()]
    return None if rows.empty else {"value": float(rows.iloc[0]["value"]), "n": int(rows.iloc[0]["n"])}


def _after(series, measure_id: str, end: dt.date, quarter: FiscalQuarter) -> dict | None:
    for index in range(quarter.index, FiscalQuarter.of_date(end).index, -1):
        q = FiscalQuarter.from_index(index)
        point = _point(series, measure_id, q)
        if point:
            return {**point, "quarter": q}
    return None


def latest_quarter(engine: Engine) -> FiscalQuarter | None:
    """The latest quarter with measure results (None before any compute)."""
    found = queries.latest_quarter(engine)
    return FiscalQuarter(*found) if found else None


def assess(engine: Engine, catalogue: Catalogue, quarter: FiscalQuarter | None = None) -> Portfolio:
    """The register as stored, scored for ``quarter`` (default: the latest with results)."""
    quarter = quarter or latest_quarter(engine) or FiscalQuarter.of_date(dt.date.today())
    known = {m.id for m in catalogue.measures}
    with engine.connect() as conn:
        rows = portfolio_queries.initiatives(conn)
        for row in rows:  # a measure since removed from the catalogue is no longer shown
            row["measures"] = [m for m in row["measures"] if m["measure_id"] in known]
        series = portfolio_queries.measure_series(conn, sorted(known))
        volumes = portfolio_queries.customer_volumes(conn, (quarter.previous(3).year, quarter.previous(3).quarter),
                                                     (quarter.year, quarter.quarter))
        off = portfolio_queries.off_track(conn, quarter.year, quarter.quarter)
    volume_of: dict[tuple[str, str], int] = {}  # by name_key: spellings of one service add up
    for r in volumes.itertuples(index=False):
        key = (name_key(r.provider), name_key(r.service))
        volume_of[key] = volume_of.get(key, 0) + int(r.volume)
    alpha = catalogue.settings.alpha
    rows = _with_customer_value(rows, series, volume_of, catalogue, quarter)
    return Portfolio(quarter=quarter, initiatives=rows,
                     off_track=[r for r in off.to_dict("records") if r["measure_id"] in known],
                     finished=_finished(rows, series, catalogue, quarter, alpha), alpha=alpha)


class PortfolioItem(BaseModel):
    """An initiative ranked by weighted shortest job first (WSJF = cost of delay / job size), as
    pages and review packs show it."""
    model_config = ConfigDict(extra="forbid")

    rank: int
    id: str
    name: str
    owner: str
    status: str  # proposed, active, done, stopped
    customer_value: float
    customer_value_from_data: bool = False
    mission_value: float
    time_criticality: float
    risk_reduction: float
    cost_of_delay: float
    job_size: float
    wsjf: float
    measures: list[str] = []  # the names of the measures it should move
    stages: list[str] = []
    services: list[str] = []  # catalogue service ids


REGISTER_FILE = "initiatives.yaml"


def register_path(catalogue_path: Path | str | None = None) -> Path:
    """The register beside the catalogue in use, else the configured one (the agency's folder's,
    or the shipped default)."""
    folder = Path(catalogue_path).resolve().parent if catalogue_path else None
    own = folder is not None and folder != paths.default_config_dir().resolve()
    return folder / REGISTER_FILE if own and (folder / REGISTER_FILE).is_file() else paths.config_file(REGISTER_FILE)


def configured_weights(catalogue: Catalogue, catalogue_path: Path | str | None = None) -> dict[str, float]:
    """The register file's weights when it is there and valid, else 1 each: the ranking shown
    must not fail because the register has a mistake (`cxdash initiatives sync` reports it).
    The initiatives themselves come from the database."""
    path = register_path(catalogue_path)
    if path.is_file():
        try:
            return load_register(path, catalogue).weights.model_dump()
        except UserError:
            pass
    return dict(wsjf.DEFAULT_WEIGHTS)


def weights_of(register_or_weights) -> dict[str, float]:
    """A Register, Weights, a dict of weights or None (defaults) -> {component: weight}."""
    if register_or_weights is None:
        return dict(wsjf.DEFAULT_WEIGHTS)
    if isinstance(register_or_weights, Register):
        register_or_weights = register_or_weights.weights
    if isinstance(register_or_weights, Weights):
        return register_or_weights.model_dump()
    return {c: float(register_or_weights.get(c, 1.0)) for c in wsjf.COMPONENTS}


def ranked(portfolio: Portfolio, weights: dict[str, float]) -> list[dict]:
    """The open initiatives (proposed, active) ranked by WSJF; done and stopped ones are not ranked."""
    return wsjf.rank(portfolio.open, weights)


def takeaway(ranked_rows: list[dict], portfolio: Portfolio, catalogue: Catalogue) -> str:
    """One sentence: what to do first and why, and any off-track measure nobody is working on."""
    if not portfolio.initiatives:
        return "No initiatives are in the register yet."
    if not ranked_rows:
        text = "No initiative is proposed or active, so there is nothing to rank."
    else:
        top = ranked_rows[0]
        text = (f"{top['name']} ranks first by weighted shortest job first (WSJF {top['wsjf']:.1f}: cost of delay "
                f"{top['cost_of_delay']:g} for a job size of {top['job_size']:g})")
        if len(ranked_rows) > 1:
            second = ranked_rows[1]
            text += f", ahead of {second['name']} ({second['wsjf']:.1f})"
        text += f", of {len(ranked_rows)} open initiative{'s' if len(ranked_rows) != 1 else ''}."
    orphans = unaddressed(portfolio)
    if orphans:
        names = [catalogue.measure(m).name for m in orphans]
        text += (f" {len(orphans)} measure{'s' if len(orphans) != 1 else ''} off track in {portfolio.quarter.display} "
                 f"{'have' if len(orphans) != 1 else 'has'} no open initiative: {'; '.join(names)}.")
    return text


def addressing(portfolio: Portfolio, measure_id: str) -> list[dict]:
    """The initiatives (any status) that target a measure."""
    return [i for i in portfolio.initiatives if any(m["measure_id"] == measure_id for m in i["measures"])]


def unaddressed(portfolio: Portfolio) -> list[str]:
    """Off-track measures no proposed or active initiative targets."""
    return [o["measure_id"] for o in portfolio.off_track
            if not any(i["status"] in OPEN for i in addressing(portfolio, o["measure_id"]))]


def item(row: dict, catalogue: Catalogue) -> PortfolioItem:
    return PortfolioItem(
        rank=row["rank"], id=row["id"], name=row["name"], owner=row["owner"], status=row["status"],
        customer_value=row["customer_value"], customer_value_from_data=row["customer_value_from_data"],
        mission_value=row["mission_value"], time_criticality=row["time_criticality"],
        risk_reduction=row["risk_reduction"], cost_of_delay=row["cost_of_delay"], job_size=row["job_size"],
        wsjf=round(row["wsjf"], 4), measures=[catalogue.measure(m["measure_id"]).name for m in row["measures"]],
        stages=list(row["stages"]), services=list(row["services"]))


def portfolio_items(engine: Engine, catalogue: Catalogue, register_or_weights=None,
                    quarter: FiscalQuarter | None = None) -> tuple[list[PortfolioItem], str]:
    """The review pack's portfolio: the open initiatives ranked by WSJF (weights from the register,
    a Weights, a dict or the defaults), and its takeaway sentence."""
    portfolio = assess(engine, catalogue, quarter)
    rows = ranked(portfolio, weights_of(register_or_weights))
    return [item(r, catalogue) for r in rows], takeaway(rows, portfolio, catalogue)
