"""Benchmarks beside a trust or satisfaction measure: what "good" looks like this quarter.

* The cross-agency figure: every loaded provider's responses in the same quarter, channel and
  question, response-weighted (the sum of agree counts over the sum of responses; for a mean, the
  sum of answer values over the sum of responses), from benchmark_queries.cross_agency_counts.
  A person without a cross-agency grant sees it only when it sums at least three providers
  (permissions.Scope.may_see_benchmark).
* The figure published on performance.gov (a ``published`` source), where one is loaded for the
  measure's service or its provider as a whole: the quarter's, else the latest earlier one, always
  labeled with its quarter and its scale (a published mean is not a % agree).

Plain functions of frames: the scorecard, the service page and the review pack call them.
"""
from __future__ import annotations

import pandas as pd

from cxdash.catalogue import Catalogue, Measure
from cxdash.channels import ALL
from cxdash.metrics.a11_scores import LIKERT
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.metrics.names import name_key
from cxdash.permissions import EVERYTHING, Scope
from cxdash.presentation.formatting import format_n, format_value

QUESTIONS = ("trust", "satisfaction")  # the measures that get benchmarks
CROSS_AGENCY = "All loaded agencies (response-weighted)"
PUBLISHED = "Published on performance.gov"
# The published indicators of a question, by the measure statistic each one is (perfgov mappings).
PUBLISHED_INDICATORS = {"mean": "published_mean_{}", "pct_agree": "published_pct_agree_{}"}


def cross_agency(counts: pd.DataFrame, quarter: FiscalQuarter, question: str, statistic: str = "pct_agree",
                 channel: str = ALL, scale: str | None = None, min_n: int = 30,
                 scope: Scope = EVERYTHING) -> dict | None:
    """The cross-agency figure of a question in a quarter as {label, value, unit, n, providers,
    text}; None where no provider answered it, the sum is under ``min_n`` responses, a mean is
    asked of thumbs answers, or ``scope`` may not see a sum over that few providers."""
    scale = scale or LIKERT
    if counts is None or counts.empty or (statistic == "mean" and scale != LIKERT):
        return None
    row = counts[(counts["fiscal_year"] == quarter.year) & (counts["fiscal_quarter"] == quarter.quarter)
                 & (counts["channel"] == channel) & (counts["question"] == question) & (counts["scale"] == scale)]
    if row.empty:
        return None
    row = row.iloc[0]
    n, providers = int(row["n"]), int(row["providers"])
    if n < min_n or not scope.may_see_benchmark(providers):
        return None
    unit = "percent" if statistic == "pct_agree" else "points"
    value = (int(row["agree"]) if unit == "percent" else int(row["points"])) / n
    return {"label": CROSS_AGENCY, "value": value, "unit": unit, "n": n, "providers": providers,
            "text": f"{CROSS_AGENCY}: {format_value(value, unit)}",
            "detail": f"{format_n(providers)} providers, n = {format_n(n)}"}


def published(values: pd.DataFrame, catalogue: Catalogue, measure: Measure, quarter: FiscalQuarter) -> dict | None:
    """The performance.gov figure of the measure's question for its service (else its provider as a
    whole), in ``quarter`` or the latest earlier quarter published, as {label, value, unit,
    quarter, text}; the measure's own statistic first (a % agree before a mean). None if none."""
    if values is None or values.empty or len(measure.services) != 1:
        return None
    service = catalogue.service(measure.services[0])
    question = measure.params.question
    wanted = [PUBLISHED_INDICATORS[measure.params.statistic].format(question)]
    wanted += [f.format(question) for s, f in PUBLISHED_INDICATORS.items() if s != measure.params.statistic]
    mine = values[values["provider"].map(name_key).eq(name_key(service.provider))
                  & values["channel"].eq(ALL) & values["stage"].eq(ALL)
                  & values["service"].map(name_key).isin({name_key(service.name), ALL})]
    when = mine["fiscal_year"] * 4 + mine["fiscal_quarter"]
    mine = mine[when <= quarter.year * 4 + quarter.quarter]
    for indicator in wanted:
        rows = mine[mine["indicator"] == indicator]
        if rows.empty:
            continue
        # The service's own figure before its provider's; the latest quarter; the latest load last.
        rows = rows.assign(_own=rows["service"].ne(ALL), _when=rows["fiscal_year"] * 4 + rows["fiscal_quarter"])
        row = rows.sort_values(["_own", "_when"], kind="stable").iloc[-1]
        at = FiscalQuarter(int(row["fiscal_year"]), int(row["fiscal_quarter"]))
        unit = "percent" if row["unit"] == "percent" else "points"
        whose = service.provider + " as a whole" if row["service"] == ALL else " ".join(service.name.split())
        shown = format_value(float(row["value"]), unit) + (" (mean, 1-5 scale)" if unit == "points" else " agree")
        return {"label": PUBLISHED, "value": float(row["value"]), "unit": unit, "quarter": at.display,
                "text": f"{PUBLISHED}: {shown}",
                "detail": f"{whose}, {at.display}" + ("" if at == quarter else f" (the latest published by {quarter.display})")}
    return None


def for_measure(measure: Measure, catalogue: Catalogue, quarter: FiscalQuarter, counts: pd.DataFrame,
                values: pd.DataFrame, scale: str | None = None, scope: Scope = EVERYTHING) -> list[dict]:
    """A trust or satisfaction measure's benchmarks (cross-agency, then published); [] for others."""
    params = measure.params
    if params.question not in QUESTIONS or params.stage != ALL:
        return []
    found = [cross_agency(counts, quarter, params.question, params.statistic, params.channel, scale,
                          catalogue.settings.min_n, scope),
             published(values, catalogue, measure, quarter)]
    return [b for b in found if b is not None]


def attach(cards: list[dict], catalogue: Catalogue, quarter: FiscalQuarter, counts: pd.DataFrame,
           values: pd.DataFrame, scope: Scope = EVERYTHING) -> list[dict]:
    """Each scorecard card with its ``benchmarks`` (a list, empty where none applies)."""
    for card in cards:
        card["benchmarks"] = for_measure(catalogue.measure(card["measure_id"]), catalogue, quarter, counts, values,
                                         card.get("scale"), scope)
    return cards


def line(text: str, detail: str = "") -> str:
    """'All loaded agencies (response-weighted): 71.2% (14 providers, n = 52,301)'."""
    return f"{text} ({detail})" if detail else text
