"""The Equity page without a browser: the real A-11 quarterly channels and the synthetic survey's
user groups, from the page's tables, against pandas on the raw CSV files with the pooled z test,
the Wilson interval and Holm's step-down written out; the overview against segment_result read
with plain SQL; labels, defaults, the no-data sentence and the query string."""
from __future__ import annotations

import math
import re
import urllib.parse

import pandas as pd
import pytest
import yaml
from dash import dcc, html

from cxdash.catalogue import Labels, SegmentLabels, Service
from cxdash.channels import ALL
from cxdash.channels import label as channel_label
from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.dashboard.views import equity, equity_page
from cxdash.errors import UserError
from cxdash.mappings import load_mapping

from .conftest import CONFIG, QUARTERLY, SAMPLE, configured_sources
from .independent import two_proportion_p, wilson
from .test_equity import holm

RESPONSES = SAMPLE / "a11_v2_response_level_SYNTHETIC.csv"
EEOICP = ("Office of Workers' Compensation Programs", "Applying for compensation benefits under EEOICP")
SYNTHETIC = ("Synthetic example provider", "Example web contact form (synthetic)")
MIN_N = 30


def load_equity(folder, catalogue):
    """SQLite with the real A-11 quarterly file and the synthetic response-level export, computed."""
    engine, sources = configured_sources(folder, catalogue, [
        {"name": "a11", "kind": "a11-quarterly", "cadence": "quarterly", "location": {"files": str(QUARTERLY)}},
        {"name": "responses", "kind": "survey-responses", "mapping": "touchpoints-form-a11", "cadence": "weekly",
         "location": {"files": str(RESPONSES)}},
    ])
    return engine, sources


@pytest.fixture(scope="module")
def with_eeoicp(catalogue):
    """The shipped catalogue with EEOICP added as a service: the page lists catalogue services
    only, and this real A-11 service reports trust through the most channels."""
    service = Service(id="dol-eeoicp-compensation", name=EEOICP[1], provider=EEOICP[0], agency="DOL",
                      channels=["automated_phone", "computer", "email", "in_person", "website"],
                      stages=["Apply", "Decide"], default_stage="Apply")
    return catalogue.model_copy(update={"services": [*catalogue.services, service]})


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, with_eeoicp):
    engine, sources = load_equity(tmp_path_factory.mktemp("equity"), with_eeoicp)
    yield engine, sources
    engine.dispose()


@pytest.fixture
def app(loaded, with_eeoicp):
    engine, sources = loaded
    dash_app = create_app(engine, with_eeoicp, sources, sign_in=SIGN_IN_OFF)
    with dash_app.server.app_context():
        yield dash_app


# --- independent side: raw files, pandas and formulas written out ------------------------------

def channel_counts(year: int, quarter: int, service_name: str, question: int = 2) -> dict[str, tuple[int, int]]:
    """agree (4-5) and n of an A-11 question per channel of one service and quarter, rows summed."""
    raw = pd.read_csv(QUARTERLY)
    rows = raw[raw["attributes_collection_year"].eq(year) & raw["attributes_collection_quarter"].eq(quarter)
               & raw["attributes_service_name"].eq(service_name)]
    n = rows[[f"attributes_q{question}_{k}" for k in range(1, 6)]].sum(axis=1)
    agree = rows[f"attributes_q{question}_4"] + rows[f"attributes_q{question}_5"]
    summed = pd.DataFrame({"channel": rows["attributes_channel"], "agree": agree, "n": n}).groupby("channel").sum()
    return {c: (int(r.agree), int(r.n)) for c, r in summed.iterrows() if r.n > 0}


def fiscal_quarter_of(day: pd.Timestamp) -> tuple[int, int]:
    """October starts the fiscal year: Oct-Dec is Q1 of the next year's number."""
    year = day.year + 1 if day.month >= 10 else day.year
    return year, (day.month - 10) % 12 // 3 + 1


def segment_counts(year: int, quarter: int, segment: str, column: str) -> dict[str, tuple[int, int]]:
    """agree (4-5) and n per segment value in one fiscal quarter, from the raw export (local dates)."""
    raw = pd.read_csv(RESPONSES)
    local = pd.to_datetime(raw["CreatedAt"], utc=True).dt.tz_convert("America/New_York")
    in_quarter = [fiscal_quarter_of(d) == (year, quarter) for d in local]
    rows = raw[in_quarter].dropna(subset=[column, segment])
    grouped = rows.groupby(segment)[column].agg(agree=lambda s: int((s >= 4).sum()), n="size")
    return {str(g): (int(r.agree), int(r.n)) for g, r in grouped.iterrows()}


def expected_rows(counts: dict[str, tuple[int, int]], label=str) -> dict[str, dict]:
    """Every segment's %, interval, gap to the best, z-test p and Holm-adjusted p, as the page prints them."""
    shown = {s: c for s, c in counts.items() if c[1] >= MIN_N}
    best = max(shown, key=lambda s: (shown[s][0] / shown[s][1], shown[s][1]))
    others = [s for s in shown if s != best]
    p = [two_proportion_p(*shown[s], *shown[best]) for s in others]
    adjusted = dict(zip(others, holm(p)))
    p = dict(zip(others, p))
    out = {}
    for s, (agree, n) in counts.items():
        if n < MIN_N:
            out[label(s)] = {"n": f"{n:,}", "pct": "Suppressed (n < 30)", "interval": "—", "gap": "—",
                             "p": "—", "p_adjusted": "—", "significant": "—", "note": "Suppressed (n < 30)"}
            continue
        low, high = wilson(agree, n)
        gap = (agree / n - shown[best][0] / shown[best][1]) * 100
        out[label(s)] = {
            "n": f"{n:,}", "pct": f"{agree / n * 100:.1f}%", "interval": f"{low * 100:.1f}%–{high * 100:.1f}%",
            "gap": "Best-served" if s == best else (f"−{abs(gap):.1f} pts" if round(gap, 1) else "0.0 pts"),
            "p": "—" if s == best else p_text(p[s]), "p_adjusted": "—" if s == best else p_text(adjusted[s]),
            "significant": "—" if s == best else ("Yes" if adjusted[s] < 0.05 else "No"),
            "best": s == best, "raw_p": p.get(s), "raw_adjusted": adjusted.get(s), "raw_gap": gap,
        }
    return out


def p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


# --- reading the page's components -------------------------------------------------------------

def find(component, component_id):
    if getattr(component, "id", None) == component_id:
        return component
    children = component if isinstance(component, (list, tuple)) else getattr(component, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            hit = find(child, component_id)
            if hit is not None:
                return hit
    elif children is not None and not isinstance(children, str):
        return find(children, component_id)
    return None


def text(component) -> str:
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return "".join(text(c) for c in component)
    return text(getattr(component, "children", None))


def table(content, table_id) -> list[list]:
    found = find(content, table_id)
    assert found is not None, f"no #{table_id}"
    body = next(c for c in found.children if isinstance(c, html.Tbody))
    return [[td.children for td in tr.children] for tr in body.children]


def graph(content, graph_id):
    found = find(content, graph_id)
    assert isinstance(found, dcc.Graph)
    return found.figure


FAMILY_KEYS = [key for key, _, _ in equity.FAMILY_COLUMNS]


# --- the chosen comparison ----------------------------------------------------------------------

def test_real_channels_of_a_service_match_the_raw_quarterly_file(app):
    provider, service = EEOICP
    _, _, _, content, query = equity_page.update("FY2022Q4", provider, service, "channel", "trust")
    counts = channel_counts(2022, 4, service)
    assert counts["automated_phone"][1] < MIN_N <= min(n for c, (_, n) in counts.items() if c != "automated_phone")
    expected = expected_rows(counts, channel_label)
    rows = {r[0]: dict(zip(FAMILY_KEYS, r)) for r in table(content, "equity-family-table")}
    assert set(rows) == set(expected)
    for segment, exp in expected.items():
        for key in ("n", "pct", "interval", "gap", "p", "p_adjusted", "significant"):
            assert rows[segment][key] == exp[key], (segment, key)
    assert rows["Automated phone"]["note"] == "Suppressed (n < 30)"
    # The takeaway names the worst significant channel and its gap to the best, in points.
    best = next(s for s, e in expected.items() if e.get("best"))
    worst = min((s for s, e in expected.items() if e.get("raw_adjusted") is not None and e["raw_adjusted"] < 0.05),
                key=lambda s: expected[s]["raw_gap"])
    sentence = text(find(content, "equity-family-chart-takeaway"))
    assert sentence.startswith(f"For trust in FY2022 Q4 ({service}), {worst} is "
                               f"{abs(expected[worst]['raw_gap']):.1f} points below the best-served channel, {best}")
    assert "Holm correction for 2 comparisons; 1 channel is suppressed (n < 30)." in sentence
    # The dot chart draws only the shown channels, at their % with the interval's ends, and says
    # best / significant in words beside each.
    figure = graph(content, "equity-family-chart")
    trace = figure.data[0]
    drawn = dict(zip(trace.y, trace.x))
    assert set(drawn) == set(expected) - {"Automated phone"}
    for segment, x in drawn.items():
        agree, n = counts[next(c for c in counts if channel_label(c) == segment)]
        assert x == pytest.approx(agree / n * 100)
    words = {a.y: a.text for a in figure.layout.annotations}
    assert words[best] == "best"
    for segment in set(drawn) - {best}:
        exp = expected[segment]
        assert words[segment] == f"{exp['gap']}, {'significant' if exp['raw_adjusted'] < 0.05 else 'not significant'}"
    assert text(find(content, "equity-suppressed")) == "Suppressed (n < 30): Automated phone."
    assert urllib.parse.parse_qs(query[1:]) == {"quarter": ["FY2022Q4"], "provider": [provider], "service": [service]}


@pytest.mark.parametrize("segment,column,question", [("UserGroup", "Trust/Confidence", "trust"),
                                                     ("Region", "Satisfaction", "satisfaction")])
def test_synthetic_segments_match_pandas_on_the_raw_export(app, segment, column, question):
    provider, service = SYNTHETIC
    _, _, _, content, query = equity_page.update("FY2022Q4", provider, service, segment, question)
    expected = expected_rows(segment_counts(2022, 4, segment, column), unlabelled)
    rows = {r[0]: dict(zip(FAMILY_KEYS, r)) for r in table(content, "equity-family-table")}
    assert set(rows) == set(expected) and len(expected) >= 3
    for name, exp in expected.items():
        for key in ("n", "pct", "interval", "gap", "p", "p_adjusted", "significant"):
            assert rows[name][key] == exp[key], (name, key)
    assert urllib.parse.parse_qs(query[1:])["dimension"] == [segment]


def test_overview_has_every_comparison_of_the_scope_largest_gap_first(app, loaded):
    engine, _ = loaded
    provider, service = SYNTHETIC
    _, _, _, content, _ = equity_page.update("FY2022Q4", provider, service, "channel", "trust")
    with engine.connect() as conn:
        stored = pd.read_sql("SELECT dimension, question, segment, gap, significant, p_value, suppressed "
                             "FROM segment_result WHERE provider = ? AND service = ? "
                             "AND fiscal_year = 2022 AND fiscal_quarter = 4", conn, params=SYNTHETIC)
    rows = table(content, "equity-overview-table")
    families = stored.groupby(["dimension", "question"])
    assert len(rows) == families.ngroups > 10
    names = {equity.comparison_name(d, q): (d, q) for d, q in families.groups}
    gaps = []
    for link, _best, largest, tests, suppressed in rows:
        dimension, question = names[link.children]
        mine = families.get_group((dimension, question))
        assert link.href == "/equity" + equity.query_string("FY2022Q4", provider, service, dimension, question,
                                                            "channel", "trust")
        tested = int(mine["p_value"].notna().sum())
        assert tests == (f"{int(mine['significant'].fillna(0).astype(bool).sum())} of {tested} comparisons"
                         if tested else "—")
        assert suppressed == f"{int(mine['suppressed'].astype(bool).sum())} of {len(mine)}"
        hits = mine[mine["significant"].fillna(0).astype(bool)]
        if hits.empty:
            gaps.append(None)
            assert largest in ("None significant", "—")
            continue
        worst = hits.sort_values("gap").iloc[0]
        assert largest.startswith(f"{equity.segment_label(dimension, worst['segment'])}: −{abs(worst['gap']) * 100:.1f} pts")
        gaps.append(worst["gap"])
    shown = [g for g in gaps if g is not None]
    assert shown == sorted(shown) and gaps[:len(shown)] == shown  # largest first, those without a gap last
    sentence = text(find(content, "equity-overview-takeaway"))
    assert sentence.startswith(f"In FY2022 Q4 ({service}), {len(shown)} of ")
    assert text(find(content, "equity-method")).startswith(
        "Each group is compared with the best-served group by a two-proportion z test; p-values are adjusted with "
        "Holm's method within each comparison; groups with fewer than 30 answers are suppressed.")


def test_every_known_dimension_and_question_is_offered_and_a_missing_one_is_said(app, loaded):
    engine, _ = loaded
    with engine.connect() as conn:
        kinds = pd.read_sql("SELECT DISTINCT dimension, question FROM segment_result", conn)
    layout = equity_page.layout({"quarter": "FY2022Q4", "provider": EEOICP[0], "service": EEOICP[1],
                                 "dimension": "Years"})
    dimension = find(layout, "equity-dimension")
    question = find(layout, "equity-question")
    assert [o["value"] for o in dimension.options] == ["channel", "UserGroup", "Region", "Years"]
    assert {o["value"] for o in dimension.options} == set(kinds["dimension"])
    assert [o["label"] for o in dimension.options] == ["Channel", "User group", "Region", "Years as a customer"]
    assert {o["value"] for o in question.options} == set(kinds["question"])
    assert [o["value"] for o in question.options][:2] == ["trust", "satisfaction"]
    assert (dimension.value, question.value) == ("Years", "trust")
    sentence = text(find(layout, "equity-family-chart-takeaway"))
    assert sentence == (f"No comparison of trust by tenure group in FY2022 Q4 ({EEOICP[1]}): choose another "
                        "dimension or question; the overview below lists every comparison with data.")
    # An unknown dimension or question (an old link) falls back to the defaults, which stay out of the URL.
    provider, _, service, _, query = equity_page.update("FY2022Q4", ALL, ALL, "Shoe size", "nothing")
    assert urllib.parse.parse_qs(query[1:]) == {"quarter": ["FY2022Q4"], "provider": [provider], "service": [service]}


def test_a_link_reproduces_the_view(app):
    provider, service = SYNTHETIC
    *_, query = equity_page.update("FY2022Q3", ALL, service, "Region", "ease")
    parsed = {k: v[0] for k, v in urllib.parse.parse_qs(query[1:]).items()}
    assert parsed == {"quarter": "FY2022Q3", "provider": provider, "service": service, "dimension": "Region",
                      "question": "ease"}  # the service brought its provider
    layout = equity_page.layout(parsed)
    assert [find(layout, f"equity-{k}").value for k in equity_page.FILTERS] == [
        "FY2022Q3", provider, service, "Region", "ease"]
    assert text(find(layout, "equity-family-chart-title")) == "Ease (simplicity) by region"


# --- pure view functions on frames written out here ---------------------------------------------

def unlabelled(code: str) -> str:
    """A synthetic segment code as a page must show it while the catalog gives it no label."""
    word, number = re.fullmatch(r"([A-Za-z]+)(\d+)", code).groups()
    return f"{word} {number} (no label in the mapping or catalog)"


def test_segments_without_a_label_say_so_and_labels_come_from_the_catalog(app, loaded, with_eeoicp):
    provider, service = SYNTHETIC
    _, _, _, content, _ = equity_page.update("FY2022Q4", provider, service, "UserGroup", "trust")
    shown = [r[0] for r in table(content, "equity-family-table")]
    assert shown and all(re.fullmatch(r"Group \d \(no label in the mapping or catalog\)", s) for s in shown)
    labels = Labels(questions={"q9": "Would you recommend us?"},
                    segments={"UserGroup": SegmentLabels(name="Customer type", values={"Group2": "Veterans"})})
    assert equity.segment_label("UserGroup", "Group2", labels) == "Veterans"
    assert equity.segment_label("UserGroup", "Group3", labels) == "Group 3 (no label in the mapping or catalog)"
    assert equity.dimension_label("UserGroup", labels) == "Customer type"
    assert equity.dimension_noun("UserGroup", labels) == "customer type"
    assert equity.question_label("q9", labels) == "Would you recommend us?"
    assert equity.comparison_name("UserGroup", "q9", labels) == "Would you recommend us? by customer type"
    # On the page: the catalog's labels replace the codes in the table, the takeaway and the title.
    engine, sources = loaded
    labelled = create_app(engine, with_eeoicp.model_copy(update={"labels": labels}), sources, sign_in=SIGN_IN_OFF)
    with labelled.server.app_context():
        _, _, _, content, _ = equity_page.update("FY2022Q4", provider, service, "UserGroup", "trust")
    rows = [r[0] for r in table(content, "equity-family-table")]
    assert "Veterans" in rows and "Group2" not in rows
    assert text(find(content, "equity-family-chart-title")) == "Trust by customer type"
    with pytest.raises(ValueError, match="unknown question"):
        Labels(questions={"q2x": "x"})
    with pytest.raises(ValueError, match="empty label"):
        SegmentLabels(values={"Group1": " "})


def test_labels_orders_and_fallbacks():
    assert equity.dimension_label("Years") == "Years as a customer"
    assert equity.dimension_label("AgeBand") == "Age band" and equity.dimension_noun("AgeBand") == "age band segment"
    assert equity.question_label("q9") == "Question 9 (no label in the catalog)"
    assert equity.question_label("on_time_rate") == "Cases completed on time"
    assert equity.question_label("positive_ease") == "Positive ease" and equity.counted("positive_ease") == "selected"
    assert equity.question_order(["on_time_rate", "q10", "zeta", "q9", "ease", "trust", "satisfaction"]) == [
        "trust", "satisfaction", "ease", "q9", "q10", "on_time_rate", "zeta"]
    assert equity.dimension_order(["Years", "AgeBand", "channel", "Region"]) == ["channel", "Region", "Years", "AgeBand"]
    assert equity.default_of(["Region", "Years"], "channel") == "Region"
    assert equity.segment_label("channel", "in_person") == "In person"
    assert equity.segment_label("Region", "in_person") == "in_person"
    assert equity.segment_label("Region", "Region2") == "Region 2 (no label in the mapping or catalog)"


def _stored(rows: list[tuple]) -> pd.DataFrame:
    """segment_result rows as the database returns them (None where nothing was computed)."""
    columns = ["dimension", "question", "segment", "agree", "n", "pct", "ci_low", "ci_high", "suppressed", "is_best",
               "best_segment", "gap", "p_value", "p_adjusted", "significant", "note"]
    return pd.DataFrame(rows, columns=columns)


def test_family_without_a_best_and_overview_without_gaps():
    frame = _stored([
        ("channel", "trust", "phone", 40, 50, 0.8, 0.67, 0.89, False, False, None, None, None, None, False,
         "fewer than two segments with n >= 30"),
        ("channel", "trust", "email", 5, 10, None, None, None, True, False, None, None, None, None, False,
         "Suppressed (n < 30)"),
        ("Region", "trust", "East", 50, 60, 50 / 60, 0.72, 0.91, False, True, "East", 0.0, None, None, False, None),
        ("Region", "trust", "West", 45, 60, 0.75, 0.63, 0.84, False, False, "East", 50 / 60 - 0.75,
         math.nan, None, False, None),
    ])
    frame.loc[3, ["p_value", "p_adjusted"]] = [two_proportion_p(45, 60, 50, 60)] * 2
    fam = equity.family(frame, "channel", "trust", MIN_N)
    assert list(fam["segment"]) == ["Phone", "Email"]
    rows = equity.family_rows(fam, MIN_N)
    assert rows[0]["gap"] == "—" and rows[0]["significant"] == "—"
    assert rows[0]["note"] == "fewer than two segments with n >= 30"
    assert rows[1]["pct"] == "Suppressed (n < 30)"
    assert [a.text for a in equity.dot_figure(fam, "trust").layout.annotations] == ["no comparison"]
    assert equity.family_sentence(fam, "channel", "trust", "FY2022 Q4") == (
        "For trust in FY2022 Q4, no comparison is possible: fewer than two channels have n >= 30; "
        "1 channel is suppressed (n < 30).")
    table_ = equity.overview(frame)
    assert list(table_["dimension"]) == ["channel", "Region"]  # no significant gap: the page's order
    rows = equity.overview_rows(table_)
    assert rows[0]["best"].startswith("No comparison") and rows[0]["largest"] == "—"
    assert rows[1]["largest"] == "None significant" and rows[1]["best"] == "East (83.3%)"
    assert equity.overview_sentence(table_, "FY2022 Q4") == (
        "In FY2022 Q4, none of 1 comparison with two or more segments shows a significant gap to its "
        "best-served segment.")


def test_a_mapping_labels_its_segments_and_the_catalog_wins(app, loaded, with_eeoicp, tmp_path, monkeypatch):
    """An agency's copy of the survey mapping names its user groups; the catalog's own label of
    one of them wins; a mapping labelling a column it does not read is refused with the file and key."""
    shipped = yaml.safe_load((CONFIG / "mappings" / "touchpoints-form-a11.yaml").read_text())
    shipped["segment_labels"] = {"UserGroup": {"name": "Customer group",
                                               "values": {"Group1": "Veterans", "Group2": "Survivors"}}}
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "touchpoints-form-a11.yaml").write_text(yaml.safe_dump(shipped))
    monkeypatch.setenv("CXDASH_CONFIG_DIR", str(tmp_path))
    engine, sources = loaded
    catalogue = with_eeoicp.model_copy(update={"labels": Labels(segments={
        "UserGroup": SegmentLabels(values={"Group2": "Family members"})})})
    labelled = create_app(engine, catalogue, sources, sign_in=SIGN_IN_OFF)
    with labelled.server.app_context():
        _, _, _, content, _ = equity_page.update("FY2022Q4", *SYNTHETIC, "UserGroup", "trust")
    rows = {r[0] for r in table(content, "equity-family-table")}
    assert {"Veterans", "Family members", "Group 3 (no label in the mapping or catalog)"} <= rows
    assert "Survivors" not in rows and text(find(content, "equity-family-chart-title")) == "Trust by customer group"
    shipped["segment_labels"] = {"Shoe": {"name": "Shoe size"}}
    (tmp_path / "mappings" / "touchpoints-form-a11.yaml").write_text(yaml.safe_dump(shipped))
    with pytest.raises(UserError, match=r"touchpoints-form-a11.yaml: .*segment_labels names column\(s\) \['Shoe'\]"):
        load_mapping("touchpoints-form-a11")
