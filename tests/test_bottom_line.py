"""The bottom line up front (issue 16): every measure in one table, worst first, with its gap to
target, change verdict, owner and the review's why / what next, and one sentence saying what
changed; the same rows on the scorecard and on slide 2 of the review deck. Numbers are checked
against an independent reading of the stored measure results and the catalogue's targets."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from pptx import Presentation

from cxdash.db import queries
from cxdash.exports.review_deck import build_deck
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation import bottom_line, scorecard
from cxdash.review.assemble import assemble

from .independent import two_proportion_p

Q = FiscalQuarter(2023, 1)
ORDER = ["off_track", "at_risk", "on_track", "no_target", "no_data"]


def expected(engine, catalogue, quarter: FiscalQuarter = Q) -> dict[str, dict]:
    """Per measure, from the stored results alone (value, n): status judged here against the
    catalogue's fiscal-year target and at-risk threshold, the gap in points, and whether the change
    from the previous quarter is clear (z test p < alpha AND at least the practical threshold)."""
    frame = queries.measure_results(engine)
    out = {}
    for m in catalogue.measures:
        mine = frame[frame.measure_id == m.id]
        now = mine[(mine.fiscal_year == quarter.year) & (mine.fiscal_quarter == quarter.quarter)]
        before = mine[(mine.fiscal_year == quarter.previous().year) & (mine.fiscal_quarter == quarter.previous().quarter)]
        value = None if now.empty or now.iloc[0].value is None or now.iloc[0].value != now.iloc[0].value \
            else float(now.iloc[0].value)
        target = m.targets.get(f"FY{quarter.year}")
        entry = {"name": m.name, "owner": m.owner, "value": value, "target": target}
        if value is None:
            entry["status"] = "no_data"
        elif target is None:
            entry["status"] = "no_target"
        else:
            short = (target - value) if m.direction == "higher" else (value - target)
            entry["status"] = ("on_track" if short <= 1e-12 else
                               "at_risk" if short <= m.thresholds.at_risk_within + 1e-12 else "off_track")
            entry["short"] = short
            entry["gap_points"] = f"{abs(value - target) * (100 if m.unit == 'percent' else 1):.{1 if m.unit == 'percent' else 2}f}"
        if value is not None and not before.empty and m.unit == "percent":
            n1, n0, v0 = int(now.iloc[0].n), int(before.iloc[0].n), float(before.iloc[0].value)
            p = two_proportion_p(round(value * n1), n1, round(v0 * n0), n0)
            threshold = m.practical_change or 0.01
            entry["clear"] = bool(p < catalogue.settings.alpha and abs(value - v0) >= threshold)
            entry["change"] = value - v0
        out[m.id] = entry
    return out


def _cards(engine, catalogue, quarter=Q):
    results = queries.measure_results(engine)
    return scorecard.all_cards(scorecard.build_cards(catalogue, results, scorecard.Filters(quarter.label),
                                                     dt.date(2022, 12, 31)))


def test_rows_are_sorted_worst_first_with_gaps_from_the_stored_results(computed_sqlite, catalogue):
    truth = expected(computed_sqlite, catalogue)
    rows = bottom_line.rows(_cards(computed_sqlite, catalogue))
    assert len(rows) == len(catalogue.measures)
    statuses = [r["status"] for r in rows]
    assert statuses == sorted(statuses, key=ORDER.index)
    assert statuses == [truth[r["measure_id"]]["status"] for r in rows]
    off = [r for r in rows if r["status"] == "off_track"]
    assert len(off) >= 2  # the sample has several measures off track
    shortfalls = [truth[r["measure_id"]]["short"] for r in off]
    assert shortfalls == sorted(shortfalls, reverse=True)  # the largest gap first
    for row in rows:
        want = truth[row["measure_id"]]
        assert row["owner"] == want["owner"] and row["name"] == want["name"]
        if "gap_points" in want:
            side = "below" if want["value"] < want["target"] else "above"
            assert row["gap_text"] in (f"{want['gap_points']} points {side}", "At target")
        if "clear" in want:
            assert row["change_text"].endswith("clear change" if want["clear"] else "within normal variation")
            assert "p =" not in row["change_text"] and "p <" not in row["change_text"]


def test_a_large_sample_significant_move_below_the_threshold_is_normal_variation(computed_sqlite, catalogue):
    """VHA: +0.3 points on n = 485,157 is significant (p < 0.001) but below 1 point."""
    truth = expected(computed_sqlite, catalogue)["vha-outpatient-trust"]
    assert abs(truth["change"]) < 0.01 and truth["clear"] is False
    card = next(c for c in _cards(computed_sqlite, catalogue) if c["measure_id"] == "vha-outpatient-trust")
    assert card["significant"] is True and card["change_clear"] is False
    assert card["change_summary"].endswith("since FY2022 Q4: within normal variation")


def test_a_measure_without_this_quarters_figure_shows_its_last_known_value_and_when_the_next_is_due(
        computed_sqlite, catalogue):
    frame = queries.measure_results(computed_sqlite)
    cards = _cards(computed_sqlite, catalogue)
    missing = [c for c in cards if c["value"] is None and not c["suppressed"]]
    assert missing, "the sample has measures without a FY2023 Q1 figure"
    for card in missing:
        mine = frame[(frame.measure_id == card["measure_id"]) & frame.value.notna() & ~frame.suppressed.astype(bool)]
        mine = mine[[FiscalQuarter(y, q) < Q for y, q in zip(mine.fiscal_year, mine.fiscal_quarter)]]
        last = mine.sort_values(["fiscal_year", "fiscal_quarter"]).iloc[-1]
        row = next(r for r in bottom_line.rows(cards) if r["measure_id"] == card["measure_id"])
        label = FiscalQuarter(int(last.fiscal_year), int(last.fiscal_quarter)).display
        assert f"last {last.value * 100:.1f}% ({label})" in row["value_text"]
        assert "next due 15 May 2023" in row["value_text"]  # 31 Mar 2023 + 45 days
        assert row["gap_text"].endswith("(last known)")


def test_the_sentence_names_every_off_track_measure_with_its_gap_and_the_status_moves():
    def card(mid, status, value, target, prev):
        return {"measure_id": mid, "name": mid.upper(), "unit": "percent", "direction": "higher", "value": value,
                "target": target, "status": status, "prev_status": prev}
    cards = [card("x", "off_track", 0.738, 0.80, "at_risk"), card("y", "off_track", 0.60, 0.70, "off_track"),
             card("z", "on_track", 0.9, 0.85, "on_track"), card("w", "at_risk", 0.84, 0.85, "on_track")]
    text = bottom_line.sentence(cards, "FY2023 Q1", "FY2022 Q4")
    assert text == ("Of 4 measures in FY2023 Q1, 2 are off track: Y (10.0 points below target) and X (6.2 points "
                    "below target); 1 at risk and 1 on track. Since FY2022 Q4, 1 moved from at risk to off track "
                    "and 1 from on track to at risk.")
    calm = [card("z", "on_track", 0.9, 0.85, "on_track")]
    assert bottom_line.sentence(calm, "FY2023 Q1", "FY2022 Q4") == (
        "Of 1 measure in FY2023 Q1, none is off track; 1 on track. No measure changed status since FY2022 Q4.")


def test_commentary_line_is_one_line_of_why_and_what_next():
    note = {"what_happened": "Trust fell.", "why": "Longer waits after the outage. Staff were moved.",
            "what_next": "Add call-back staff by March. Review in April."}
    assert bottom_line.commentary_line(note) == "Why: Longer waits after the outage. Next: Add call-back staff by March."
    assert bottom_line.commentary_line({"what_happened": "Trust fell."}) == "Trust fell."
    assert bottom_line.commentary_line(None) == ""


def test_slide_2_names_every_off_track_measure_with_its_gap_and_owner(computed_sqlite, catalogue):
    truth = expected(computed_sqlite, catalogue)
    contents = assemble(computed_sqlite, catalogue, Q, now=dt.datetime(2023, 1, 20, tzinfo=dt.UTC))
    prs = Presentation(io.BytesIO(build_deck(contents)))
    slides = [s for s in prs.slides if s.shapes.title.text.startswith("Bottom line")]
    assert prs.slides[1] == slides[0]
    rows = []
    for slide in slides:
        table = next(s for s in slide.shapes if s.has_table).table
        header = [c.text for c in table.rows[0].cells]
        rows += [dict(zip(header, (c.text for c in r.cells))) for r in list(table.rows)[1:]]
    slide2 = prs.slides[1]
    text = " ".join(sh.text_frame.text for sh in slide2.shapes if sh.has_text_frame)
    shown = [dict(zip([c.text for c in next(s for s in slide2.shapes if s.has_table).table.rows[0].cells],
                      (c.text for c in r.cells)))
             for r in list(next(s for s in slide2.shapes if s.has_table).table.rows)[1:]]
    off = {mid: t for mid, t in truth.items() if t["status"] == "off_track"}
    assert off
    for want in off.values():
        row = next(r for r in shown if r["Measure"] == want["name"])  # on slide 2 itself
        assert row["Status"] == "✕ Off track"
        assert row["Gap to target"] == f"{want['gap_points']} points below"
        assert row["Owner"] == want["owner"]
        assert f"{want['name']} ({want['gap_points']} points below target)" in text
    assert [r["Measure"] for r in rows] == [r["name"] for r in bottom_line.rows(_cards(computed_sqlite, catalogue))]
    assert "p =" not in text and "p <" not in text


@pytest.mark.parametrize("as_of, today, shown_until, state", [
    (dt.date(2022, 12, 31), dt.date(2026, 12, 6), None, "out_of_date"),  # the demo's survey data today
    (dt.date(2022, 12, 31), dt.date(2023, 5, 17), None, "fresh"),        # 92 days + 45 of grace: still due
    (dt.date(2022, 12, 31), dt.date(2023, 5, 18), None, "out_of_date"),
    (dt.date(2022, 12, 31), dt.date(2023, 4, 20), dt.date(2023, 3, 31), "late"),  # FY2023 Q2 shown, not in yet
    (dt.date(2023, 3, 31), dt.date(2023, 4, 20), dt.date(2023, 3, 31), "fresh"),
    (None, dt.date(2023, 4, 20), None, "unknown"),
])
def test_freshness_is_judged_on_the_data_date(as_of, today, shown_until, state):
    from cxdash.metrics.freshness import data_freshness
    assert data_freshness(as_of, dt.timedelta(days=92), dt.timedelta(days=45), today, shown_until) == state


def test_a_source_reloaded_today_with_old_data_is_out_of_date_failed_and_missing_come_first():
    from cxdash.metrics.freshness import source_state, worst
    now = dt.datetime(2026, 12, 6, 6, 0, tzinfo=dt.UTC)
    cadence, grace = dt.timedelta(days=92), dt.timedelta(days=45)
    assert source_state("succeeded", now, dt.date(2022, 12, 31), cadence, grace, now.date()) == "out_of_date"
    assert source_state("failed", now, dt.date(2026, 11, 30), cadence, grace, now.date()) == "failed"
    assert source_state(None, None, None, cadence, grace, now.date()) == "missing"
    assert worst(["fresh", "out_of_date", "late"]) == "out_of_date"
    assert worst(["out_of_date", "missing"]) == "missing"


def test_slide_2_as_pdf_keeps_every_number_whole(computed_sqlite, catalogue):
    """Rendered by LibreOffice: each figure of the bottom-line table (values, targets, gaps,
    changes) is on one line of page 2, never broken mid-number ("38." / "1%")."""
    import re

    from pypdf import PdfReader

    from cxdash.exports.pdf import to_pdf
    contents = assemble(computed_sqlite, catalogue, Q, now=dt.datetime(2023, 1, 20, tzinfo=dt.UTC))
    data = build_deck(contents)
    prs = Presentation(io.BytesIO(data))
    table = next(s for s in prs.slides[1].shapes if s.has_table).table
    figures = {token for row in list(table.rows)[1:] for cell in row.cells
               for token in re.findall(r"\d[\d,]*(?:\.\d+)?%?", cell.text)}
    assert {"38.1%", "11.9", "50.0%"} <= figures  # IRS.gov, the furthest off track
    page = PdfReader(io.BytesIO(to_pdf(data))).pages[1].extract_text()
    lines = [set(re.findall(r"\d[\d,]*(?:\.\d+)?%?", line)) for line in page.splitlines()]
    on_a_line = set().union(*lines)
    assert figures <= on_a_line, sorted(figures - on_a_line)
