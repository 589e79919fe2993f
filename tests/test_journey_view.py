"""The journey page without a browser: the stage x indicator cells, their statuses against the
catalogue's targets (read straight from the YAML and judged by the rule written out here) or
against the other stages (lower is better for time, backlog, waiting and negative feedback), the
heat-map component, and the overview and stage drill-down built on the real A-11 quarterly file
and the synthetic contact-center sample, checked against pandas run on the raw files."""
from __future__ import annotations

import datetime as dt
import math
import urllib.parse

import pandas as pd
import pytest

from cxdash.channels import ALL
from cxdash.dashboard.components.heat_map import heat_map
from cxdash.dashboard.views import journey_page
from cxdash.db import journey_queries, queries
from cxdash.presentation import journey, scorecard
from cxdash.presentation.heat_map import Cell

from .conftest import QUARTERLY, configured_sources, sample_source
from .independent import wilson
from .test_contacts import _expected, _sample_frame

MIN_N = 30
VBA = ("Veterans Benefits Administration", "Contacting the Benefits Administration contact center")
VHA = ("Veterans Health Administration", "Receiving outpatient services")
PASSPORTS = ("Passport Services", "Passport Services")
SYNTHETIC = ("Synthetic example provider", "Example web contact form (synthetic)")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, catalogue):
    """The real A-11 quarterly file and the synthetic contact-center sample, loaded as
    configured sources and computed once."""
    folder = tmp_path_factory.mktemp("journey-view")
    engine, sources = configured_sources(folder, catalogue, [
        sample_source("a11"), sample_source("contacts", "contact-centre")])
    yield engine, sources
    engine.dispose()


@pytest.fixture(scope="module")
def quarterly():
    return pd.read_csv(QUARTERLY)


def agree(raw: pd.DataFrame, service: str, year: int, quarter: int, q: int) -> tuple[int, int]:
    """(agree 4-5, n) of question q of one service and quarter, summed over channels with pandas."""
    rows = raw[(raw["attributes_service_name"].str.strip() == service) & (raw["attributes_collection_year"] == year)
               & (raw["attributes_collection_quarter"] == quarter)]
    counts = [int(rows[f"attributes_q{q}_{k}"].sum()) for k in range(1, 6)]
    return counts[3] + counts[4], sum(counts)


def hand_status(value: float, target: float, at_risk_within: float) -> str:
    """Higher is better: met -> on track; short by at most the threshold -> at risk; else off track."""
    shortfall = target - value
    return "on_track" if shortfall <= 0 else "at_risk" if shortfall <= at_risk_within else "off_track"


def _measure(yaml_catalogue, service_name: str, question: str) -> tuple[dict, dict]:
    service = next(s for s in yaml_catalogue["services"] if s["name"] == service_name)
    measures = [m for g in yaml_catalogue["goals"] for o in g["objectives"] for m in o["measures"]]
    return service, next(m for m in measures if service["id"] in m["services"] and m["params"]["question"] == question)


def _assessed(engine, catalogue, provider, service, year, quarter):
    scores = journey_queries.stage_scores(engine, year, quarter, provider, service)
    indicators = queries.scope_indicators(engine, provider, service, year, quarter)
    cells = journey.stage_cells(scores, indicators, catalogue.find_service(provider, service).stages
                                if service != ALL else None, MIN_N)
    return journey.assess(cells, journey.catalogue_targets(catalogue, provider, service, year))


# --- statuses against the catalogue's targets -----------------------------------------------------

@pytest.mark.parametrize("scope, year, quarter", [(VHA, 2022, 1), (VHA, 2022, 2), (VBA, 2022, 2)])
def test_trust_status_follows_the_catalogue_target_and_the_raw_counts(loaded, catalogue, quarterly, yaml_catalogue,
                                                                      scope, year, quarter):
    engine, _ = loaded
    provider, name = scope
    service, measure = _measure(yaml_catalogue, name, "trust")
    x, n = agree(quarterly, name, year, quarter, 2)  # q2 is trust
    target = measure["targets"][f"FY{year}"]
    expected = hand_status(x / n, target, measure["thresholds"]["at_risk_within"])

    assessed = _assessed(engine, catalogue, provider, name, year, quarter)
    stage = service["default_stage"]  # this service's collection has no transaction point of its own
    for where in (stage, ALL):
        row = assessed[(assessed["stage"] == where) & (assessed["key"] == "trust")].iloc[0]
        assert math.isclose(row["value"], x / n, rel_tol=1e-12)
        assert (row["target"], row["status"]) == (target, expected)


def test_the_three_quarters_cover_every_target_status(quarterly, yaml_catalogue):
    """The parametrised cases above are not all one status (the check could not fail otherwise)."""
    found = set()
    for (_provider, name), year, quarter in [(VHA, 2022, 1), (VHA, 2022, 2), (VBA, 2022, 2)]:
        _, measure = _measure(yaml_catalogue, name, "trust")
        x, n = agree(quarterly, name, year, quarter, 2)
        found.add(hand_status(x / n, measure["targets"][f"FY{year}"], measure["thresholds"]["at_risk_within"]))
    assert found == {"on_track", "at_risk", "off_track"}


def test_targets_apply_only_to_a_matching_pct_agree_measure_of_one_service(catalogue, yaml_catalogue):
    vba = journey.catalogue_targets(catalogue, *VBA, 2022)
    _, measure = _measure(yaml_catalogue, VBA[1], "trust")
    assert set(vba) == {("trust", ALL), *(("trust", s) for s in measure["stages"])}
    assert vba[("trust", "Wait")].value == measure["targets"]["FY2022"]
    # The IRS filing measure is a mean (points): it never judges a % agree cell.
    assert journey.catalogue_targets(catalogue, "Internal Revenue Service", "Filing an individual tax return", 2022) == {}
    # A roll-up of several services has no target; a year without one falls back to the ranking.
    assert journey.catalogue_targets(catalogue, VBA[0], ALL, 2022) == {}
    assert vba[("trust", ALL)].value is not None
    assert journey.catalogue_targets(catalogue, *VBA, 2030)[("trust", ALL)].value is None


# --- standing among the stages --------------------------------------------------------------------

def _cells(rows):
    return pd.DataFrame(rows, columns=["stage", "key", "value", "n", "suppressed"])


def test_weakest_and_strongest_are_direction_aware():
    cells = _cells([
        ("start", "trust", 0.50, 100, False), ("process", "trust", 0.70, 100, False), ("end", "trust", 0.60, 100, False),
        ("start", "backlog", 20, 20, False), ("process", "backlog", 103, 103, False), ("end", "backlog", 71, 71, False),
        ("start", "negative_feedback_share", 0.2, 50, False), ("process", "negative_feedback_share", 0.4, 50, False),
        ("start", "feedback_volume", 50, 50, False), ("process", "feedback_volume", 50, 50, False),
        ("all", "backlog", 194, 194, False), ("unassigned", "backlog", 500, 500, False),
    ])
    out = journey.assess(cells).set_index(["stage", "key"])
    # Higher is better for trust: the lowest share is the weakest.
    assert out.loc[("start", "trust"), "status"] == "weakest" and out.loc[("process", "trust"), "status"] == "strongest"
    assert pd.isna(out.loc[("end", "trust"), "status"])  # in the middle: no word
    assert out.loc[("end", "trust"), "standing"] == pytest.approx((0.60 - 0.50) / (0.70 - 0.50))
    # Lower is better for the backlog and negative feedback: the largest is the weakest.
    assert out.loc[("process", "backlog"), "status"] == "weakest" and out.loc[("start", "backlog"), "status"] == "strongest"
    assert out.loc[("end", "backlog"), "standing"] == pytest.approx((103 - 71) / (103 - 20))
    assert out.loc[("process", "negative_feedback_share"), "status"] == "weakest"
    # A volume is neither good nor bad; the roll-up and unstaged responses are not stages.
    for where in [("start", "feedback_volume"), ("all", "backlog"), ("unassigned", "backlog")]:
        assert pd.isna(out.loc[where, "status"]) and math.isnan(out.loc[where, "standing"])


def test_suppressed_cells_show_no_number_and_take_no_part_in_the_ranking():
    cells = journey.stage_cells(
        pd.DataFrame({"question": ["trust"] * 3, "stage": ["start", "process", "end"], "pct_agree": [0.9, 0.2, 0.5],
                      "n": [40, 12, 35], "suppressed": [False, True, False]}),
        pd.DataFrame({"indicator": ["abandonment_rate"] * 2, "stage": ["start", "end"], "value": [0.3, 0.1],
                      "n": [29, 500]}), min_n=MIN_N)
    out = journey.assess(cells).set_index(["stage", "key"])
    assert out.loc[("process", "trust"), "status"] == "suppressed" and pd.isna(out.loc[("process", "trust"), "value"])
    assert out.loc[("end", "trust"), "status"] == "weakest"  # 0.5 < 0.9: the suppressed 0.2 does not count
    assert out.loc[("start", "abandonment_rate"), "status"] == "suppressed"  # a rate of 29 calls
    text = journey.cell(next(journey.assess(cells).query("stage == 'process'").itertuples()), MIN_N).value
    assert text == "Suppressed (n < 30)"


def test_the_takeaway_names_the_stage_weakest_on_most_indicators():
    cells = _cells([
        ("start", "trust", 0.80, 100, False), ("process", "trust", 0.60, 100, False),
        ("start", "average_speed_of_answer", 30, 100, False), ("process", "average_speed_of_answer", 95, 100, False),
        ("start", "on_time_rate", 0.5, 100, False), ("process", "on_time_rate", 0.9, 100, False),
    ])
    sentence = journey.weakest_stage_sentence(journey.assess(cells), "FY2022 Q3")
    assert sentence == ("In FY2022 Q3, the Process stage is the weakest on 2 of 3 indicators compared across stages: "
                        "trust (60.0%) and average speed of answer (1 min 35 s).")
    assert "the strongest on 1: completed on time (90.0%)" in journey.stage_sentence(journey.assess(cells), "process",
                                                                                      "FY2022 Q3")
    only = journey.assess(cells[cells["stage"] == "start"])
    assert journey.weakest_stage_sentence(only, "FY2022 Q3").startswith("In FY2022 Q3, only the Start stage has data")
    assert journey.weakest_stage_sentence(journey.assess(_cells([])), "FY2022 Q3").startswith("No survey scores")


def test_an_all_suppressed_takeaway_names_what_there_were_too_few_of():
    """A city's cases are not survey responses: the sentence says what each figure rests on."""
    cases = _cells([("end", "time_to_complete_median", None, 4, True), ("all", "time_to_complete_median", None, 4, True)])
    assert journey.weakest_stage_sentence(journey.assess(cases), "FY2021 Q1") == (
        "In FY2021 Q1, every figure in this scope is suppressed: each rests on fewer than 30 cases or calls.")
    both = _cells([("start", "trust", None, 12, True), ("start", "abandonment_rate", None, 20, True),
                   ("start", "negative_feedback_share", None, 3, True)])
    assert journey.stage_sentence(journey.assess(both), "start", "FY2022 Q3", min_n=MIN_N) == (
        "In FY2022 Q3, every figure at the Start stage is suppressed: each rests on fewer than 30 responses, "
        "cases or calls, or feedback items.")


def test_lower_abandonment_is_stronger_on_the_contact_centre_sample(context, loaded, catalogue):
    """Abandonment and speed of answer per stage from the raw sample (pandas): the stage with
    the most abandoned calls is the weakest, the one with the fewest the strongest."""
    engine, _ = loaded
    raw = _sample_frame()
    raw = raw[raw["valid"] & (raw["fiscal_year"] == 2022) & (raw["fiscal_quarter"] == 3)]
    expected = {stage: _expected(frame)["abandonment_rate"][0] for stage, frame in raw.groupby("stage")}
    assessed = _assessed(engine, catalogue, *SYNTHETIC, 2022, 3)
    mine = assessed[assessed["key"] == "abandonment_rate"].set_index("stage")
    for stage, value in expected.items():
        assert mine.loc[stage, "value"] == pytest.approx(value, rel=1e-12)
    assert mine.loc[max(expected, key=expected.get), "status"] == "weakest"
    assert mine.loc[min(expected, key=expected.get), "status"] == "strongest"


# --- the heat-map component -----------------------------------------------------------------------

def _text(node) -> str:
    """Visible text of a Dash component tree (aria-hidden icons left out)."""
    if node is None:
        return ""
    if isinstance(node, (str, int, float)):
        return str(node)
    if isinstance(node, (list, tuple)):
        return " ".join(t for t in (_text(n) for n in node) if t)
    if getattr(node, "aria-hidden", None) == "true":
        return ""
    return _text(getattr(node, "children", None))


def _find(node, component_id):
    if isinstance(node, (list, tuple)):
        return next((f for f in (_find(n, component_id) for n in node) if f is not None), None)
    if getattr(node, "id", None) == component_id:
        return node
    children = getattr(node, "children", None)
    return None if children is None or isinstance(children, str) else _find(children, component_id)


def _walk(node):
    if isinstance(node, (list, tuple)):
        for n in node:
            yield from _walk(n)
    elif node is not None and not isinstance(node, (str, int, float)):
        yield node
        yield from _walk(getattr(node, "children", None))


def _rows(table) -> dict[str, list[str]]:
    """Table body rows keyed by their row header (or first cell)."""
    body = next(n for n in _walk(table) if type(n).__name__ == "Tbody")
    out = {}
    for tr in body.children:
        cells = [_text(c.children) for c in tr.children]
        out[cells[0]] = cells[1:]
    return out


def _header(table) -> list[str]:
    """The column headers after the row headers' column."""
    head = next(n for n in _walk(table) if type(n).__name__ == "Thead")
    return [_text(c.children) for c in head.children.children][1:]


def _grid(table) -> dict[tuple[str, str], str]:
    """The journey heat map's table as (indicator, stage) -> cell text: an indicator a row, a
    stage a column."""
    stages = _header(table)
    return {(indicator, stage): text for indicator, row in _rows(table).items() for stage, text in zip(stages, row)}


def test_heat_map_prints_every_cell_in_figure_and_table():
    cells = [[Cell("40.4%", (("▼", "weakest"),), 0.0), Cell("—")],
             [Cell("81.1%", (("▲", "strongest"), ("✕", "off track")), 1.0), Cell("Suppressed (n < 30)")]]
    figure = heat_map(["Start", "Process"], ["Trust", "Backlog"], cells, title="T", takeaway_sentence="S.",
                      chart_id="hm", caption="C", row_header="Stage", row_links=["/a?stage=start", None])
    graph = next(n for n in _walk(figure) if getattr(n, "id", None) == "hm")
    notes = [a.text for a in graph.figure.layout.annotations]
    assert notes == ["<b>40.4%</b><br>▼ weakest", "<b>—</b>", "<b>81.1%</b><br>▲ strongest<br>✕ off track",
                     "<b>Suppressed<br>(n < 30)</b>"]
    rows = _rows(_find(figure, "hm-table"))
    assert rows == {"Start": ["40.4% weakest", "—"], "Process": ["81.1% strongest off track", "Suppressed (n < 30)"]}
    link = next(n for n in _walk(figure) if type(n).__name__ == "A")
    assert (link.href, link.children) == ("/a?stage=start", "Start")
    with pytest.raises(ValueError):
        heat_map(["Start"], ["Trust", "Backlog"], [[Cell("1")]], title="T", takeaway_sentence="S.", chart_id="x",
                 caption="C", row_header="Stage")


# --- the page's content ---------------------------------------------------------------------------

def test_overview_cell_matches_the_raw_file_and_links_each_stage(context, quarterly):
    """Trust at the Wait stage of the VBA contact center, FY2022 Q2, against pandas on the raw file."""
    content = journey_page.content_for(scorecard.Filters("FY2022Q2", *VBA))
    x, n = agree(quarterly, VBA[1], 2022, 2, 2)
    table = _find(content, "journey-stages-table")
    assert _grid(table)[("Trust (% agree)", "Wait")] == f"{x / n * 100:.1f}% off track"
    assert _header(table) == ["Wait", "All stages"]  # stages across, in journey order
    links = [n.href for n in _walk(_find(content, "journey-stage-links"))
             if type(n).__name__ == "A"]
    query = urllib.parse.parse_qs(urllib.parse.urlparse(links[0]).query)
    assert query == {"quarter": ["FY2022Q2"], "provider": [VBA[0]], "service": [VBA[1]], "stage": ["Wait"]}
    assert "Trust: target 68.0% in FY2022 at the Wait stage and all stages" in _text(_find(content, "journey-targets"))


def test_a_suppressed_stage_shows_no_number(context, quarterly):
    _, n = agree(quarterly, PASSPORTS[1], 2022, 2, 2)
    assert n < MIN_N
    content = journey_page.content_for(scorecard.Filters("FY2022Q2", *PASSPORTS))
    assert _grid(_find(content, "journey-stages-table"))[("Trust (% agree)", "Wait")] == "Suppressed (n < 30)"
    drill = journey_page.content_for(scorecard.Filters("FY2022Q2", *PASSPORTS), "Wait")
    questions = _rows(_find(drill, "journey-questions-table"))
    assert questions["Trust"] == ["Suppressed (n < 30)", "—", "—", str(n)]


def test_drill_down_shows_questions_with_intervals_channels_and_onward_links(context, quarterly):
    content = journey_page.content_for(scorecard.Filters("FY2022Q2", *VBA), "Wait")
    questions = _rows(_find(content, "journey-questions-table"))
    for label, q in (("Trust", 2), ("Satisfaction", 1), ("Helpful employees", 7)):
        x, n = agree(quarterly, VBA[1], 2022, 2, q)
        low, high = wilson(x, n)
        assert questions[label][0] == f"{x / n * 100:.1f}%"
        assert questions[label][1] == f"{low * 100:.1f}%\u2013{high * 100:.1f}%"
        assert questions[label][3] == f"{n:,}"
    assert "is off track against target" in _text(_find(content, "journey-stage-takeaway"))
    onward = {urllib.parse.urlparse(a.href).path: urllib.parse.parse_qs(urllib.parse.urlparse(a.href).query)
              for a in _walk(_find(content, "journey-onward")) if type(a).__name__ == "A"}
    scope = {"quarter": ["FY2022Q2"], "provider": [VBA[0]], "service": [VBA[1]]}
    assert onward == {"/operations": scope, "/voice": {**scope, "stage": ["Wait"]}, "/service": scope}


def test_drill_down_splits_the_stage_by_channel(context):
    """The synthetic contact center answers by phone only: one channel row with the stage's rates."""
    raw = _sample_frame()
    raw = raw[raw["valid"] & (raw["fiscal_year"] == 2022) & (raw["fiscal_quarter"] == 3) & (raw["stage"] == "end")]
    expected = _expected(raw)
    content = journey_page.content_for(scorecard.Filters("FY2022Q3", *SYNTHETIC), "end")
    rows = _rows(_find(content, "journey-channels-table"))
    assert list(rows) == ["Phone"]
    assert rows["Phone"][0] == f"{int(expected['calls_offered'][0]):,}"
    assert rows["Phone"][1] == f"{expected['abandonment_rate'][0] * 100:.1f}%"


def test_update_keeps_the_stage_in_the_query_and_drops_an_unknown_one(context):
    out = journey_page.update("FY2022Q3", SYNTHETIC[0], SYNTHETIC[1], "process")
    assert urllib.parse.parse_qs(out[4][1:])["stage"] == ["process"]
    text = _text(out[3])
    assert "The Process stage, FY2022 Q3" in text and "No survey responses at the Process stage" in text
    assert _find(out[3], "journey-stages-table") is None  # the drill-down replaces the overview
    gone = journey_page.update("FY2022Q3", SYNTHETIC[0], SYNTHETIC[1], "no-such-stage")
    assert "stage" not in urllib.parse.parse_qs(gone[4][1:])
    assert _find(gone[3], "journey-stages-table") is not None
    assert journey.query_string("FY2022Q3", ALL, ALL, ALL) == "?quarter=FY2022Q3"


def test_time_to_complete_reads_in_hours_where_its_rows_say_hours():
    """A service that works in hours: its cells say hours, and beside a stage in days the ranking
    compares like with like (30 hours is quicker than 2 days)."""
    cells = journey.stage_cells(
        pd.DataFrame(columns=["question", "stage", "pct_agree", "n", "suppressed"]),
        pd.DataFrame({"indicator": ["time_to_complete_median"] * 2, "stage": ["start", "process"],
                      "value": [30.0, 2.0], "n": [50, 50], "unit": ["hours", "days"]}), min_n=MIN_N)
    out = journey.assess(cells).set_index(["stage", "key"])
    assert out.loc[("start", "time_to_complete_median"), "status"] == "strongest"
    assert out.loc[("process", "time_to_complete_median"), "status"] == "weakest"
    texts = [journey.cell(r, MIN_N).value for r in journey.assess(cells).itertuples()]
    assert texts == ["30 hours", "2 days"]


def test_a_quarter_the_data_end_within_says_when_its_backlog_was_counted():
    day = dt.date(2022, 9, 15)
    indicators = pd.DataFrame({"indicator": ["backlog", "backlog_as_of"], "stage": ["all", "all"],
                               "value": [12.0, float(day.toordinal())], "n": [12, 12]})
    assert journey.backlog_as_of_note(indicators, "FY2022 Q4") == (
        "The backlog of FY2022 Q4 is counted as of 15 Sep 2022, the latest day in the data: the quarter is not over.")
    assert journey.backlog_as_of_note(indicators[indicators["indicator"] == "backlog"], "FY2022 Q3") is None
