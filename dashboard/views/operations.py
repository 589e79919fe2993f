"""Operations: how long cases take, whether the backlog grows and how the contact center answers,
for one quarter and scope, by journey stage and channel, so the slowest stage or channel stands out.

Plain functions of indicator_value frames (indicator, fiscal_year, fiscal_quarter, channel, stage,
value, n): the page calls them, tests call them without a browser. Lower is better for time,
backlog and waiting. The indicators count every case and call (no sample, no significance test),
so a difference from the previous quarter is called a change, never "significant".
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from cxdash.channels import ALL, NOT_REPORTED
from cxdash.channels import label as channel_label
from cxdash.exports import chart_data
from cxdash.exports.chart_data import Column
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.metrics.operations import DIGITAL_CHANNELS
from cxdash.presentation.charts import INK, PRIMARY, SERIES, style
from cxdash.presentation.formatting import MISSING, format_indicator, format_n, is_missing
from cxdash.presentation.journey import stage_order


@dataclass(frozen=True)
class Indicator:
    label: str
    unit: str           # a presentation.formatting indicator unit
    better: str | None  # "lower", "higher", or None where more is neither (volumes)
    counts: str         # what n counts: "n = 89 closed cases"


CASE = {
    "volume": Indicator("Cases created", "cases", None, "cases created"),
    "digital_share": Indicator("Created through a digital channel", "percent", None,
                               "cases created whose channel was reported"),
    "channel_not_reported": Indicator("Channel not reported", "cases", None, "cases created"),
    # Time to complete is in days, or in hours where the mapping counts hours: each row says which.
    "time_to_complete_median": Indicator("Time to complete (median)", "days", "lower", "completed cases"),
    "time_to_complete_p90": Indicator("Time to complete (90th percentile)", "days", "lower", "completed cases"),
    "on_time_rate": Indicator("Completed on time", "percent", "higher", "completed cases with a due date"),
    "cancelled": Indicator("Cancelled", "cases", None, "cases cancelled"),
    "duplicate": Indicator("Closed as duplicates", "cases", None, "cases closed as duplicates"),
    "backlog": Indicator("Backlog at quarter end", "cases", "lower", "open cases"),
    "backlog_age_median": Indicator("Age of the backlog (median)", "days", "lower", "open cases"),
}
# The day the last quarter's backlog was counted on, where the data end before the quarter does
# (a date, stored as its ordinal): the page says "as of" that day instead of "at quarter end".
AS_OF = "backlog_as_of"
CONTACT = {
    "calls_offered": Indicator("Calls offered", "contacts", None, "calls offered"),
    "abandonment_rate": Indicator("Calls abandoned", "percent", "lower", "calls offered"),
    "average_speed_of_answer": Indicator("Average speed of answer", "seconds", "lower",
                                         "answered calls with a known wait"),
    "first_contact_resolution": Indicator("Resolved at first contact", "percent", "higher",
                                          "calls with a known outcome"),
}
INDICATORS = {**CASE, **CONTACT}
READ = [*INDICATORS, AS_OF]  # what the page reads of a scope
# Whole counts of every case or call: not estimates from a sample, so shown whatever their size.
COUNTS = frozenset({"volume", "backlog", "calls_offered", "channel_not_reported", "cancelled", "duplicate"})
NOUNS = {"cases": ("case", "cases"), "contacts": ("call", "calls")}
TIME_KEYS = ["time_to_complete_median", "time_to_complete_p90", "on_time_rate"]
BACKLOG_KEYS = ["backlog", "backlog_age_median"]
CONTACT_KEYS = list(CONTACT)
DIMENSIONS = {"stage": "By stage", "channel": "By channel"}


# --- values and changes in words ------------------------------------------------------------------

def suppressed_text(min_n: int) -> str:
    return f"Suppressed (n < {min_n})"


def is_suppressed(indicator: str, n, min_n: int) -> bool:
    """Medians and rates from fewer than ``min_n`` cases or calls are not shown; counts always are."""
    return indicator not in COUNTS and (is_missing(n) or n < min_n)


def amount(value, unit: str) -> str:
    """A value with its unit in words: '5 days', '0.5 hours', '12.3%', '1 min 4 s', '194 cases'."""
    if is_missing(value):
        return MISSING
    text = format_indicator(value, unit)
    if unit in NOUNS:
        text += " " + NOUNS[unit][0 if round(value) == 1 else 1]
    return text


def value_text(indicator: str, value, n, min_n: int, unit: str | None = None) -> str:
    """The value in words, in ``unit`` (the row's own, e.g. hours) or the indicator's."""
    if is_missing(value):
        return MISSING
    if is_suppressed(indicator, n, min_n):
        return suppressed_text(min_n)
    return amount(value, unit or INDICATORS[indicator].unit)


def unit_of(row, indicator: str) -> str:
    """A row's unit (indicator_value says hours where the mapping counts hours), else the indicator's."""
    unit = row.get("unit") if hasattr(row, "get") else getattr(row, "unit", None)
    return unit if isinstance(unit, str) and unit else INDICATORS[indicator].unit


def _rounds_to_zero(change: float, unit: str) -> bool:
    return round(abs(change) * 100, 1) == 0 if unit == "percent" else round(abs(change), 1) == 0


def judgement(change, indicator: str) -> str | None:
    """'better', 'worse', or None (no change, no previous value, or an indicator with no better side)."""
    better = INDICATORS[indicator].better
    if is_missing(change) or better is None or _rounds_to_zero(change, INDICATORS[indicator].unit):
        return None
    return "better" if (change < 0) == (better == "lower") else "worse"


def change_words(change, indicator: str, previous_label: str | None = None, unit: str | None = None) -> str:
    """'Up 28 cases from FY2018 Q2 (worse)' ('Up 28 cases (worse)' without a label); percentages
    change in percentage points."""
    unit = unit or INDICATORS[indicator].unit
    since = f" from {previous_label}" if previous_label else ""
    if is_missing(change):
        return f"No value for {previous_label} to compare" if previous_label else MISSING
    if _rounds_to_zero(change, unit):
        return f"No change{since}"
    size = f"{abs(change) * 100:.1f} percentage points" if unit == "percent" else amount(abs(change), unit)
    judged = judgement(change, indicator)
    return f"{'Up' if change > 0 else 'Down'} {size}{since}" + (f" ({judged})" if judged else "")


# --- reading the scope's rows --------------------------------------------------------------------

def _in_quarter(frame: pd.DataFrame, quarter: FiscalQuarter) -> pd.DataFrame:
    return frame[(frame["fiscal_year"] == quarter.year) & (frame["fiscal_quarter"] == quarter.quarter)]


def _totals(frame: pd.DataFrame, quarter: FiscalQuarter, channel: str) -> dict[str, tuple[float, int, str]]:
    rows = _in_quarter(frame, quarter)
    rows = rows[(rows["channel"] == channel) & (rows["stage"] == ALL)]
    return {r.indicator: (r.value, r.n, unit_of(r, r.indicator)) for r in rows.itertuples(index=False)
            if r.indicator in INDICATORS or r.indicator == AS_OF}


def as_of_text(ordinal) -> str:
    """'as of 9 Apr 2018': the day a quarter not yet over was counted on."""
    return f"as of {format_indicator(ordinal, 'date')}"


def headline(frame: pd.DataFrame, quarter: FiscalQuarter, channel: str, min_n: int) -> list[dict]:
    """The scope's indicators for the quarter (all stages), each with its change from the previous
    quarter (only in the same unit: a time in hours is never compared with one in days)."""
    now, before = _totals(frame, quarter, channel), _totals(frame, quarter.previous(), channel)
    previous_label = quarter.previous().display
    cards = []
    for key, info in INDICATORS.items():
        if key not in now or is_missing(now[key][0]):
            continue
        value, n, unit = now[key]
        suppressed = is_suppressed(key, n, min_n)
        prev_value, prev_n, prev_unit = before.get(key, (None, None, None))
        comparable = (not suppressed and not is_missing(prev_value) and not is_suppressed(key, prev_n, min_n)
                      and prev_unit == unit)
        change = float(value - prev_value) if comparable else None
        if comparable or suppressed:
            change_text = None if suppressed else change_words(change, key, previous_label, unit)
        elif is_missing(prev_value):
            change_text = f"No value for {previous_label} to compare"
        elif prev_unit != unit:
            change_text = f"No change shown: {previous_label} is counted in {prev_unit}"
        else:
            change_text = f"No change shown: {previous_label} is {_lower_first(suppressed_text(min_n))}"
        label = info.label
        if key == "backlog" and AS_OF in now:
            label = f"Backlog {as_of_text(now[AS_OF][0])}"
        cards.append({
            "indicator": key, "group": "cases" if key in CASE else "contacts", "label": label,
            "unit": unit, "value": float(value), "n": int(n), "suppressed": suppressed,
            "value_text": value_text(key, value, n, min_n, unit),
            "previous": float(prev_value) if comparable else None, "change": change,
            "change_text": change_text,
            "judgement": judgement(change, key),
            "n_text": None if key in COUNTS else f"n = {format_n(n)} {info.counts}" + _left_out(key, now),
        })
    return cards


def _left_out(key: str, now: dict) -> str:
    """Beside the digital share: the cases it leaves out because their channel was not reported."""
    missing = now.get("channel_not_reported", (0, 0, ""))[0]
    if key != "digital_share" or is_missing(missing) or not missing:
        return ""
    count = int(missing)
    return f"; {amount(count, 'cases')} without a reported channel {'is' if count == 1 else 'are'} not counted"


def coverage(frame: pd.DataFrame, keys, channel: str) -> tuple[FiscalQuarter, FiscalQuarter] | None:
    """The first and last quarter with any of ``keys`` in the scope (all stages), or None."""
    rows = frame[frame["indicator"].isin(list(keys)) & (frame["channel"] == channel) & (frame["stage"] == ALL)]
    if rows.empty:
        return None
    pairs = rows[["fiscal_year", "fiscal_quarter"]].drop_duplicates().itertuples(index=False)
    quarters = sorted(FiscalQuarter(int(y), int(q)) for y, q in pairs)
    return quarters[0], quarters[-1]


def no_data_sentence(what: str, quarter: FiscalQuarter, span: tuple[FiscalQuarter, FiscalQuarter] | None,
                     source: str) -> str:
    """'No closed cases for FY2023 Q1 in this scope; case data cover FY2014 Q2 to FY2019 Q2.'"""
    sentence = f"No {what} for {quarter.display} in this scope"
    if span:
        first, last = span
        sentence += f"; {source} cover {first.display}" + (f" to {last.display}" if last != first else " only")
    return sentence + "."


def stage_label(stage: str) -> str:
    return "All stages" if stage == ALL else stage.replace("_", " ").capitalize()


def breakdown(frame: pd.DataFrame, quarter: FiscalQuarter, channel: str, keys: list[str],
              stages: list[str] | None = None) -> pd.DataFrame:
    """One row per journey stage (within ``channel``) and per channel (all stages) with any of ``keys``
    in the quarter: dimension, category, label, and each key's value and n (``<key>_n``).

    The channel rows list every channel whatever the channel filter: channel is what they compare."""
    rows = _in_quarter(frame, quarter)
    rows = rows[rows["indicator"].isin(keys)]
    by_stage = rows[(rows["channel"] == channel) & (rows["stage"] != ALL)]
    by_channel = rows[(rows["stage"] == ALL) & (rows["channel"] != ALL)]

    def channel_name(category: str) -> str:  # the filter's channel among the others it is compared with
        return channel_label(category) + (" (selected)" if category == channel else "")

    out = []
    parts = (("stage", by_stage, [s for s in stage_order(set(by_stage["stage"]), stages) if s != ALL], stage_label),
             ("channel", by_channel, sorted(set(by_channel["channel"]), key=channel_label), channel_name))
    for dimension, part, order, labelled in parts:
        cells = {(r.indicator, getattr(r, dimension)): (r.value, r.n, unit_of(r, r.indicator))
                 for r in part.itertuples(index=False)}
        for category in order:
            row = {"dimension": dimension, "category": category, "label": labelled(category)}
            for key in keys:
                value, n, unit = cells.get((key, category), (None, None, INDICATORS[key].unit))
                row[key] = None if is_missing(value) else float(value)
                row[f"{key}_n"] = None if n is None else int(n)
                row[f"{key}_unit"] = unit
            out.append(row)
    return pd.DataFrame(out, columns=["dimension", "category", "label",
                                      *[c for k in keys for c in (k, f"{k}_n", f"{k}_unit")]])


def _shown(row, key: str, min_n: int):
    """The value to draw or compare, or None when missing or suppressed."""
    value = row[key]
    return None if is_missing(value) or is_suppressed(key, row[f"{key}_n"], min_n) else float(value)


def _cell_texts(table: pd.DataFrame, keys: list[str], min_n: int) -> list[dict]:
    return [{"dimension": DIMENSIONS[r["dimension"]], "label": r["label"],
             **{key: value_text(key, r[key], r[f"{key}_n"], min_n, r.get(f"{key}_unit")) for key in keys},
             **{f"{key}_n": format_n(r[f"{key}_n"]) for key in keys}}
            for r in table.to_dict("records")]


def _numbers(key: str) -> Column:
    return chart_data.unit_column(key, INDICATORS[key].label, INDICATORS[key].unit)


def breakdown_data(table: pd.DataFrame, keys: list[str], min_n: int, time_in: str = "days") -> list[list]:
    """A stage and channel breakdown's CSV: each indicator as a number with its unit, and its n;
    a figure from fewer than ``min_n`` is left empty, as the page suppresses it. Times are in
    ``time_in`` (the table's unit: hours only where every row counts hours)."""
    def number(r, k):
        if is_suppressed(k, r[f"{k}_n"], min_n) or is_missing(r[k]):
            return None
        return _in_unit(float(r[k]), r.get(f"{k}_unit"), time_in) if INDICATORS[k].unit == "days" else r[k]
    records = [{"dimension": DIMENSIONS[r["dimension"]], "label": r["label"], **{k: number(r, k) for k in keys},
                **{f"{k}_n": r[f"{k}_n"] for k in keys}} for r in table.to_dict("records")]
    columns = [Column("dimension", "Breakdown"), Column("label", "Stage or channel")]
    for key in keys:
        unit = time_in if INDICATORS[key].unit == "days" else INDICATORS[key].unit
        columns += [chart_data.unit_column(key, INDICATORS[key].label, unit),
                    Column(f"{key}_n", f"{INDICATORS[key].label}: {INDICATORS[key].counts} (n)")]
    return chart_data.rows(records, columns, suppressed=None)


def _charted(table: pd.DataFrame, keys: list[str], min_n: int) -> pd.DataFrame:
    """Rows with something to draw; a dimension with a single row adds nothing beside the others
    (it repeats the scope's total), so it is drawn only when no dimension has two."""
    drawn = table[[any(_shown(r, k, min_n) is not None for k in keys) for r in table.to_dict("records")]]
    compared = drawn[drawn.groupby("dimension")["category"].transform("size") >= 2]
    return compared if not compared.empty else drawn


def _grouped_bars(table: pd.DataFrame, series: list[tuple[str, str]], min_n: int, unit: str, axis_title: str,
                  height: int = 420) -> go.Figure:
    """Grouped bars over (dimension, category) with a value label on every bar; the second series
    is hatched so the two read apart without colour. A value in hours is drawn in days where the
    axis counts days (``unit``), so bars of one axis always share its unit."""
    x = [[DIMENSIONS[d] for d in table["dimension"]], list(table["label"])]
    fig = go.Figure()
    scale = 100 if unit == "percent" else 1
    top = 0.0
    for (key, name), colour, pattern in zip(series, (PRIMARY, SERIES[1]), ("", "/")):
        values = [_in_unit(_shown(r, key, min_n), r.get(f"{key}_unit"), unit) for r in table.to_dict("records")]
        top = max([top, *[v * scale for v in values if v is not None]])
        fig.add_bar(
            x=x, y=[None if v is None else v * scale for v in values], name=name,
            marker={"color": colour, "pattern": {"shape": pattern, "fgcolor": "white"},
                    "line": {"color": INK, "width": 1}},
            text=["" if v is None else format_indicator(v, unit) for v in values], textposition="outside",
            cliponaxis=False, hovertemplate=f"{name}: %{{text}}<extra></extra>",
        )
    style(fig, height=height)
    fig.update_layout(barmode="group", bargap=0.25, margin={"l": 10, "r": 30, "t": 60, "b": 40})
    # Room above the tallest bar for its label.
    fig.update_yaxes(title=axis_title, range=[0, (top or 1) * 1.15], rangemode="tozero")
    return fig


def _in_unit(value, unit: str | None, axis_unit: str):
    """A time in hours drawn on an axis of days, in days (elapsed hours / 24); else as it is."""
    return value / 24 if value is not None and unit == "hours" and axis_unit == "days" else value


# --- channels ------------------------------------------------------------------------------------

KINDS = {"digital": "Digital", "non_digital": "Not digital", NOT_REPORTED: "Not reported"}


def channel_mix(frame: pd.DataFrame, quarter: FiscalQuarter) -> pd.DataFrame:
    """Cases created in the quarter per channel (all stages), largest first, each marked digital,
    not digital or not reported, with its share of the cases whose channel was reported (none for
    the not reported, which no share counts)."""
    rows = _in_quarter(frame, quarter)
    rows = rows[(rows["indicator"] == "volume") & (rows["stage"] == ALL) & (rows["channel"] != ALL)]
    mix = pd.DataFrame({"channel": rows["channel"], "cases": rows["value"].astype(float)})
    mix["kind"] = [NOT_REPORTED if c == NOT_REPORTED else "digital" if c in DIGITAL_CHANNELS else "non_digital"
                   for c in mix["channel"]]
    reported = mix.loc[mix["kind"] != NOT_REPORTED, "cases"].sum()
    mix["share"] = (mix["cases"] / reported).where((mix["kind"] != NOT_REPORTED) & (reported > 0))
    mix["label"] = [channel_label(c) for c in mix["channel"]]
    return mix.sort_values(["cases", "label"], ascending=[False, True]).reset_index(drop=True)[
        ["channel", "label", "kind", "cases", "share"]]


def channel_rows(mix: pd.DataFrame) -> list[dict]:
    return [{"label": r["label"], "kind": KINDS[r["kind"]], "cases": amount(r["cases"], "cases"),
             "share": "Not counted" if r["kind"] == NOT_REPORTED else format_indicator(r["share"], "percent")}
            for r in mix.to_dict("records")]


def channel_data(mix: pd.DataFrame) -> list[list]:
    """The channel chart's CSV: cases as numbers, the share blank where the channel was not reported."""
    records = [{**r, "kind": KINDS[r["kind"]], "share": None if r["kind"] == NOT_REPORTED else r["share"]}
               for r in mix.to_dict("records")]
    return chart_data.rows(records, [
        Column("label", "Channel"), Column("kind", "Digital"), Column("cases", "Cases created (cases)"),
        chart_data.unit_column("share", "Share of cases with a reported channel", "percent")], suppressed=None)


def channel_figure(mix: pd.DataFrame) -> go.Figure:
    """Horizontal bars of cases per channel, largest on top; not reported is hatched and says so."""
    ordered = mix.iloc[::-1]
    fig = go.Figure(go.Bar(
        y=list(ordered["label"]), x=list(ordered["cases"]), orientation="h",
        marker={"color": [INK if k == NOT_REPORTED else PRIMARY for k in ordered["kind"]],
                "pattern": {"shape": ["/" if k == NOT_REPORTED else "" for k in ordered["kind"]], "fgcolor": "white"}},
        text=[f"{format_n(v)} ({KINDS[k].lower()})" for v, k in zip(ordered["cases"], ordered["kind"])],
        textposition="outside", cliponaxis=False, hovertemplate="%{y}: %{text}<extra></extra>", name="Cases created"))
    style(fig, height=max(260, 48 * len(mix) + 120))
    fig.update_layout(showlegend=False)  # one series: the axis title says what it is
    top = float(mix["cases"].max()) if len(mix) else 1.0
    fig.update_xaxes(title="Cases created", range=[0, (top or 1) * 1.35])
    fig.update_layout(margin={"l": 10, "r": 30, "t": 40, "b": 40})
    return fig


def channel_takeaway(frame: pd.DataFrame, quarter: FiscalQuarter, channel: str = ALL) -> str:
    """The digital share in words, with the cases it leaves out because their channel was not reported."""
    now = _totals(frame, quarter, channel)
    created = now.get("volume", (0, 0, ""))[0]
    missing = int(now.get("channel_not_reported", (0, 0, ""))[0] or 0)
    if is_missing(created) or not created:
        return f"No cases were created in {quarter.display} in this scope."
    left_out = (f"; the channel of {amount(missing, 'cases')} was not reported, and {'it is' if missing == 1 else 'they are'}"
                " not counted in the share") if missing else "; every case's channel was reported"
    if "digital_share" not in now:
        return f"In {quarter.display}, no case in this scope had its channel reported ({amount(missing, 'cases')})."
    share, reported, _ = now["digital_share"]
    return (f"In {quarter.display}, {format_indicator(share, 'percent')} of the {amount(reported, 'cases')} whose "
            f"channel was reported came through a digital channel{left_out}.")


# --- time to complete ------------------------------------------------------------------------------

TIME_SERIES = [("time_to_complete_median", "Median"), ("time_to_complete_p90", "90th percentile")]


def time_unit(table: pd.DataFrame) -> str:
    """The unit the time table and chart count in: hours where every row with a time is in hours."""
    units = {u for k, _ in TIME_SERIES for u, v in zip(table.get(f"{k}_unit", []), table[k]) if not is_missing(v)}
    return "hours" if units == {"hours"} else "days"


def time_figure(table: pd.DataFrame, min_n: int) -> go.Figure:
    unit = time_unit(table)
    return _grouped_bars(_charted(table, [k for k, _ in TIME_SERIES], min_n), TIME_SERIES, min_n, unit,
                         f"{unit.capitalize()} from creation to completion")


def time_rows(table: pd.DataFrame, min_n: int) -> list[dict]:
    return _cell_texts(table, TIME_KEYS, min_n)


def _days(row) -> str:
    return (f"median {amount(row['time_to_complete_median'], row.get('time_to_complete_median_unit') or 'days')}, "
            f"90th percentile {amount(row['time_to_complete_p90'], row.get('time_to_complete_p90_unit') or 'days')}")


def time_takeaway(table: pd.DataFrame, quarter_label: str, min_n: int) -> str:
    """Which channel and which stage close cases slowest (by median, then 90th percentile)."""
    usable = table[[_shown(r, "time_to_complete_median", min_n) is not None for r in table.to_dict("records")]]
    if usable.empty:
        return f"Too few cases were closed in {quarter_label} to show how long they took (each group has n < {min_n})."
    clauses = []
    for dimension in ("channel", "stage"):
        mine = usable[usable["dimension"] == dimension]
        if len(mine) >= 2:
            ranked = mine.assign(  # ranked in one unit: a time in days is 24 times as many hours
                median=[_hours(r, "time_to_complete_median") for r in mine.to_dict("records")],
                p90=[_hours(r, "time_to_complete_p90") for r in mine.to_dict("records")],
            ).sort_values(["median", "p90"], ascending=False)
            slow, fast = ranked.iloc[0], ranked.iloc[-1]
            if (slow["median"], slow["p90"]) == (fast["median"], fast["p90"]):
                clauses.append(f"every {dimension} took the same time ({_days(slow)})")
            else:
                clauses.append(f"{slow['label']} is the slowest {dimension} ({_days(slow)}) "
                               f"and {fast['label']} the fastest ({_days(fast)})")
        elif len(mine) == 1:
            clauses.append(f"only the {mine.iloc[0]['label']} {dimension} has enough closed cases to compare")
    return f"In {quarter_label}, " + "; ".join(clauses) + "."


def _hours(row, key: str) -> float:
    value = row[key]
    if is_missing(value):
        return -1.0
    return float(value) * (24 if (row.get(f"{key}_unit") or "days") == "days" else 1)


# --- backlog over time -----------------------------------------------------------------------------

def backlog_series(frame: pd.DataFrame, channel: str) -> pd.DataFrame:
    """Backlog and its median age at each quarter's end (all stages), oldest first."""
    rows = frame[frame["indicator"].isin([*BACKLOG_KEYS, AS_OF]) & (frame["channel"] == channel) & (frame["stage"] == ALL)]
    out = []
    for (year, number), part in rows.groupby(["fiscal_year", "fiscal_quarter"], sort=True):
        cells = {r.indicator: (r.value, r.n) for r in part.itertuples(index=False)}
        if "backlog" not in cells:
            continue
        quarter = FiscalQuarter(int(year), int(number))
        age, age_n = cells.get("backlog_age_median", (None, None))
        as_of = cells.get(AS_OF, (None, None))[0]
        out.append({"quarter": quarter.label, "display": quarter.display, "backlog": float(cells["backlog"][0]),
                    "backlog_age_median": None if is_missing(age) else float(age),
                    "backlog_age_median_n": None if age_n is None else int(age_n),
                    "as_of": None if is_missing(as_of) else format_indicator(as_of, "date")})
    series = pd.DataFrame(out, columns=["quarter", "display", "backlog", "backlog_age_median", "backlog_age_median_n",
                                        "as_of"])
    series["change"] = series["backlog"].diff()
    # A change only between consecutive quarters: a gap makes the previous quarter unknown.
    index = series["quarter"].map(lambda q: FiscalQuarter.parse(q).index)
    series.loc[index.diff() != 1, "change"] = None
    return series


def backlog_figure(series: pd.DataFrame, quarter: FiscalQuarter) -> go.Figure:
    """A line with a labelled marker per quarter end; the chosen quarter is a larger diamond."""
    fig = go.Figure(go.Scatter(
        x=series["display"], y=series["backlog"], mode="lines+markers+text", name="Open cases at quarter end",
        line={"color": PRIMARY, "width": 2}, marker={"size": 8, "color": PRIMARY},
        text=[format_n(v) for v in series["backlog"]], textposition="top center", cliponaxis=False,
        hovertemplate="%{x}: %{y:,} open cases<extra></extra>",
    ))
    chosen = series[series["quarter"] == quarter.label]
    if not chosen.empty:
        fig.add_scatter(x=chosen["display"], y=chosen["backlog"], mode="markers", hoverinfo="skip",
                        name=f"Selected quarter ({quarter.display})",
                        marker={"symbol": "diamond", "size": 16, "color": SERIES[1], "line": {"color": INK, "width": 1}})
    style(fig, height=380)
    top = float(series["backlog"].max()) if len(series) else 1.0
    fig.update_yaxes(title="Open cases", range=[0, (top or 1) * 1.18])
    fig.update_xaxes(type="category", tickangle=-45 if len(series) > 8 else 0)
    fig.update_layout(margin={"l": 10, "r": 30, "t": 60, "b": 40})
    return fig


def backlog_data(series: pd.DataFrame, min_n: int) -> list[list]:
    """The backlog's CSV: the latest quarter, where the data end within it, says the day it was counted on."""
    records = [{**r, "display": when(r),
                "backlog_age_median": None if is_suppressed("backlog_age_median", r["backlog_age_median_n"], min_n)
                else r["backlog_age_median"]} for r in series.to_dict("records")]
    return chart_data.rows(records, [
        Column("display", "Quarter"), _numbers("backlog"),
        Column("change", "Change from previous quarter (cases)"), _numbers("backlog_age_median"),
        Column("backlog_age_median_n", "Open cases with an age (n)")], suppressed=None)


def when(row) -> str:
    """'FY2019 Q3', or 'FY2022 Q4, as of 15 Sep 2022' for a quarter the data end within."""
    return row["display"] + (f", as of {row['as_of']}" if isinstance(row.get("as_of"), str) else "")


def _at(row) -> str:
    """'at the end of FY2019 Q3', or 'as of 15 Sep 2022 (FY2022 Q4 so far)' where the data end
    within the quarter: its backlog was counted on the data's latest day."""
    if isinstance(row.get("as_of"), str):
        return f"as of {row['as_of']} ({row['display']} so far)"
    return f"at the end of {row['display']}"


def backlog_rows(series: pd.DataFrame, min_n: int) -> list[dict]:
    return [{"display": when(r), "backlog": amount(r["backlog"], "cases"),
             "change": MISSING if is_missing(r["change"]) else change_words(r["change"], "backlog"),
             "age": value_text("backlog_age_median", r["backlog_age_median"], r["backlog_age_median_n"], min_n)}
            for r in series.to_dict("records")]


def _open(backlog: float) -> str:
    return f"{amount(backlog, 'cases')} {'was' if round(backlog) == 1 else 'were'} open"


def backlog_takeaway(series: pd.DataFrame, quarter: FiscalQuarter) -> str:
    """The chosen quarter's backlog, its change from the previous quarter and since the first, and the peak."""
    if series.empty:
        return "No backlog figures in this scope."
    first, peak = series.iloc[0], series.loc[series["backlog"].idxmax()]
    mine = series[series["quarter"] == quarter.label]
    if mine.empty:
        last = series.iloc[-1]
        return (f"No backlog figure for {quarter.display}; {_at(last)}, the latest quarter with one, "
                f"{_open(last['backlog'])}.")
    row = mine.iloc[0]
    sentence = f"{_upper_first(_at(row))}, {_open(row['backlog'])}"
    if not is_missing(row["change"]):
        sentence += ", " + _lower_first(change_words(row["change"], "backlog", quarter.previous().display))
    if first["quarter"] != row["quarter"]:
        since = row["backlog"] - first["backlog"]
        moved = "no change" if since == 0 else f"{'up' if since > 0 else 'down'} {amount(abs(since), 'cases')}"
        sentence += f", and {moved} since {first['display']}"
    if peak["quarter"] == row["quarter"] and len(series) > 1:
        sentence += "; the highest of any quarter shown"
    elif len(series) > 1:
        sentence += f"; the highest was {amount(peak['backlog'], 'cases')} {_at(peak)}"
    return sentence + "."


# --- contact center -------------------------------------------------------------------------------

CONTACT_SERIES = [("abandonment_rate", "Calls abandoned"), ("first_contact_resolution", "Resolved at first contact")]


def contact_figure(table: pd.DataFrame, min_n: int) -> go.Figure:
    return _grouped_bars(_charted(table, [k for k, _ in CONTACT_SERIES], min_n), CONTACT_SERIES, min_n, "percent",
                         "Percent of calls")


def contact_rows(table: pd.DataFrame, min_n: int) -> list[dict]:
    return _cell_texts(table, CONTACT_KEYS, min_n)


def contact_takeaway(table: pd.DataFrame, quarter_label: str, min_n: int) -> str:
    """Where callers fare worst: most abandoned, longest wait, lowest first-contact resolution
    (by stage, else by channel; with a single group, its figures in words)."""
    records = table.to_dict("records")
    mine = next((m for m in ([r for r in records if r["dimension"] == d] for d in ("stage", "channel")) if len(m) >= 2),
                records[:1])
    if not mine:
        return f"No contact-center data for {quarter_label} in this scope."
    if len(mine) == 1:
        row = mine[0]
        facts = [words.format(amount(v, CONTACT[k].unit)) for k, words in (
            ("abandonment_rate", "{} of calls were abandoned"),
            ("average_speed_of_answer", "callers waited {} on average for an answer"),
            ("first_contact_resolution", "{} of calls were resolved at first contact"))
            if (v := _shown(row, k, min_n)) is not None]
        if not facts:
            return f"Too few calls in {quarter_label} to show rates (n < {min_n})."
        return f"In {quarter_label}, " + _listed(facts) + "."
    phrases: dict[str, list[str]] = {}
    for key, pick, words in (("abandonment_rate", max, "the most abandoned calls"),
                             ("average_speed_of_answer", max, "the longest average wait"),
                             ("first_contact_resolution", min, "the lowest first-contact resolution")):
        values = [(r, v) for r in mine if (v := _shown(r, key, min_n)) is not None]
        if len(values) >= 2:
            row, value = pick(values, key=lambda pair: pair[1])
            phrases.setdefault(row["label"], []).append(f"{words} ({amount(value, CONTACT[key].unit)})")
    if not phrases:
        return f"Too few calls in {quarter_label} to compare (fewer than two groups with n of at least {min_n})."
    noun = mine[0]["dimension"]
    clauses = [f"the {label} {noun} had {_listed(items)}" for label, items in phrases.items()]
    return f"In {quarter_label}, " + "; ".join(clauses) + "."


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# --- services side by side ------------------------------------------------------------------------

SIDE_BY_SIDE = ["volume", "time_to_complete_median", "on_time_rate", "backlog", "calls_offered", "abandonment_rate",
                "first_contact_resolution"]


def side_by_side(frame: pd.DataFrame, quarter: FiscalQuarter, channel: str, min_n: int) -> list[dict]:
    """One row per service (provider, service) of ``frame`` with any headline indicator in the
    quarter (all stages, ``channel``): each its own figures, never added to another service's.

    ``frame``: indicator_value rows of single services (no roll-up), already limited to the
    catalogue's services and the person's grants. Rows sorted by provider and service."""
    rows = _in_quarter(frame, quarter)
    rows = rows[rows["indicator"].isin(SIDE_BY_SIDE) & (rows["channel"] == channel) & (rows["stage"] == ALL)
                & (rows["provider"] != ALL) & (rows["service"] != ALL)]
    out = []
    for (provider, service), part in rows.groupby(["provider", "service"], sort=True):
        cells = {r.indicator: (r.value, r.n) for r in part.itertuples(index=False)}
        row = {"provider": provider, "service": service}
        for key in SIDE_BY_SIDE:
            row[key] = value_text(key, *cells.get(key, (None, None)), min_n)
        out.append(row)
    return out
