"""The Portfolio page as plain functions: the initiatives as JSON-ready rows (what the what-if
recomputes from), the ranking under a set of weights, the value-vs-effort figure, the sentences,
the off-track measures with the initiatives that address them, and whether finished initiatives'
measures moved. No database and no Dash callbacks: tests call them directly."""
from __future__ import annotations

import math
import urllib.parse

import plotly.graph_objects as go

from cxdash.catalogue import Catalogue
from cxdash.initiatives import OPEN, Portfolio, addressing
from cxdash.metrics import wsjf
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation import charts, scorecard
from cxdash.presentation.formatting import (
    MISSING,
    format_change,
    format_count,
    format_n,
    format_p,
    format_value,
)

WEIGHT_MIN, WEIGHT_MAX, WEIGHT_STEP = 0.0, 3.0, 0.5
STATUS_WORDS = {"proposed": "Proposed", "active": "Active", "done": "Done", "stopped": "Stopped"}
# WSJF and its two parts first, so the ranking's reason shows without scrolling a wide table.
RANKED_COLUMNS = [("rank", "Rank"), ("initiative", "Initiative"), ("wsjf", "WSJF"), ("cost_of_delay", "Cost of delay"),
                  ("job_size", "Job size"), ("customer_value", "Customer value"), ("mission_value", "Mission value"),
                  ("time_criticality", "Time criticality"), ("risk_reduction", "Risk reduction / opportunity"),
                  ("status", "Status"), ("measures", "Measures it targets"), ("stages", "Journey stages")]
CHART_COLUMNS = [("rank", "Rank"), ("name", "Initiative"), ("cost_of_delay", "Cost of delay (value)"),
                 ("job_size", "Job size (effort)"), ("wsjf", "WSJF")]
OFF_TRACK_COLUMNS = [("measure", "Measure"), ("value", "Value"), ("target", "Target"), ("addressed", "Addressed by")]
FINISHED_COLUMNS = [("initiative", "Initiative"), ("measure", "Measure"), ("before", "Before it started"),
                    ("after", "After it finished"), ("change", "Change"), ("expected", "Expected"),
                    ("outcome", "Did it move?")]
NONE_ADDRESSES = "No initiative addresses this measure"


# --- words ------------------------------------------------------------------------------------

def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def number(value: float) -> str:
    """A score or weight without needless decimals: 8.0 -> '8', 2.5 -> '2.5'."""
    return f"{value:g}" if float(value) == round(float(value), 2) else f"{value:.2f}"


def status_text(status: str) -> str:
    return STATUS_WORDS.get(status, status)


def empty_text() -> str:
    return ("No initiatives yet: add them to config/initiatives.yaml and run `cxdash initiatives sync`.")


def weights_text(weights: dict) -> str:
    return ", ".join(f"{wsjf.COMPONENT_LABELS[c].lower()} × {number(weights[c])}" for c in wsjf.COMPONENTS)


def method_text() -> str:
    return ("Weighted shortest job first (WSJF): cost of delay = the weighted sum of customer value, mission value, "
            "time criticality and risk reduction / opportunity enablement; WSJF = cost of delay ÷ job size. Scores "
            "are relative, on the scale 1, 2, 3, 5, 8, 13, 20. Customer value marked “from data” is the customers "
            "the initiative's services served in the four quarters to the quarter shown, times how far its measures "
            "are short of target (the largest gap; a mean score's gap counts as a share of its 4-point scale); the "
            "initiative with the largest such impact in the register counts as 20 and the others in proportion, "
            "to the nearest value on the scale. Ties go to the smaller job, then by name. Done and stopped "
            "initiatives are not ranked.")


# --- the rows the what-if recomputes from -----------------------------------------------------

def journey_href(quarter: FiscalQuarter, provider: str, service: str, stage: str) -> str:
    query = {"quarter": quarter.label, "provider": provider, "service": service, "stage": stage}
    return "/journey?" + urllib.parse.urlencode(query)


def _stage_links(initiative: dict, catalogue: Catalogue, quarter: FiscalQuarter) -> list[dict]:
    """A link per (service, stage) the initiative names: its journey view."""
    services = [catalogue.service(s) for s in initiative["services"]]
    links = []
    for stage in initiative["stages"]:
        for s in services:
            if stage in s.stages:
                label = stage if len(services) == 1 else f"{stage} ({s.name})"
                href = journey_href(quarter, s.provider, " ".join(s.name.split()), stage)
                links.append({"label": label, "href": href})
    return links


def _measure_links(initiative: dict, catalogue: Catalogue, quarter: FiscalQuarter) -> list[dict]:
    filters = scorecard.Filters(quarter.label)
    out = []
    for m in initiative["measures"]:
        measure = catalogue.measure(m["measure_id"])
        out.append({"id": measure.id, "label": measure.name, "href": scorecard.drill_down(measure, catalogue, filters)})
    return out


def data_note(initiative: dict, catalogue: Catalogue, quarter: FiscalQuarter) -> str:
    """Why a data-driven customer value is what it is, in words."""
    name = initiative["name"]
    if initiative.get("impact") is None:
        return f"{name}: no volume or no measure value in the data, so customer value is the scale's lowest, 1."
    volume = f"{format_count(initiative['volume'])} {initiative['volume_basis']}"
    short = initiative["shortfall"] or 0.0
    if short <= 0:
        return f"{name}: its measures meet their targets, so customer value is the scale's lowest, 1."
    # The shortfall is a difference of percentages (or of a share of the 1-5 scale): points, not %.
    return (f"{name}: {volume} in the four quarters to {quarter.display}, {short * 100:.1f} points short of target "
            f"(about {format_count(initiative['impact'])} customers), so customer value "
            f"{number(initiative['customer_value'])}.")


def base_rows(portfolio: Portfolio, catalogue: Catalogue) -> list[dict]:
    """The open initiatives with everything the table and the what-if need (JSON-ready)."""
    q = portfolio.quarter
    out = []
    for i in portfolio.open:
        keys = ("id", "name", "owner", "status", "job_size", "customer_value_from_data", *wsjf.COMPONENTS)
        row = {k: i[k] for k in keys}
        row.update(measures=_measure_links(i, catalogue, q), stages=_stage_links(i, catalogue, q),
                   note=data_note(i, catalogue, q) if i["customer_value_from_data"] else "")
        out.append(row)
    return out


def ranked(base: list[dict], weights: dict) -> list[dict]:
    return wsjf.rank(base, weights)


def parse_weights(values, defaults: dict | None = None) -> dict[str, float]:
    """The four inputs' values (in COMPONENTS order) -> weights within 0-3; an empty or
    unreadable input counts as its default (1 unless given)."""
    defaults = defaults or wsjf.DEFAULT_WEIGHTS
    out = {}
    for component, value in zip(wsjf.COMPONENTS, values):
        try:
            number_ = float(value)
        except (TypeError, ValueError):
            number_ = float("nan")
        if math.isnan(number_):
            number_ = float(defaults[component])
        out[component] = min(WEIGHT_MAX, max(WEIGHT_MIN, number_))
    return out


def table_rows(rows: list[dict]) -> list[dict]:
    """Ranked rows with their numbers as text (the links and the 'from data' mark are the glue's)."""
    return [{**r, "status_text": status_text(r["status"]), "cost_text": number(r["cost_of_delay"]),
             "wsjf_text": f"{r['wsjf']:.2f}", "job_text": number(r["job_size"]),
             "customer_text": number(r["customer_value"]) + (" (from data)" if r["customer_value_from_data"] else "")}
            for r in rows]


def chart_rows(rows: list[dict]) -> list[dict]:
    return [{"rank": r["rank"], "name": r["name"], "cost_of_delay": number(r["cost_of_delay"]),
             "job_size": number(r["job_size"]), "wsjf": f"{r['wsjf']:.2f}"} for r in rows]


def _short(name: str, limit: int = 30) -> str:
    return name if len(name) <= limit else name[:limit - 1].rstrip() + "…"


def figure(rows: list[dict]) -> go.Figure:
    """Value (cost of delay) against effort (job size): up and to the left is do-first. Each point
    carries its rank and name; dotted lines through the origin mark equal WSJF."""
    fig = go.Figure()
    if rows:
        top = max(r["cost_of_delay"] for r in rows) * 1.15 or 1
        right = max(r["job_size"] for r in rows) * 1.15 or 1
        for r in rows[:3]:  # the WSJF of the first three, as guides
            slope = r["wsjf"]
            end = min(right, top / slope) if slope else right
            fig.add_trace(go.Scatter(x=[0, end], y=[0, slope * end], mode="lines", hoverinfo="skip",
                                     line={"color": charts.GRID, "dash": "dot", "width": 1}, showlegend=False))
        fig.add_trace(go.Scatter(
            x=[r["job_size"] for r in rows], y=[r["cost_of_delay"] for r in rows], mode="markers+text",
            text=[f"{r['rank']}. {_short(r['name'])}" for r in rows], textposition="top center",
            marker={"size": 14, "color": charts.PRIMARY, "line": {"color": "white", "width": 1}},
            customdata=[[r["name"], r["wsjf"]] for r in rows], showlegend=False,
            hovertemplate="%{customdata[0]}<br>Cost of delay %{y:g}, job size %{x:g}<br>WSJF %{customdata[1]:.2f}"
                          "<extra></extra>"))
        fig.update_xaxes(range=[0, right], title_text="Job size (effort, relative)")
        fig.update_yaxes(range=[0, top], title_text="Cost of delay (value, relative)")
    return charts.style(fig, height=460, legend=False)


def chart_sentence(rows: list[dict]) -> str:
    if not rows:
        return "No open initiative to place on the chart."
    top = rows[0]
    biggest = max(rows, key=lambda r: (r["cost_of_delay"], -r["rank"]))
    text = (f"{top['name']} gives the most value per unit of effort (cost of delay {number(top['cost_of_delay'])} "
            f"for a job size of {number(top['job_size'])})")
    if biggest["id"] != top["id"]:
        text += (f"; {biggest['name']} has the largest cost of delay ({number(biggest['cost_of_delay'])}) but a "
                 f"job size of {number(biggest['job_size'])}, so it ranks {ordinal(biggest['rank'])}")
    return text + "."


def ranking_sentence(rows: list[dict], weights: dict) -> str:
    if not rows:
        return "No initiative is proposed or active, so there is nothing to rank."
    top = rows[0]
    return (f"{top['name']} ranks first of {len(rows)} (WSJF {top['wsjf']:.2f}) with the weights "
            f"{weights_text(weights)}.")


def what_if_sentence(before: list[dict], after: list[dict]) -> str:
    """What a change of weights did to the order: 'With these weights, X moves from 3rd to 1st.'"""
    if not after:
        return "No open initiative to rank."
    if all(r["cost_of_delay"] == 0 for r in after):
        return "With every weight at 0 there is no cost of delay: the order falls back to the smallest job first."
    old = {r["id"]: r["rank"] for r in before}
    moved = [r for r in after if old.get(r["id"]) not in (None, r["rank"])]
    if not moved:
        return f"With these weights the order is unchanged: {after[0]['name']} stays first."
    lead = after[0]  # the new first, or else the one that moved furthest
    if old.get(lead["id"]) == 1:
        lead = max(moved, key=lambda r: (abs(old[r["id"]] - r["rank"]), -r["rank"]))
    text = f"With these weights, {lead['name']} moves from {ordinal(old[lead['id']])} to {ordinal(lead['rank'])}"
    if len(moved) > 1:
        text += f"; {len(moved)} initiatives change place"
    return text + "."


# --- off-track measures and finished initiatives ------------------------------------------------

def off_track_rows(portfolio: Portfolio, catalogue: Catalogue) -> list[dict]:
    """Each off-track measure of the quarter, with the initiatives that target it (any status),
    and ``flag`` when no proposed or active one does."""
    filters = scorecard.Filters(portfolio.quarter.label)
    out = []
    for o in portfolio.off_track:
        measure = catalogue.measure(o["measure_id"])
        found = addressing(portfolio, measure.id)
        out.append({"measure_id": measure.id, "name": measure.name,
                    "href": scorecard.drill_down(measure, catalogue, filters),
                    "value": format_value(o["value"], measure.unit), "target": format_value(o["target"], measure.unit),
                    "initiatives": [{"id": i["id"], "name": i["name"], "status": status_text(i["status"])}
                                    for i in found],
                    "flag": not any(i["status"] in OPEN for i in found)})
    return out


def off_track_sentence(rows: list[dict], quarter_display: str) -> str:
    if not rows:
        return f"No measure is off track in {quarter_display}."
    flagged = [r for r in rows if r["flag"]]
    text = f"{len(rows)} measure{'s are' if len(rows) != 1 else ' is'} off track in {quarter_display}"
    if not flagged:
        return text + "; an open initiative addresses each of them."
    names = "; ".join(r["name"] for r in flagged)
    return text + f"; {len(flagged)} {'have' if len(flagged) != 1 else 'has'} no open initiative: {names}."


OUTCOME_WORDS = {wsjf.UP: "Moved up (significant)", wsjf.DOWN: "Moved down (significant)",
                 wsjf.NO_CHANGE: "No significant change", wsjf.NOT_ENOUGH: "Not enough data",
                 wsjf.NOT_TESTED: "Changed (not tested: a mean score)"}


def outcome_text(movement: wsjf.Movement, direction: str) -> str:
    words = OUTCOME_WORDS[movement.outcome]
    if movement.significant:
        better = (movement.change > 0) == (direction == "higher")
        words += f": {'better' if better else 'worse'}, {format_p(movement.p_value)}"
    elif movement.outcome == wsjf.NO_CHANGE:
        words += f", {format_p(movement.p_value)}"
    return words


def _point_text(point: dict | None, quarter: FiscalQuarter | None, unit: str) -> str:
    if point is None or quarter is None:
        return f"No data in {quarter.display}" if quarter else "No quarter with data since"
    return f"{format_value(point['value'], unit)} in {quarter.display} (n = {format_n(point['n'])})"


def finished_rows(portfolio: Portfolio) -> list[dict]:
    out = []
    for f in portfolio.finished:
        if not f["measures"]:
            out.append({"id": f["id"], "initiative": f["name"], "measure": "No measure named", "before": MISSING,
                        "after": MISSING, "change": MISSING, "expected": MISSING, "outcome": "Nothing to check",
                        "outcome_key": "none"})
        for m in f["measures"]:
            mv = m["movement"]
            out.append({"id": f["id"], "initiative": f["name"], "measure": m["name"], "measure_id": m["measure_id"],
                        "before": _point_text(m["before"], m["before_quarter"], m["unit"]),
                        "after": _point_text(m["after"], m["after_quarter"], m["unit"]),
                        "change": format_change(mv.change, m["unit"]),
                        "expected": format_change(m["expected_change"], m["unit"]),
                        "outcome": outcome_text(mv, m["direction"]), "outcome_key": mv.outcome})
    return out


def finished_sentence(rows: list[dict]) -> str:
    if not rows:
        return "No initiative is done yet, so no measure can be checked for movement."
    moved = [r for r in rows if r["outcome_key"] in (wsjf.UP, wsjf.DOWN)]
    initiatives = len({r["id"] for r in rows})
    return (f"Of {len(rows)} measure{'s' if len(rows) != 1 else ''} targeted by {initiatives} finished "
            f"initiative{'s' if initiatives != 1 else ''}, {len(moved)} moved significantly between the quarter "
            "before the start and the latest quarter after the end.")


def stopped_rows(portfolio: Portfolio) -> list[dict]:
    return [{"id": i["id"], "name": i["name"], "owner": i["owner"]} for i in portfolio.initiatives
            if i["status"] == "stopped"]
