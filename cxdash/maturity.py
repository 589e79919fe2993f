"""The CX maturity self-assessment: the model (config/maturity.yaml: the A-11 Section 280 CX
dimensions and the five levels, validated with pydantic), recording a rating (checked, its
evidence redacted like review commentary), a fiscal year's profile as the review pack shows it,
and the evidence the dashboard's own data gives the Measurement dimension.

The levels themselves are computed by metrics/maturity.py (a level counts only when every level
below it is fully met; the overall level is the lowest dimension's).
"""
from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Connection, Engine

from cxdash import paths
from cxdash.catalogue import Catalogue, load_yaml_as
from cxdash.db import maturity_queries
from cxdash.errors import FieldError
from cxdash.metrics import maturity as levels_of
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.redaction import checked_text

MAX_EVIDENCE = 4000
MAX_ASSESSED_BY = 200
SOURCES = ("page", "file")
YEARS = range(1990, 2101)
STATUS_WORDS = {"met": "met", "partial": "partial", "partly met": "partial", "partially met": "partial",
                "not met": "not_met", "not_met": "not_met", "not-met": "not_met"}
_SLUG = r"^[a-z0-9][a-z0-9._-]*$"
_FY = re.compile(r"^\s*(?:FY\s*)?(\d{4})\s*$", re.IGNORECASE)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Dimension(_Strict):
    id: str = Field(pattern=_SLUG, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1)


class Level(_Strict):
    number: int = Field(ge=1, le=levels_of.TOP_LEVEL)
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(min_length=1)


class MaturityModel(_Strict):
    version: int = Field(1, ge=1, le=1)
    measurement_dimension: str | None = Field(None, description="the dimension the dashboard's data supports")
    dimensions: list[Dimension] = Field(min_length=1)
    levels: list[Level]

    @field_validator("levels")
    @classmethod
    def _five_in_order(cls, levels: list[Level]) -> list[Level]:
        numbers = [lv.number for lv in levels]
        expected = list(range(1, levels_of.TOP_LEVEL + 1))
        if numbers != expected:
            raise ValueError(f"levels must be numbered {expected} in order, got {numbers}")
        return levels

    @model_validator(mode="after")
    def _unique(self) -> MaturityModel:
        for what, values in (("dimension ids", [d.id for d in self.dimensions]),
                             ("dimension names", [d.name.casefold() for d in self.dimensions]),
                             ("level names", [lv.name.casefold() for lv in self.levels])):
            doubled = sorted({v for v in values if values.count(v) > 1})
            if doubled:
                raise ValueError(f"{what} must be unique; used twice: {doubled}")
        ids = [d.id for d in self.dimensions]
        if self.measurement_dimension is not None and self.measurement_dimension not in ids:
            raise ValueError(f"measurement_dimension {self.measurement_dimension!r} is not a dimension id ({ids})")
        return self

    @property
    def level_names(self) -> dict[int, str]:
        return {lv.number: lv.name for lv in self.levels}

    @property
    def dimension_names(self) -> dict[str, str]:
        return {d.id: d.name for d in self.dimensions}

    def dimension(self, text: str) -> Dimension | None:
        """A dimension by id or name (case and spacing ignored)."""
        key = " ".join(str(text).split()).casefold()
        return next((d for d in self.dimensions if key in (d.id, " ".join(d.name.split()).casefold())), None)

    def level(self, value) -> Level | None:
        """A level by number (1-5, also '3' or 3.0) or name."""
        text = " ".join(str(value).split()).casefold()
        for lv in self.levels:
            if text in (str(lv.number), f"{lv.number}.0", lv.name.casefold(), f"level {lv.number}"):
                return lv
        return None


class MaturityDimension(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    level: int  # 0 (not even Reactive fully met) .. 5
    level_name: str
    previous_level: int | None = None
    evidence: str = ""


class Maturity(BaseModel):
    """The CX maturity self-assessment of a fiscal year: a level counts only when the levels
    below it are fully met."""
    model_config = ConfigDict(extra="forbid")

    fiscal_year: int
    overall: int
    overall_name: str
    dimensions: list[MaturityDimension]
    takeaway: str


def default_path() -> Path:
    return paths.config_file("maturity.yaml")


def load_model(path: Path | str | None = None) -> MaturityModel:
    """The maturity model; any mistake is a UserError naming the file and key path."""
    return load_yaml_as(Path(path) if path else default_path(), MaturityModel)


# --- checking a rating --------------------------------------------------------------------------

def parse_fiscal_year(value) -> int:
    match = _FY.match(str(value if value is not None else ""))
    year = int(match.group(1)) if match else None
    if year not in YEARS:
        raise FieldError("fiscal_year", f"expected a fiscal year such as 2023 or FY2023, got {value!r}")
    return year


def parse_status(value) -> str:
    status = STATUS_WORDS.get(" ".join(str(value or "").replace("_", " ").split()).casefold())
    if status is None:
        raise FieldError("status", f"expected met, partial or not met, got {value!r}")
    return status


def checked_rating(model: MaturityModel, fiscal_year, dimension, level, status, evidence, assessed_by,
                   source: str = "page") -> dict:
    """The values to store, or a FieldError naming the first bad field. Evidence is redacted
    (it may quote a customer's case); assessed_by names staff and is kept as given."""
    year = parse_fiscal_year(fiscal_year)
    found = model.dimension(dimension or "")
    if found is None:
        raise FieldError("dimension", f"{dimension!r} is not a dimension of the maturity model "
                                         f"({', '.join(d.id for d in model.dimensions)})")
    lv = model.level(level if level is not None else "")
    if lv is None:
        raise FieldError("level", f"expected a level 1-{levels_of.TOP_LEVEL} or its name "
                                     f"({', '.join(model.level_names.values())}), got {level!r}")
    text = checked_text("evidence", evidence, MAX_EVIDENCE)
    who = checked_text("assessed_by", assessed_by, MAX_ASSESSED_BY, redacted=False)
    if source not in SOURCES:
        raise FieldError("source", f"expected one of {', '.join(SOURCES)}, got {source!r}")
    return {"fiscal_year": year, "dimension": found.id, "level": lv.number, "status": parse_status(status),
            "evidence": text, "assessed_by": who, "source": source}


def record_rating(bind: Connection | Engine, model: MaturityModel, fiscal_year, dimension, level, status, evidence="",
                  assessed_by="", source: str = "page") -> dict:
    """Store one rating (replacing the same year, dimension and level); returns what was stored."""
    values = checked_rating(model, fiscal_year, dimension, level, status, evidence, assessed_by, source)
    maturity_queries.save_rating(bind, **values)
    return values


# --- profiles -------------------------------------------------------------------------------------

def evidence_of(ratings: list[dict], dimension: str, level: int) -> str:
    """The evidence behind a dimension's level: that level's note (level 0: level 1's, which
    says what is missing)."""
    wanted = max(level, 1)
    return next((r["evidence"] or "" for r in ratings if r["dimension"] == dimension and r["level"] == wanted), "")


def profile_from_ratings(model: MaturityModel, fiscal_year: int, ratings: list[dict],
                         previous: list[dict] | None) -> Maturity:
    """A year's profile from its ratings (and last year's, None when last year was not assessed)."""
    ids = [d.id for d in model.dimensions]
    now = levels_of.dimension_levels(ratings, ids)
    before = levels_of.dimension_levels(previous, ids) if previous else None
    names = model.level_names
    overall = levels_of.overall_level(now)
    return Maturity(
        fiscal_year=fiscal_year, overall=overall, overall_name=levels_of.level_name(overall, names),
        dimensions=[MaturityDimension(id=d.id, name=d.name, level=now[d.id],
                                      level_name=levels_of.level_name(now[d.id], names),
                                      previous_level=before[d.id] if before else None,
                                      evidence=evidence_of(ratings, d.id, now[d.id]))
                    for d in model.dimensions],
        takeaway=levels_of.takeaway(fiscal_year, now, model.dimension_names, names, before))


def maturity_profile(engine: Engine, model: MaturityModel, fiscal_year: int) -> Maturity | None:
    """The fiscal year's self-assessment for the review pack; None when nothing was rated that year."""
    ratings = maturity_queries.ratings(engine, fiscal_year)
    if not ratings:
        return None
    previous = maturity_queries.ratings(engine, fiscal_year - 1)
    return profile_from_ratings(model, fiscal_year, ratings, previous or None)


# --- what the dashboard's own data says about Measurement ----------------------------------------

def _share(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def reporting_coverage(catalogue: Catalogue, fiscal_year: int, reported) -> list[dict]:
    """Per quarter of the year, the catalogue services with survey data. ``reported``: a frame of
    (fiscal_quarter, provider, service). A quarter with no survey data for any service has no
    share (not loaded yet, rather than nobody reporting)."""
    services = catalogue.services
    rows = []
    for q in range(1, 5):
        quarter = FiscalQuarter(fiscal_year, q)
        in_quarter = reported[reported["fiscal_quarter"] == q]
        found = {entry.id for entry in (catalogue.find_service(p, s) for p, s in
                                        zip(in_quarter["provider"], in_quarter["service"])) if entry}
        missing = [s.name for s in services if s.id not in found]
        loaded = not in_quarter.empty
        rows.append({
            "id": f"reporting-q{q}", "label": f"Catalog services with survey data, {quarter.display}",
            "numerator": len(found) if loaded else None, "denominator": len(services),
            "share": _share(len(found), len(services)) if loaded else None,
            "detail": ("No survey data loaded for this quarter" if not loaded else
                       f"Without data: {', '.join(missing)}" if missing else "Every catalogue service reported"),
        })
    return rows


def target_coverage(catalogue: Catalogue, fiscal_year: int) -> dict:
    """The catalogue measures with a target for the fiscal year and a named owner."""
    measures = catalogue.measures
    ready = [m for m in measures if m.target_for(fiscal_year) is not None and m.owner.strip()]
    lacking = [m.name for m in measures if m not in ready]
    return {"id": "targets-owners", "label": f"Catalog measures with an FY{fiscal_year} target and an owner",
            "numerator": len(ready), "denominator": len(measures), "share": _share(len(ready), len(measures)),
            "detail": f"Without: {'; '.join(lacking)}" if lacking else "Every measure has both"}


def measurement_evidence(engine: Engine, catalogue: Catalogue, fiscal_year: int) -> list[dict]:
    """The dashboard's own evidence for the Measurement dimension: each row id, label, numerator,
    denominator, share (None: no data) and a detail sentence."""
    reported = maturity_queries.services_with_survey_data(engine, fiscal_year)
    return [*reporting_coverage(catalogue, fiscal_year, reported), target_coverage(catalogue, fiscal_year)]
