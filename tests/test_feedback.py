"""Feedback (complaints, comments, compliments, survey free text): redaction before storage,
sentiment, themes and indicators, checked against pandas and vaderSentiment run directly on the
raw files. Every person, number and address in the sample files is made up."""
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import select, update
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from cxdash.cli import main
from cxdash.compute import compute
from cxdash.db import feedback_queries, queries
from cxdash.db.engine import make_engine, upgrade
from cxdash.db.models import (
    FeedbackItem,
    FeedbackItemTheme,
    FeedbackTheme,
    LoadRun,
    RejectedRow,
)
from cxdash.indicators import feedback as feedback_indicators
from cxdash.loaders import feedback
from cxdash.metrics import sentiment
from cxdash.metrics.themes import OTHER_LABEL, find_themes, theme_count
from cxdash.redaction import redact

from .conftest import ROOT, SAMPLE, all_text
from .independent import vader_label as independent_label

COMPLAINTS_CSV = SAMPLE / "complaints_SYNTHETIC.csv"
EXPORT2 = ROOT / "tests" / "data" / "complaints_export2_SYNTHETIC.csv"
A11 = SAMPLE / "a11_v2_response_level_SYNTHETIC.csv"
CHANNELS = {"Web form": "website", "Email": "email", "Phone": "phone", "Letter": "postal_mail"}
STAGES = {"Website errors": "start", "Documents": "start", "Wait times": "process", "Payments": "process",
          "Status updates": "process", "Staff helpfulness": "end"}
# The made-up people and addresses the sample generator wrote into the files.
PEOPLE = [("Maria", "Lopez"), ("Darnell", "Whitaker"), ("Jennifer", "Okafor"), ("Kevin", "Marchetti"),
          ("Linda", "Castellanos"), ("Robert", "Kowalczyk"), ("Thi", "Nguyen"), ("Samuel", "Abernathy"),
          ("Rosa", "Delgado"), ("Patrick", "O'Sullivan"), ("Angela", "Fairbanks"), ("Marcus", "Pemberton"),
          ("Yolanda", "Rutherford"), ("Diego", "Ramirez"), ("Hannah", "Lindqvist"), ("Priya", "Raman"),
          ("Terrence", "Holloway"), ("Gloria", "Ventura")]
ADDRESSES = ["1234 Elm Street, Apt 5B, Springfield, IL 62704", "77 W. Oak Ave, Baltimore, MD 21201", "45 Maple Dr",
             "9 Harbor Court, Annapolis, MD 21401", "300 Pine Rd Apt 2", "PO Box 4432, Rockville, MD 20850",
             "1600 Lakeview Blvd, Suite 210", "18 Cedar Lane", "502 N Main St, Dayton, OH 45402", "2210 Willow Way",
             "88 Chestnut Place, Unit 3", "4100 Sunset Boulevard"]
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?:\+1 )?\(?\d{3}\)?[ .-]?555[ .-]?\d{4}")
SSN = re.compile(r"\b\d{3}[- ]\d{2}[- ]\d{4}\b")
VADER = SentimentIntensityAnalyzer()


def vader_label(text: str) -> str:
    scores = VADER.polarity_scores(text)
    return independent_label(scores["pos"], scores["neg"], scores["compound"])


def fiscal(day: pd.Series) -> pd.DataFrame:
    """Fiscal year and quarter of local dates, written out independently of metrics.fiscal."""
    month = day.dt.month
    return pd.DataFrame({"fiscal_year": day.dt.year + (month >= 10), "fiscal_quarter": month.map(
        {10: 1, 11: 1, 12: 1, 1: 2, 2: 2, 3: 2, 4: 3, 5: 3, 6: 3, 7: 4, 8: 4, 9: 4})})


@pytest.fixture(scope="module")
def raw():
    """The sample as pandas reads it, with what a correct load must make of each row."""
    frame = pd.read_csv(COMPLAINTS_CSV, dtype=str, keep_default_na=False)
    frame["line"] = np.arange(len(frame)) + 2  # no quoted line breaks in this file
    local = pd.to_datetime(frame["Date Received"], format="%m/%d/%Y %H:%M", errors="coerce")
    frame = pd.concat([frame, fiscal(local)], axis=1)
    frame["channel"] = frame["Channel"].map(CHANNELS)
    frame["stage"] = frame["Topic"].map(STAGES)
    frame["good"] = local.notna() & frame["channel"].notna() & frame["Comments"].str.strip().ne("")
    return frame


def pii_strings(path) -> list[str]:
    """Every email, phone number and SSN written anywhere in a file, found independently, with
    the made-up names and addresses."""
    body = path.read_text(encoding="utf-8")
    found = set(EMAIL.findall(body)) | set(PHONE.findall(body)) | set(SSN.findall(body))
    assert len(found) > 10  # the file really is full of personal details
    return sorted(found) + ADDRESSES


def assert_no_personal_details(engine, pii: list[str]) -> None:
    stored = all_text(engine)
    blob = "\n".join(stored)
    assert not [p for p in pii if p in blob]
    names = {n for person in PEOPLE for n in person}
    assert not [n for n in names if re.search(rf"\b{re.escape(n)}\b", blob)]
    # Not even partly: no phone's last seven digits or SSN's digits in any stored free text.
    with engine.connect() as conn:
        texts = [t for (t,) in conn.execute(select(FeedbackItem.text_redacted))]
        texts += [r for (r,) in conn.execute(select(RejectedRow.raw))]
    digits = "\n".join(re.sub(r"\D", "", t) for t in texts)
    assert not [p for p in pii if (PHONE.fullmatch(p) or SSN.fullmatch(p)) and re.sub(r"\D", "", p)[-7:] in digits]
    for address in ADDRESSES:
        street = " ".join(address.split(",")[0].split()[1:3])  # e.g. "Elm Street", "W. Oak"
        assert street not in blob, street


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, catalogue):
    """SQLite with the sample loaded and computed (read-only use)."""
    eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('feedback') / 'cxdash.db'}")
    upgrade(eng)
    report = feedback.load(eng, COMPLAINTS_CSV, "example-complaints")
    compute(eng, catalogue)
    yield eng, report
    eng.dispose()


def items(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(select(FeedbackItem)).mappings().all())


def test_loads_on_both_databases_and_stores_no_personal_detail(engine, catalogue, raw):
    report = feedback.load(engine, COMPLAINTS_CSV, "example-complaints")
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (len(raw), raw["good"].sum(), (~raw["good"]).sum())
    compute(engine, catalogue)
    stored = items(engine)
    assert len(stored) == raw["good"].sum()
    assert_no_personal_details(engine, pii_strings(COMPLAINTS_CSV))
    # negative share per quarter and stage, from the stored items by pandas
    frame = queries.indicators(engine)
    share = frame[(frame.indicator == "negative_feedback_share") & (frame.provider == "all")
                  & (frame.channel == "all") & (frame.stage != "all")]
    expected = stored.groupby(["fiscal_year", "fiscal_quarter", "stage"])["sentiment_label"].agg(
        lambda s: (s == "negative").mean())
    got = share.set_index(["fiscal_year", "fiscal_quarter", "stage"])["value"]
    assert len(got) == len(expected) > 0
    assert np.allclose(got.sort_index().to_numpy(), expected.sort_index().to_numpy())
    assert feedback.load(engine, COMPLAINTS_CSV, "example-complaints").status == "unchanged"


def test_rejections_name_line_column_and_reason_and_hold_only_redacted_text(loaded, raw):
    _, report = loaded
    bad = raw[~raw["good"]]
    found = {(r.line, r.field): r for r in report.rejections}
    assert {line for line, _ in found} == set(bad["line"])
    assert "cannot read '31/13/2022 25:61'" in found[(101, "Date Received")].reason
    assert "'Carrier pigeon' is not in the mapping's values" in found[(201, "Channel")].reason
    assert found[(301, "Comments")].reason == "no text"
    dated = found[(101, "Date Received")].raw
    assert dated["Comments"] == "My SSN is [SSN] and my name is [name]. The form crashed."
    assert set(dated) == {"Complaint ID", "Date Received", "Channel", "Topic", "Type", "Comments"}  # mapped only


def test_the_sample_loads_with_the_right_cells_and_quarters(loaded, raw):
    engine, report = loaded
    stored = items(engine).set_index("item_key").sort_index()
    good = raw[raw["good"]].set_index("Complaint ID").sort_index()
    assert list(stored.index) == list(good.index)
    assert (stored["channel"] == good["channel"]).all() and (stored["stage"] == good["stage"]).all()
    assert (stored["kind"] == good["Type"].str.lower()).all()
    assert (stored["fiscal_year"] == good["fiscal_year"]).all() and (stored["fiscal_quarter"] == good["fiscal_quarter"]).all()
    # 31 Dec 2021, 22:30 in New York is 1 Jan 2022 in UTC: the local date keeps it in FY2022 Q1
    late = stored.loc[good.index[good["Date Received"].str.startswith("12/31/2021 22:")]]
    assert len(late) == 2 and (late["fiscal_quarter"] == 1).all()
    assert set(stored["provider"]) == {"Synthetic example provider"}
    assert report.data_as_of == pd.to_datetime(good["Date Received"], format="%m/%d/%Y %H:%M").max().date()
    assert (stored["redactions"] > 0).sum() > len(stored) / 2


def test_sentiment_is_vader_on_the_redacted_text(loaded, raw):
    engine, _ = loaded
    stored = items(engine).set_index("item_key").sort_index()
    good = raw[raw["good"]].set_index("Complaint ID").sort_index()
    assert list(stored["text_redacted"]) == [redact(t).text.strip() for t in good["Comments"]]
    compound = stored["text_redacted"].map(lambda t: VADER.polarity_scores(t)["compound"])
    assert np.allclose(stored["sentiment"], compound)
    assert list(stored["sentiment_label"]) == [vader_label(t) for t in stored["text_redacted"]]
    means = stored.groupby("kind")["sentiment"].mean()
    assert means["complaint"] < 0 < means["compliment"]


@pytest.mark.parametrize("indicator", ["feedback_volume", "negative_feedback_share", "mean_sentiment"])
def test_indicators_match_pandas_on_every_level(loaded, indicator):
    engine, _ = loaded
    stored = items(engine)
    frame = queries.indicators(engine)
    mine = frame[frame.indicator == indicator]
    assert set(mine["unit"]) == {{"feedback_volume": "items", "negative_feedback_share": "percent",
                                  "mean_sentiment": "score"}[indicator]}
    value = {"feedback_volume": lambda g: len(g), "negative_feedback_share": lambda g: (g["sentiment_label"] == "negative").mean(),
             "mean_sentiment": lambda g: g["sentiment"].mean()}[indicator]
    for keys in (["channel"], ["stage"], ["channel", "stage"], ["provider", "service", "channel", "stage"], []):
        expected = {k if isinstance(k, tuple) else (k,): (value(g), len(g))
                    for k, g in stored.groupby(["fiscal_year", "fiscal_quarter", *keys])}
        rolled = [c for c in ("provider", "service", "channel", "stage") if c not in keys]
        level = mine[np.logical_and.reduce([mine[c] == "all" for c in rolled] + [mine[c] != "all" for c in keys])]
        got = {tuple(r[["fiscal_year", "fiscal_quarter", *keys]]): (r["value"], r["n"]) for _, r in level.iterrows()}
        assert got.keys() == expected.keys()
        for key, (v, n) in expected.items():
            assert got[key][1] == n and got[key][0] == pytest.approx(v)


def test_themes_cover_every_item_once_and_are_stable(loaded, catalogue):
    engine, _ = loaded
    with engine.connect() as conn:
        themes = feedback_queries.themes(conn)
        links = feedback_queries.item_themes(conn)
    stored = items(engine)
    assert 2 <= len(themes) <= 7
    assert themes["label"].str.strip().ne("").all()
    assert sorted(links["feedback_item_id"]) == sorted(stored["id"])  # exactly one theme each
    assert set(links["theme_id"]) == set(themes["id"])
    # the themes follow the topics the sample was written about (most items of a theme share one topic)
    topic = stored.set_index("id")["item_key"].map(pd.read_csv(COMPLAINTS_CSV, dtype=str).set_index("Complaint ID")["Topic"])
    joined = links.assign(topic=links["feedback_item_id"].map(topic))
    purity = joined.groupby("theme_id")["topic"].agg(lambda s: s.value_counts().iloc[0]).sum() / len(joined)
    assert purity > 0.8
    # computing again finds the same themes for the same items
    feedback_indicators.recompute_themes(engine, pd.Timestamp.now(tz="UTC").to_pydatetime())
    with engine.connect() as conn:
        again = feedback_queries.themes(conn)
        relinked = feedback_queries.item_themes(conn)
    assert list(again["label"]) == list(themes["label"])
    label_of = dict(zip(themes["id"], themes["label"]))
    label_again = dict(zip(again["id"], again["label"]))
    assert (links["theme_id"].map(label_of).to_numpy() == relinked["theme_id"].map(label_again).to_numpy()).all()


def test_top_themes_and_verbatims_match_pandas(loaded):
    engine, _ = loaded
    stored = items(engine)
    with engine.connect() as conn:
        themes = feedback_queries.themes(conn)
        links = feedback_queries.item_themes(conn)
        joined = stored.merge(links, left_on="id", right_on="feedback_item_id")
        scope = joined[(joined.fiscal_year == 2022) & (joined.fiscal_quarter == 2) & (joined.stage == "process")]
        top = feedback_indicators.top_themes(conn, 2022, 2, stage="process", limit=None)
        expected = scope.groupby("theme_id").agg(items=("id", "size"),
                                                 negative=("sentiment_label", lambda s: (s == "negative").sum()))
        got = top.set_index("theme_id")
        assert got["items"].to_dict() == expected["items"].to_dict()
        assert np.allclose(got["negative_share"], (expected["negative"] / expected["items"]).loc[got.index])
        assert list(got["items"]) == sorted(got["items"], reverse=True)
        assert set(got["label"]) <= set(themes["label"])
        by_stage = feedback_indicators.top_themes_by_stage(conn, None, None, per_stage=2)
        counts = joined.groupby(["stage", "theme_id"]).size()
        for stage, part in by_stage.groupby("stage"):
            assert list(part["items"]) == sorted(counts[stage], reverse=True)[:2]
        theme = int(got.index[0])
        texts = feedback_indicators.verbatims(conn, theme, "process", limit=3, fiscal_year=2022, fiscal_quarter=2)
    ranked = scope[scope.theme_id == theme].sort_values(["weight", "id"], ascending=[False, True])
    assert texts == list(dict.fromkeys(ranked["text_redacted"]))[:3]
    assert all("@" not in t for t in texts)


def test_a_changed_file_replaces_items_by_key(engine, tmp_path, raw):
    small = raw[raw["good"]].head(20)
    path = tmp_path / "small.csv"
    small.drop(columns=["line", "fiscal_year", "fiscal_quarter", "channel", "stage", "good"]).to_csv(path, index=False)
    feedback.load(engine, path, "example-complaints")
    changed = small.copy()
    changed.iloc[0, changed.columns.get_loc("Comments")] = "Now it works, thank you. Call Maria Lopez at 410-555-0100."
    changed.drop(columns=["line", "fiscal_year", "fiscal_quarter", "channel", "stage", "good"]).to_csv(path, index=False)
    report = feedback.load(engine, path, "example-complaints")
    assert report.status == "succeeded"
    stored = items(engine)
    assert len(stored) == 20 and stored["item_key"].is_unique
    first = stored.set_index("item_key").loc[small["Complaint ID"].iloc[0]]
    assert first["text_redacted"] == "Now it works, thank you. Call [name] at [phone]."
    assert first["redactions"] == 2 and first["sentiment_label"] == "positive"


def test_a_second_export_loads_through_its_mapping_only(sqlite_engine, catalogue):
    report = feedback.load(sqlite_engine, EXPORT2, "example-complaints-export2")
    src = pd.read_csv(EXPORT2, dtype=str)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (len(src), len(src), 0)
    local = pd.to_datetime(src["received"], format="%d %b %Y %H:%M").dt.tz_localize("UTC").dt.tz_convert("America/New_York")
    expected = pd.concat([src["ref"], fiscal(local.dt.tz_localize(None))], axis=1).set_index("ref").sort_index()
    stored = items(sqlite_engine).set_index("item_key").sort_index()
    assert (stored[["fiscal_year", "fiscal_quarter"]] == expected).all().all()
    assert stored.loc["X2-0005", "fiscal_year"] == 2022 and stored.loc["X2-0005", "fiscal_quarter"] == 4
    via = {"online": "website", "e-mail": "email", "telephone": "phone", "post": "postal_mail", "walk-in": "in_person"}
    assert (stored["channel"] == src.set_index("ref").sort_index()["via"].map(via)).all()
    assert set(stored["kind"]) <= {"complaint", "comment", "compliment"}
    assert_no_personal_details(sqlite_engine, pii_strings(EXPORT2))


def test_the_a11_free_text_mapping_loads_the_format_example(sqlite_engine):
    report = feedback.load(sqlite_engine, A11, "touchpoints-form-a11-free-text")
    src = pd.read_csv(A11, dtype=str, keep_default_na=False)
    texts = src[src["FreeText"].str.strip().ne("")]
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (len(src), len(src), 0)
    stored = items(sqlite_engine).set_index("item_key").sort_index()
    assert list(stored.index) == sorted(texts["ID"])
    assert set(stored["kind"]) == {"survey free text"} and set(stored["channel"]) == {"computer"}
    assert set(stored["stage"]) == {"end"}
    local = pd.to_datetime(texts.set_index("ID").sort_index()["CreatedAt"], utc=True).dt.tz_convert("America/New_York")
    expected = fiscal(local.dt.tz_localize(None).reset_index(drop=True))
    assert (stored["fiscal_year"].to_numpy() == expected["fiscal_year"].to_numpy()).all()
    assert (stored["fiscal_quarter"].to_numpy() == expected["fiscal_quarter"].to_numpy()).all()
    # nothing in this file is personal: the comments are stored as written (trimmed)
    assert list(stored["text_redacted"]) == list(texts.set_index("ID").sort_index()["FreeText"].str.strip())


def test_cli_load_feedback(tmp_path, raw):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--db", url]).exit_code == 0
    out = runner.invoke(main, ["load", "feedback", str(COMPLAINTS_CSV), "--mapping", "example-complaints", "--db", url])
    assert out.exit_code == 0, out.output
    good = raw[raw["good"]]
    assert f"{len(good)} rows loaded, {len(raw) - len(good)} rejected of {len(raw)} read" in out.output
    listed = runner.invoke(main, ["indicators", "--format", "csv", "--quarter", "FY2022Q2", "--db", url])
    n = int(((good["fiscal_year"] == 2022) & (good["fiscal_quarter"] == 2)).sum())
    assert f"feedback_volume,2022,2,all,all,all,all,{n},{n},items" in listed.output.splitlines()
    with make_engine(url).connect() as conn:
        assert conn.execute(select(FeedbackTheme.id)).first() is not None


# --- themes: the pure function --------------------------------------------------------------

def test_theme_count_grows_with_the_corpus():
    assert [theme_count(n) for n in (0, 1, 9, 10, 40, 90, 250, 360, 5000)] == [0, 1, 1, 2, 2, 3, 5, 6, 6]
    assert theme_count(5000, max_themes=10) == 10


def test_tiny_corpora_get_one_theme_or_none():
    none = find_themes(pd.DataFrame({"id": [], "text": []}))
    assert none.themes.empty and none.assignments.empty
    few = find_themes(pd.DataFrame({"id": [3, 1, 2], "text": ["slow website", "website down", "ok [name]"]}))
    terms = few.themes["terms"].iloc[0].split(", ")
    assert len(few.themes) == 1 and len(terms) == 3 and "website" in terms and "name" not in terms
    assert few.themes["label"].iloc[0] == "Website"  # no phrase in two comments: the top term names it
    assert sorted(few.assignments["id"]) == [1, 2, 3] and set(few.assignments["theme"]) == {0}
    words = find_themes(pd.DataFrame({"id": [1, 2], "text": ["[name] [phone]", "the and of"]}))
    assert list(words.themes["label"]) == [OTHER_LABEL] and set(words.assignments["theme"]) == {0}


def test_themes_do_not_depend_on_row_order_and_ignore_placeholders():
    rng = np.random.default_rng(5)
    topics = [["refund", "payment", "charged", "card"], ["website", "login", "error", "crash"],
              ["wait", "hours", "hold", "line"]]
    rows = [{"id": i, "text": " ".join(rng.choice(topics[i % 3], 3)) + " [name] [email] 555"} for i in range(90)]
    frame = pd.DataFrame(rows)
    a = find_themes(frame)
    b = find_themes(frame.sample(frac=1, random_state=1))
    assert a.themes.equals(b.themes)
    assert a.assignments.sort_values("id").reset_index(drop=True).equals(b.assignments.sort_values("id").reset_index(drop=True))
    terms = ", ".join(a.themes["terms"])
    assert "name" not in terms and "email" not in terms
    # items written about one topic land in one theme
    by_topic = a.assignments.assign(topic=a.assignments["id"] % 3).groupby("topic")["theme"].nunique()
    assert (by_topic == 1).all() and a.assignments["theme"].nunique() == 3


def test_mapping_parameters_include_the_redaction_version(sqlite_engine):
    feedback.load(sqlite_engine, EXPORT2, "example-complaints-export2")
    with sqlite_engine.begin() as conn:
        params = json.loads(conn.execute(select(LoadRun.parameters)).scalar())
        assert "redaction" in params and params["mapping"]["name"] == "example-complaints-export2"
        # a load under other redaction rules is not 'unchanged'
        conn.execute(update(LoadRun).values(parameters=json.dumps({**params, "redaction": "0"}, sort_keys=True)))
    assert feedback.load(sqlite_engine, EXPORT2, "example-complaints-export2").status == "succeeded"
    assert feedback.load(sqlite_engine, EXPORT2, "example-complaints-export2").status == "unchanged"


def test_theme_tables_are_replaced_not_added_to(loaded):
    engine, _ = loaded
    with engine.connect() as conn:
        before = conn.execute(select(FeedbackItemTheme.feedback_item_id)).all()
    feedback_indicators.recompute_themes(engine, pd.Timestamp.now(tz="UTC").to_pydatetime())
    with engine.connect() as conn:
        assert len(conn.execute(select(FeedbackItemTheme.feedback_item_id)).all()) == len(before)


def _four_column_mapping(folder, name: str):
    """A feedback mapping of id, text, when (received) and topic (stage), written to ``folder``."""
    mapping = folder / f"{name}.yaml"
    mapping.write_text(
        f"name: {name}\nkind: feedback\nitem_key: id\ntext: text\n"
        "received_at: {column: when, date_format: '%Y-%m-%d %H:%M'}\n"
        "provider: {value: P}\nservice: {value: S}\nchannel: {value: email}\nstage: {column: topic}\n",
        encoding="utf-8")
    return mapping


def test_a_shifted_row_is_rejected_with_every_value_redacted(sqlite_engine, tmp_path):
    mapping = _four_column_mapping(tmp_path, "shifted")
    path = tmp_path / "shifted.csv"
    path.write_text("id,text,when,topic\n"
                    "1,The form crashed,2022-01-05 10:00,start\n"
                    "2,My name is Maria Lopez, call 410-555-0100,2022-01-05 10:00,start\n", encoding="utf-8")
    report = feedback.load(sqlite_engine, path, mapping)
    assert (report.rows_loaded, report.rows_rejected) == (1, 1)
    rejected = report.rejections[0]
    assert (rejected.line, rejected.field) == (3, "(row)")
    assert rejected.raw == {"id": "2", "text": "My name is [name]", "when": " call [phone]", "topic": "2022-01-05 10:00"}
    assert_no_personal_details(sqlite_engine, ["410-555-0100", "Maria Lopez"])


def test_a_comment_spilling_into_the_next_cell_is_redacted_in_the_reason_that_quotes_it(sqlite_engine, tmp_path):
    """An unquoted comma and a missing last value: the row has the right width, the comment's
    second half is read as the time, and the reason quotes it. Stored, the reason and that cell are
    redacted; the reason still says what was wrong."""
    mapping = _four_column_mapping(tmp_path, "spilled")
    path = tmp_path / "spilled.csv"
    path.write_text("id,text,when,topic\n"
                    "1,The form crashed,2022-01-05 10:00,start\n"
                    "2,My name is Maria Lopez, call 410-555-0100,2022-01-05 10:00\n", encoding="utf-8")
    report = feedback.load(sqlite_engine, path, mapping)
    assert (report.rows_loaded, report.rows_rejected) == (1, 1)
    rejected = report.rejections[0]
    assert (rejected.line, rejected.field) == (3, "when")
    assert rejected.reason == "cannot read 'call [phone]' as date format '%Y-%m-%d %H:%M'"
    assert rejected.raw == {"id": "2", "text": "My name is [name]", "when": " call [phone]", "topic": "2022-01-05 10:00"}
    assert_no_personal_details(sqlite_engine, ["410-555-0100", "Maria Lopez"])


def test_no_personal_detail_reaches_the_page(loaded, catalogue):
    """The journey page shows representative comments of every theme and stage: render it for
    every quarter of the sample and look for any personal detail of the file in the output."""
    from cxdash.dashboard.app import create_app
    from cxdash.dashboard.sign_in import SIGN_IN_OFF
    from cxdash.dashboard.views import journey_page
    from cxdash.presentation import scorecard
    engine, _ = loaded
    app = create_app(engine, catalogue, sign_in=SIGN_IN_OFF)
    pii = pii_strings(COMPLAINTS_CSV)
    names = {n for person in PEOPLE for n in person}
    shown = []
    with app.server.test_request_context("/journey"):
        for label in ("FY2022Q1", "FY2022Q2", "FY2022Q3", "FY2022Q4", "FY2023Q1"):
            filters = scorecard.Filters(label, "Synthetic example provider", "Example web contact form (synthetic)")
            shown.append(str(journey_page.content_for(filters)))
    page = "\n".join(shown)
    assert "journey-themes-table" in page and "[name]" in page  # comments are shown, redacted
    assert not [p for p in pii if p in page]
    assert not [n for n in names if re.search(rf"\b{re.escape(n)}\b", page)]


# --- sentiment: a mixed or weak text is unclear, a clear one comes with its strength ----------------

@pytest.mark.parametrize("text,expected", [
    # Courtesy around a complaint: VADER's compound is positive (+0.18), but the words are mixed.
    ("Thanks, [name] I have no idea what the status of my application is. Nobody updates me.", "neutral"),
    ("I have no idea what the status of my application is. Nobody updates me.", "negative"),
    ("Thanks, Darnell The staff member was rude and would not answer my questions.", "neutral"),
    ("The staff were kind, friendly and answered every question.", "positive"),
    ("The wait was about 4 minutes, which is normal I guess.", "neutral"),  # compound 0
    ("The payment page rejected my card three times.", "negative"),
])
def test_mixed_or_weak_sentences_are_unclear(text, expected):
    compound, label = sentiment.score(text)
    scores = VADER.polarity_scores(text)
    assert compound == pytest.approx(scores["compound"])
    assert label == expected == independent_label(scores["pos"], scores["neg"], scores["compound"])
    assert not (label == "positive" and "Nobody updates me" in text)


def test_a_comment_shows_its_sentiment_with_its_strength():
    from cxdash.dashboard.views.voice import sentiment_words
    strong = "Worst experience. Very frustrating."
    compound, label = sentiment.score(strong)
    assert compound <= -0.5 and sentiment_words(compound, label) == f"Negative (strong, score \u2212{abs(compound):.2f})"
    mild = "I have no idea what the status of my application is. Nobody updates me."
    compound, label = sentiment.score(mild)
    assert -0.5 < compound <= -0.05 and sentiment_words(compound, label).startswith("Negative (mild, score \u2212")
    mixed = "Thanks, [name] I have no idea what the status of my application is. Nobody updates me."
    assert sentiment_words(*sentiment.score(mixed)) == "Mixed / unclear"
