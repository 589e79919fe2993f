"""The redaction on its labelled evaluation set (tests/data/redaction, synthetic, written for this
project): recall over the whole set, the set through the real feedback load path (no labelled detail
reaches the database, on SQLite and PostgreSQL) and onto the Customer voice page, and stored text
of older redaction rules redacted again by compute."""
from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import json
import re
import runpy
from pathlib import Path

from sqlalchemy import text as sql

from cxdash import redaction
from cxdash.channels import ALL
from cxdash.compute import compute
from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.dashboard.views import voice_page
from cxdash.loaders import feedback

from .conftest import ROOT, all_text, configured_sources
from .test_voice_view import flat_text

SET = ROOT / "tests" / "data" / "redaction"
ROWS = [json.loads(line) for line in (SET / "evaluation.jsonl").read_text(encoding="utf-8").splitlines()]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_redaction", ROOT / "bench" / "bench_redaction.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_jsonl_is_built_from_the_marked_up_source_and_is_large_enough():
    built = runpy.run_path(str(SET / "make_jsonl.py"))["records"]()
    assert built == ROWS
    assert len(ROWS) >= 200 and sum(len(r["details"]) for r in ROWS) >= 200
    for row in ROWS:
        for d in row["details"]:
            assert row["text"][d["start"]:d["end"]] == d["detail"] and d["detail"] == d["detail"].strip()
    assert {"dev", "heldout", "fresh"} <= {r["split"] for r in ROWS}


def test_recall_is_at_least_99_percent_and_look_alikes_survive():
    bench = _bench()
    result = bench.score(ROWS, redaction.find)
    labelled, removed = sum(result["labelled"].values()), sum(result["removed"].values())
    assert removed / labelled >= 0.99, result["misses"]
    for category in bench.CATEGORIES:
        assert result["labelled"][category] > 0
    # the sentence survives: texts with no personal detail come back unchanged, nearly all of them
    clean = [r["text"] for r in ROWS if not r["details"]]
    unchanged = sum(redaction.redact(t).text == t for t in clean)
    assert len(clean) >= 50 and unchanged / len(clean) >= 0.95
    assert result["outside_removed"] / result["outside_chars"] <= 0.02


def _complaints_csv(path: Path) -> Path:
    """The evaluation texts as a complaints export (the shipped example-complaints mapping)."""
    channels, topics = ["Web form", "Email", "Phone", "Letter"], ["Website errors", "Wait times", "Staff helpfulness"]
    kinds = ["Complaint", "Comment", "Compliment"]
    start = dt.datetime(2023, 10, 2, 9, 0)
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["Complaint ID", "Date Received", "Channel", "Topic", "Type", "Customer Name", "Customer Email",
                      "Customer Phone", "Comments"])
        for i, row in enumerate(ROWS):
            when = start + dt.timedelta(days=i % 150, minutes=i)
            out.writerow([f"EVAL-{row['id']}", when.strftime("%m/%d/%Y %H:%M"), channels[i % 4], topics[i % 3],
                          kinds[i % 3], "", "", "", row["text"]])
    return path


def _word_in(word: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE) is not None


# The set's text outside its labels: a name part that is also written there as an ordinary word or
# a place ("the Jackson office") may rightly survive.
UNLABELLED = "\n".join("".join(c for i, c in enumerate(r["text"])
                                if not any(d["start"] <= i < d["end"] for d in r["details"])) for r in ROWS)


def _leaks(texts: list[str], categories: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """Labelled details (of the categories given) found in any of the texts: the whole detail, and
    for names each part of three letters or more as a whole word, in any case (unless the set also
    uses that word outside a name)."""
    joined = "\n".join(texts)
    found = []
    for row in ROWS:
        for d in row["details"]:
            if categories and d["category"] not in categories:
                continue
            if d["detail"] in joined:
                found.append((d["category"], d["detail"]))
            if d["category"] == "name":
                for part in re.split(r"[\s\-']+", d["detail"]):
                    if len(part) >= 3 and _word_in(part, joined) and not _word_in(part, UNLABELLED):
                        found.append(("name part", part))
    return found


def test_no_labelled_detail_reaches_the_database_through_the_feedback_loader(engine, tmp_path):
    path = _complaints_csv(tmp_path / "evaluation_complaints.csv")
    report = feedback.load(engine, path, "example-complaints")
    assert report.rows_loaded == len(ROWS) and report.rows_rejected == 0
    stored = all_text(engine)
    assert len(stored) > len(ROWS)
    assert _leaks(stored) == []
    with engine.connect() as conn:
        versions = {v for (v,) in conn.execute(sql("SELECT DISTINCT redaction_version FROM feedback_item"))}
    assert versions == {redaction.VERSION}


def test_no_labelled_name_reaches_the_customer_voice_page(tmp_path, catalogue):
    path = _complaints_csv(tmp_path / "evaluation_complaints.csv")
    engine, sources = configured_sources(tmp_path, catalogue, [
        {"name": "evaluation-complaints", "kind": "feedback", "mapping": "example-complaints", "cadence": "weekly",
         "location": {"files": str(path)}}])
    with engine.connect() as conn:
        themes = [label for (label,) in conn.execute(sql("SELECT DISTINCT label FROM feedback_theme"))]
    assert themes
    app = create_app(engine, catalogue, sources, sign_in=SIGN_IN_OFF)
    shown = []
    with app.server.app_context():
        for quarter in ("FY2024Q1", "FY2024Q2"):
            for stage in (ALL, "start", "process", "end"):
                for theme in [ALL, *themes]:
                    shown.append(flat_text(voice_page.update(quarter, None, None, stage, theme)[3]))
    engine.dispose()
    assert any("[name]" in page for page in shown)  # the comments are on the page, redacted
    assert _leaks(shown, ("name",)) == []


def test_text_stored_under_older_rules_is_redacted_again_by_compute(engine, tmp_path, catalogue):
    path = tmp_path / "three.csv"
    path.write_text("Complaint ID,Date Received,Channel,Topic,Type,Customer Name,Customer Email,Customer Phone,Comments\n"
                    "A,10/02/2023 09:00,Email,Wait times,Complaint,,,,The wait was long.\n"
                    "B,10/03/2023 09:00,Email,Wait times,Complaint,,,,The wait was longer.\n"
                    "C,10/04/2023 09:00,Email,Wait times,Complaint,,,,The wait was longest.\n", encoding="utf-8")
    assert feedback.load(engine, path, "example-complaints").rows_loaded == 3
    # What version 1 stored for texts it missed (issue 17), and a row from before versions were recorded.
    old = {"A": ("i am bob kowalski and my refund is late", "1"), "B": ("Call me at 555-0142 please", None),
           "C": ("Spoke to Delacroix today", redaction.VERSION)}  # C: current rules, left alone
    with engine.begin() as conn:
        for key, (text, version) in old.items():
            conn.execute(sql("UPDATE feedback_item SET text_redacted = :t, redaction_version = :v, redactions = 0 "
                             "WHERE item_key = :k"), {"t": text, "v": version, "k": key})
    compute(engine, catalogue)
    with engine.connect() as conn:
        rows = {k: (t, n, v) for k, t, n, v in conn.execute(sql(
            "SELECT item_key, text_redacted, redactions, redaction_version FROM feedback_item"))}
    assert rows["A"] == ("i am [name] and my refund is late", 1, redaction.VERSION)
    assert rows["B"] == ("Call me at [phone] please", 1, redaction.VERSION)
    assert rows["C"] == ("Spoke to Delacroix today", 0, redaction.VERSION)


def test_what_is_redacted_depends_on_the_shipped_word_lists_not_on_faker():
    """The word lists ship with cxdash (cxdash/wordlists): Faker is neither imported nor needed."""
    import subprocess
    import sys
    script = ("import sys; from cxdash.redaction import redact, lexicon; "
              "print(redact('i am bob kowalski, call 555-0142').text); "
              "print(len(lexicon().first) > 20000, any(m.split('.')[0] == 'faker' for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines() == ["i am [name], call [phone]", "True False"]


def test_real_boston_addresses_are_removed_and_real_case_titles_survive():
    """Real text: the locations and case titles of the shipped Boston 311 sample (public data). Every
    location with a house number, put in a sentence, is removed whole (at most 1% may not be); the
    city's case titles, which name no one, nearly all come back unchanged."""
    import pandas as pd

    from .conftest import SAMPLE
    sample = pd.read_csv(SAMPLE / "boston_311_sample.csv", dtype=str, keep_default_na=False)
    locations = sorted({loc for loc in sample["location"] if loc[:1].isdigit()})
    kept = []
    for location in locations:
        text = f"The problem is at {location} and nobody came."
        start = text.index(location)
        covered = {i for s, e, _ in redaction.find(text) for i in range(s, e)}
        if not all(i in covered for i in range(start, start + len(location)) if not text[i].isspace()):
            kept.append(location)
        assert redaction.redact(text).text.endswith(" and nobody came.")
    assert len(locations) > 2000 and len(kept) <= 0.01 * len(locations), kept
    titles = sorted(set(sample["case_title"]) - {""})
    changed = [t for t in titles if redaction.redact(t).text != t]
    assert len(titles) > 20 and len(changed) <= 0.1 * len(titles), changed
