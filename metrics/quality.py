"""Data-quality checks per source: completeness, out-of-range values, duplicates, missing
values and gaps in quarters, from load totals, rejection reasons and quarter coverage."""
from __future__ import annotations

import re

import pandas as pd

from cxdash.metrics.fiscal import FiscalQuarter

CHECKS = ("completeness", "out_of_range", "duplicates", "missing_values", "quarter_gaps")
_RULES = [  # (check, pattern) in order: a rejection reason belongs to the first that matches
    ("duplicates", re.compile(r"duplicate", re.I)),
    ("missing_values", re.compile(r"\bmissing\b|\brequired\b|\bno text\b|\bempty\b", re.I)),
    ("out_of_range", re.compile(r"less than|greater than|more than|outside|out of range|negative|exceeds|between|"
                                r"before it was created|at most|at least", re.I)),
]


def classify_reason(reason: str) -> str:
    """Which check a rejection reason falls under; anything else is a format problem."""
    for check, pattern in _RULES:
        if pattern.search(reason):
            return check
    return "format"


WHOLE_SOURCE = "the whole source"


def quarter_gaps(coverage: pd.DataFrame, yearly: bool = False, per_service: bool = True) -> list[str]:
    """Quarters (or years) with no rows between a service's first and last, e.g.
    'Provider / Service: FY2022Q3'. ``coverage`` has provider, service, fiscal_year, fiscal_quarter.

    ``per_service=False`` for records of events (cases, feedback): a quarter in which no one asked
    for a rare service is no gap in the data; a quarter without a single record of any service is
    ('the whole source: FY2022Q3')."""
    if not per_service:
        coverage = coverage.assign(provider=WHOLE_SOURCE, service="")
    gaps = []
    for (provider, service), group in coverage.groupby(["provider", "service"], sort=True):
        if yearly:
            years = sorted(set(group["fiscal_year"].astype(int)))
            missing = [f"FY{y}" for y in range(years[0], years[-1] + 1) if y not in years]
        else:
            have = {FiscalQuarter(int(y), int(q)) for y, q in zip(group["fiscal_year"], group["fiscal_quarter"])}
            quarter, last, missing = min(have), max(have), []
            while quarter <= last:
                if quarter not in have:
                    missing.append(quarter.label)
                quarter = quarter.next()
        name = f"{provider} / {service}" if per_service else provider
        gaps += [f"{name}: {label}" for label in missing]
    return gaps


def source_checks(rows_read: int, rows_loaded: int, reasons: pd.DataFrame, coverage: pd.DataFrame, *,
                  yearly: bool = False, per_service: bool = True, min_completeness: float = 0.95) -> list[dict]:
    """One dict per check: check, passed (bool or None when there is nothing to judge), detail.

    ``reasons`` has reason and rows (rejected rows per reason) of the source's latest load;
    ``coverage`` its provider, service, fiscal_year, fiscal_quarter rows; ``per_service``: see
    quarter_gaps.
    """
    out = []
    if rows_read:
        share = rows_loaded / rows_read
        out.append({"check": "completeness", "passed": share >= min_completeness,
                    "detail": f"{share:.1%} of {rows_read:,} rows loaded (threshold {min_completeness:.0%})"})
    else:
        out.append({"check": "completeness", "passed": None, "detail": "no rows read yet"})
    by_check = (reasons.assign(check=reasons["reason"].map(classify_reason)).groupby("check")["rows"].sum()
                if not reasons.empty else pd.Series(dtype="int64"))
    for check, noun in (("out_of_range", "value(s) out of range"), ("duplicates", "duplicate row(s)"),
                        ("missing_values", "row(s) missing a required value")):
        count = int(by_check.get(check, 0))
        out.append({"check": check, "passed": count == 0, "detail": f"{count:,} {noun} rejected"})
    if coverage.empty:
        out.append({"check": "quarter_gaps", "passed": None, "detail": "no data loaded"})
    else:
        gaps = quarter_gaps(coverage, yearly=yearly, per_service=per_service)
        shown = "; ".join(gaps[:3]) + (f"; and {len(gaps) - 3} more" if len(gaps) > 3 else "")
        out.append({"check": "quarter_gaps", "passed": not gaps,
                    "detail": (f"{len(gaps)} gap(s): {shown}" if gaps else
                               ("no gaps in years" if yearly else "no gaps in quarters"))})
    return out
