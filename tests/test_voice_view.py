"""The Customer voice page without a browser: the view functions on small frames written out by
hand, and the page's content on the synthetic complaints and survey free text, checked against
counts made with pandas straight from the stored feedback tables. Only redacted text may show."""
from __future__ import annotations

import re
import urllib.parse

import pandas as pd
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from cxdash.channels import ALL
from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.dashboard.views import voice, voice_page
from cxdash.db.engine import make_engine, upgrade
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.metrics.themes import OTHER_LABEL
from cxdash.presentation import scorecard
from cxdash.sources import load_sources

from .conftest import SAMPLE, configured_sources
from .independent import two_proportion_p, vader_label
from .test_feedback import ADDRESSES, COMPLAINTS_CSV, PEOPLE, pii_strings

VADER = SentimentIntensityAnalyzer()


def load_feedback(folder, catalogue):
    """SQLite with the synthetic complaints and the survey free text loaded and computed."""
    engine, sources = configured_sources(folder, catalogue, [
        {"name": "complaints", "kind": "feedback", "mapping": "example-complaints", "cadence": "weekly",
         "location": {"files": str(SAMPLE / "complaints_SYNTHETIC.csv")}},
        {"name": "survey-free-text", "kind": "feedback", "mapping": "touchpoints-form-a11-free-text",
         "cadence": "weekly", "location": {"files": str(SAMPLE / "a11_v2_response_level_SYNTHETIC.csv")}},
    ])
    return engine, sources


def stored_items(engine) -> pd.DataFrame:
    """Every stored item with its theme, read with pandas, not through the page's queries."""
    with engine.connect() as conn:
        items = pd.read_sql("SELECT id, fiscal_year, fiscal_quarter, provider, service, stage, sentiment, "
                            "text_redacted FROM feedback_item", conn)
        scores = items["text_redacted"].map(VADER.polarity_scores)
        link = pd.read_sql("SELECT feedback_item_id, theme_id FROM feedback_item_theme", conn)
        themes = pd.read_sql("SELECT id AS theme_id, label FROM feedback_theme", conn)
    frame = items.merge(link, left_on="id", right_on="feedback_item_id").merge(themes, on="theme_id")
    assert len(frame) == len(items) > 0  # every item has exactly one theme
    labels = [vader_label(s["pos"], s["neg"], s["compound"]) for s in scores]
    return frame.assign(negative=frame["id"].map(dict(zip(items["id"], labels))).eq("negative"))


def personal_details(text: str) -> list[str]:
    """The made-up people, emails, phones, SSNs and addresses of the complaints sample found in text."""
    found = [p for p in pii_strings(COMPLAINTS_CSV) if p in text]
    found += [n for person in PEOPLE for n in person if re.search(rf"\b{re.escape(n)}\b", text)]
    found += [s for a in ADDRESSES if (s := " ".join(a.split(",")[0].split()[1:3])) in text]
    return found


def flat_text(component) -> str:
    if isinstance(component, (list, tuple)):
        return "\n".join(flat_text(c) for c in component)
    if isinstance(component, str):
        return component
    if isinstance(component, (int, float)):
        return str(component)
    children = getattr(component, "children", None)
    return "" if children is None else flat_text(children)


def find(component, id_):
    if isinstance(component, (list, tuple)):
        return next((f for c in component if (f := find(c, id_)) is not None), None)
    if getattr(component, "id", None) == id_:
        return component
    children = getattr(component, "children", None)
    return None if children is None or isinstance(children, str) else find(children, id_)


def table_cells(component, id_) -> list[list[str]]:
    table = find(component, id_)
    assert table is not None, id_
    body = table.children[2]
    return [[flat_text(td) for td in tr.children] for tr in body.children]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, catalogue):
    engine, sources = load_feedback(tmp_path_factory.mktemp("voice"), catalogue)
    app = create_app(engine, catalogue, sources, sign_in=SIGN_IN_OFF)
    with app.server.app_context():
        yield engine
    engine.dispose()


# --- view functions on hand-made frames ---------------------------------------------------

def _counts(rows):
    return pd.DataFrame(rows, columns=["stage", "theme_id", "label", "sentiment_label", "items"])


def test_theme_table_splits_by_sentiment_and_suppresses_small_shares():
    counts = _counts([
        ("start", 1, "forms", "negative", 20), ("process", 1, "forms", "negative", 5),
        ("start", 1, "forms", "positive", 5),  # 30 items: shown
        ("process", 2, "wait", "negative", 10), ("process", 2, "wait", "neutral", 19),  # 29: suppressed
        ("end", 3, OTHER_LABEL, "neutral", 40),  # the largest, but 'other' goes last
    ])
    table = voice.theme_table(counts, ALL, min_n=30)
    assert table["label"].tolist() == ["forms", "wait", OTHER_LABEL]
    assert table[["negative", "neutral", "positive", "items"]].values.tolist() == [[25, 0, 5, 30], [10, 19, 0, 29],
                                                                                  [0, 40, 0, 40]]
    assert table.loc[0, "negative_share"] == pytest.approx(25 / 30)
    assert pd.isna(table.loc[1, "negative_share"])
    assert voice.theme_rows(table)[1]["share"] == "Suppressed (n < 30)"
    process = voice.theme_table(counts, "process", min_n=5)
    assert process["label"].tolist() == ["wait", "forms"] and process.loc[1, "negative_share"] == 1.0
    sentence = voice.themes_takeaway(table, "FY2023 Q1")
    assert sentence == ("In FY2023 Q1, 99 feedback items fell into 3 themes; the largest was \u201cforms\u201d "
                        "(30 items, 83.3% negative).")
    # 'wait' is the largest at the process stage and also has the most negative items: one clause
    assert voice.themes_takeaway(voice.theme_table(counts, "process", min_n=30), "FY2023 Q1") == (
        "In FY2023 Q1, 34 feedback items fell into 2 themes; the largest was \u201cwait\u201d (29 items).")
    assert voice.themes_takeaway(voice.theme_table(counts.iloc[:0]), "FY2023 Q1") == \
        "No feedback in this scope for FY2023 Q1."


def test_stage_matrix_follows_the_journey_and_names_each_stage_largest_theme():
    counts = _counts([("end", 1, "staff", "negative", 4), ("start", 2, "forms", "neutral", 9),
                      ("end", 2, "forms", "positive", 1), ("process", 1, "staff", "negative", 3)])
    matrix, stages = voice.stage_matrix(counts, ["start", "process", "end"])
    assert stages == ["start", "process", "end"]
    assert matrix[["label", "start", "process", "end", "total"]].values.tolist() == [
        ["forms", 9, 0, 1, 10], ["staff", 0, 3, 4, 7]]
    assert voice.stage_takeaway(matrix, stages, "FY2022 Q2") == (
        "In FY2022 Q2, the largest theme at each stage: Start \u201cforms\u201d (9 items); "
        "Process \u201cstaff\u201d (3 items); End \u201cstaff\u201d (4 items).")
    figure = voice.stage_figure(matrix, stages)
    assert [list(row) for row in figure.data[0].text] == [["9", "0", "1"], ["0", "3", "4"]]  # every cell carries its number


def test_trend_rows_suppress_small_quarters_and_the_takeaway_says_so():
    def ind(name, y, q, value, n, stage="all"):
        return {"indicator": name, "fiscal_year": y, "fiscal_quarter": q, "stage": stage, "value": value, "n": n}
    frame = pd.DataFrame([
        ind("feedback_volume", 2022, 2, 40, 40), ind("negative_feedback_share", 2022, 2, 0.25, 40),
        ind("mean_sentiment", 2022, 2, 0.1, 40),
        ind("feedback_volume", 2022, 3, 10, 10), ind("negative_feedback_share", 2022, 3, 0.9, 10),
        ind("feedback_volume", 2023, 1, 50, 50), ind("negative_feedback_share", 2023, 1, 0.4, 50),
        ind("feedback_volume", 2023, 1, 5, 5, stage="end"),
    ])
    rows = voice.trend_rows(frame, ALL, FiscalQuarter(2023, 1), min_n=30)
    assert [r["quarter"] for r in rows] == ["FY2022Q2", "FY2022Q3", "FY2022Q4", "FY2023Q1"]  # starts at data
    assert [r["negative_share"] for r in rows] == [0.25, None, None, 0.4]
    assert [r["suppressed"] for r in rows] == [False, True, False, False]
    # 0.40 - 0.25 = 15 percentage points, written out, with the pooled z test of 20/50 vs 10/40
    p_value = two_proportion_p(20, 50, 10, 40)
    assert p_value > 0.05
    assert voice.trend_takeaway(rows) == ("The share of negative feedback went up 15.0 points, from 25.0% in "
                                          "FY2022 Q2 to 40.0% in FY2023 Q1 (not significant); "  # no p-value in a sentence
                                          "1 quarter suppressed (fewer than 30 items) and 1 quarter without feedback.")
    assert voice.trend_table_rows(rows)[1] == {"quarter": "FY2022 Q3", "items": "10",
                                               "share": "Suppressed (n < 30)", "mean": "Suppressed (n < 30)"}
    assert voice.trend_figure(rows).data[0].text == ("25.0%", "", "", "40.0%")
    end = voice.trend_rows(frame, "end", FiscalQuarter(2023, 1), min_n=30)
    assert voice.trend_takeaway(end) == ("No quarter shown has at least 30 feedback items, so no negative share "
                                         "is shown; 1 quarter suppressed (fewer than 30 items).")


def test_query_string_keeps_only_what_differs_and_theme_picking():
    query = voice.query_string("FY2023Q1", ALL, ALL, "process", "wait, long, hours")
    assert urllib.parse.parse_qs(query[1:]) == {"quarter": ["FY2023Q1"], "stage": ["process"],
                                                "theme": ["wait, long, hours"]}
    assert voice.query_string(None, ALL, ALL, ALL, ALL) == ""
    table = voice.theme_table(_counts([("end", 7, "staff", "negative", 3), ("end", 8, "forms", "neutral", 2)]))
    assert voice.pick_theme(table, ALL) == {"theme_id": 7, "label": "staff", "items": 3, "largest": True}
    assert voice.pick_theme(table, "forms")["theme_id"] == 8
    assert voice.pick_theme(table, "refunds") is None and voice.pick_theme(table.iloc[:0], ALL) is None


# --- the page's content on the synthetic feedback -------------------------------------------

def test_theme_counts_match_the_stored_items(loaded):
    items = stored_items(loaded)
    quarter = FiscalQuarter(2022, 2)
    mine = items[(items.fiscal_year == 2022) & (items.fiscal_quarter == 2) & (items.stage == "process")]
    expected = mine.groupby("label").agg(items=("id", "size"), negative=("negative", "sum"))
    provider, _, service, content, query, *_ = voice_page.update(quarter.label, None, None, "process", None)
    # One service: the only one with feedback here (the address names it).
    assert (provider, service) == ("Synthetic example provider", "Example web contact form (synthetic)")
    assert urllib.parse.parse_qs(query[1:]) == {"quarter": ["FY2022Q2"], "provider": [provider],
                                                "service": [service], "stage": ["process"]}
    rows = {r[0]: r for r in table_cells(content, "voice-themes-table")}
    assert set(rows) == set(expected.index)
    for label, row in expected.iterrows():
        assert rows[label][2] == str(row["negative"]) and rows[label][5] == str(row["items"])
    real = expected.drop(OTHER_LABEL, errors="ignore")["items"]
    sentence = find(content, "voice-themes-chart-takeaway").children
    assert any(f"{voice.quoted(label)} ({real.max()} items" in sentence for label in real.index[real == real.max()])
    # The stage table covers every stage of the quarter, whatever stage is chosen.
    quarter_items = items[(items.fiscal_year == 2022) & (items.fiscal_quarter == 2)]
    by_stage = quarter_items.groupby(["label", "stage"]).size()
    cells = {r[0]: r for r in table_cells(content, "voice-stages-table")}
    for (label, stage), n in by_stage.items():
        assert cells[label][["start", "process", "end"].index(stage) + 1] == str(n)


def test_negative_share_trend_matches_the_stored_items(loaded):
    items = stored_items(loaded)
    _, _, _, content, *_ = voice_page.update("FY2023Q1", None, None, None, None)
    expected = items.groupby(["fiscal_year", "fiscal_quarter"]).agg(n=("id", "size"), share=("negative", "mean"))
    rows = {r[0]: r for r in table_cells(content, "voice-trend-table")}
    assert len(rows) == len(expected) == 5
    for (year, q), row in expected.iterrows():
        shown = rows[FiscalQuarter(year, q).display]
        assert shown[1] == f"{int(row['n']):,}"
        assert shown[2] == ("Suppressed (n < 30)" if row["n"] < 30 else f"{row['share'] * 100:.1f}%")


def test_comments_are_stored_redacted_text_and_hold_no_personal_details(loaded, catalogue):
    items = stored_items(loaded)
    stored = set(items["text_redacted"])
    themes = sorted(set(items["label"]))
    views = [(q, s, ALL) for q in ("FY2022Q1", "FY2022Q2", "FY2022Q3", "FY2022Q4", "FY2023Q1")
             for s in (ALL, "start", "process", "end")] + [("FY2022Q2", ALL, t) for t in themes]
    shown = 0
    for quarter, stage, theme in views:
        content = voice_page.update(quarter, None, None, stage, theme)[3]
        assert personal_details(flat_text(content)) == []
        comments = find(content, "voice-verbatims")
        if comments is None:
            continue
        assert "removed before the text was stored" in flat_text(find(content, "voice-redaction-note"))
        texts = [li.children[0].children for li in comments.children]
        assert 0 < len(texts) <= voice_page.VERBATIMS and set(texts) <= stored
        q = FiscalQuarter.parse(quarter)
        scope = items[(items.fiscal_year == q.year) & (items.fiscal_quarter == q.quarter)
                      & ((items.stage == stage) if stage != ALL else True)]
        sizes = scope.groupby("label").size().drop(OTHER_LABEL, errors="ignore")
        candidates = [theme] if theme != ALL else list(sizes.index[sizes == sizes.max()])
        title = flat_text(find(content, "voice-verbatims-title"))
        label = next(c for c in candidates if title == f"Example comments on {voice.quoted(c)}")
        assert set(texts) <= set(scope.loc[scope["label"] == label, "text_redacted"])
        shown += 1
    assert shown >= 20
    assert personal_details(COMPLAINTS_CSV.read_text(encoding="utf-8"))  # the check does find them in the raw file


def test_links_reproduce_the_view_and_unknown_values_fall_back(loaded):
    named = sorted(set(stored_items(loaded)["label"]) - {OTHER_LABEL})[1]
    _, _, _, _, query, *_ = voice_page.update("FY2022Q3", "all", "all", "end", named)
    parsed = {k: v[0] for k, v in urllib.parse.parse_qs(query[1:]).items()}
    filters, _, stage, theme = voice_page.resolved_filters(parsed)
    assert (filters.quarter, stage, theme) == ("FY2022Q3", "end", named)
    filters, available, stage, theme = voice_page.resolved_filters({"stage": "nowhere", "theme": "no such theme"})
    assert (stage, theme) == (ALL, ALL) and filters.quarter == available.quarters[0] == "FY2023Q1"
    page = voice_page.layout(parsed)
    assert find(page, "voice-stage").value == "end"
    assert find(page, "voice-theme").value == named


def test_says_so_when_there_is_no_feedback(loaded, tmp_path, catalogue):
    content = voice_page.content_for(scorecard.Filters(quarter="FY2019Q1"))
    assert "No feedback in this scope for FY2019 Q1." in flat_text(content)
    assert find(content, "voice-themes-chart") is None and find(content, "voice-verbatims") is None
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade(empty)
    (tmp_path / "none.yaml").write_text("sources: []\n")
    app = create_app(empty, catalogue, load_sources(tmp_path / "none.yaml"))
    with app.server.app_context():
        assert "No feedback yet" in flat_text(voice_page.layout({}))
    empty.dispose()
