"""What the two response-level loaders share: writing responses with their answers.

Writing replaces by natural key (response key within provider and service), whoever delivered
the response before: a re-run, a corrected file or the same file under another source name
never duplicates a response, and a response's old answers and segments never outlive it.
"""
from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select, text, update

from cxdash.db.cell_aggregates import dimension_ids
from cxdash.db.models import SurveyAnswer, SurveyCell, SurveyQuestion, SurveyResponse, SurveySegment
from cxdash.loaders import natural_keys

RESPONSE_COLUMNS = ("response_key", "line", "submitted_at", "fiscal_year", "fiscal_quarter",
                    "agency", "provider", "service", "channel", "stage")
KEY_LENGTH = SurveyResponse.__table__.c.response_key.type.length
SEGMENT_LENGTH = SurveySegment.__table__.c.value.type.length
BATCH = natural_keys.BATCH


def write_responses(conn: Connection, source: str, run_id: int, rows: list[dict]) -> int:
    """Replace the responses with the same (response_key, provider, service), then insert ``rows``.

    Each row holds the SurveyResponse columns plus ``answers``: a list of dicts with
    question, scale, value and question_text, and optionally ``segments``: dicts with segment
    and value. Keys must be unique within one call (the loaders reject duplicates). Every cell
    that gains or loses a response is marked dirty for the next compute, in this transaction.
    Returns the number of responses written.
    """
    if not rows:
        return 0
    keys = [tuple(r[c] for c in SurveyCell.KEY) for r in rows]
    cells = cell_ids(conn, set(keys))
    row_cells = [cells[k] for k in keys]
    _delete_replaced(conn, rows)
    inserted = conn.execute(
        insert(SurveyResponse).returning(SurveyResponse.id, SurveyResponse.response_key),
        [{**{c: r.get(c) for c in RESPONSE_COLUMNS}, "cell_id": cell, "source": source, "load_run_id": run_id}
         for r, cell in zip(rows, row_cells)],
    ).all()
    ids = {key: response_id for response_id, key in inserted}
    questions = question_ids(conn, {(a["question"], a["scale"], a.get("question_text") or "")
                                    for r in rows for a in r["answers"]})
    answers = [(cell, ids[r["response_key"]], questions[(a["question"], a["scale"], a.get("question_text") or "")],
                a["value"]) for r, cell in zip(rows, row_cells) for a in r["answers"]]
    insert_answers(conn, answers)
    segments = [{"response_id": ids[r["response_key"]], **s} for r in rows for s in r.get("segments", ())]
    if segments:
        conn.execute(insert(SurveySegment), segments)
    mark_dirty(conn, set(cells.values()))
    _refresh_statistics(conn, run_id, len(rows))
    return len(rows)


def insert_answers(conn: Connection, answers: list[tuple[int, int, int, int]]) -> None:
    """Insert (cell_id, response_id, question_id, value) tuples straight through the driver's
    executemany: a response has a dozen answers, and building and compiling a parameter dict
    for each cost more than the database's own work."""
    if not answers:
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(f"INSERT INTO {SurveyAnswer.__tablename__} (cell_id, response_id, question_id, value) "
                         f"VALUES ({mark}, {mark}, {mark}, {mark})", answers)


def _delete_replaced(conn: Connection, rows: list[dict]) -> None:
    """Delete the stored responses these rows replace, answers and segments first, and mark
    their cells dirty (a corrected response may move to another quarter or channel)."""
    # Look the ids up first and delete by id: a DELETE ... IN (subquery) is planned on the stale
    # statistics of tables growing inside this transaction and turned quadratic on PostgreSQL
    # (a scan of every answer per batch); a first load deletes nothing at all.
    old = natural_keys.stored_ids(conn, SurveyResponse, rows)
    if not old:
        return
    r, a = SurveyResponse, SurveyAnswer
    for start in range(0, len(old), BATCH):
        batch = old[start:start + BATCH]
        by_cell: dict[int, list[int]] = {}
        for cell, response in conn.execute(select(r.cell_id, r.id).where(r.id.in_(batch))):
            by_cell.setdefault(cell, []).append(response)
        for cell, responses in by_cell.items():  # the answers' key order: each delete reads one range
            conn.execute(delete(a).where(a.cell_id == cell, a.response_id.in_(responses)))
        mark_dirty(conn, set(by_cell))
    natural_keys.delete_ids(conn, SurveyResponse, old, dependants=[SurveySegment.response_id])


def cell_ids(conn: Connection, keys: set[tuple]) -> dict[tuple, int]:
    """The counting cell id of each cell key (SurveyCell.KEY order), adding cells not seen yet."""
    return dimension_ids(conn, SurveyCell, SurveyCell.KEY, keys, extra={"dirty": True})


def question_ids(conn: Connection, asked: set[tuple]) -> dict[tuple, int]:
    """The id of each (question, scale, wording) asked, adding questions not seen yet."""
    return dimension_ids(conn, SurveyQuestion, ("question", "scale", "wording"), asked)


def mark_dirty(conn: Connection, cells: set[int]) -> None:
    """Mark counting cells as changed since their aggregates were computed. Always written, even
    where already dirty: the row stays locked until this load commits, so a compute refreshing
    the cell meanwhile waits for these answers (``cxdash.db.cell_aggregates.refresh``)."""
    ids = sorted(cells)
    for start in range(0, len(ids), BATCH):
        conn.execute(update(SurveyCell).where(SurveyCell.id.in_(ids[start:start + BATCH])).values(dirty=True))


def _refresh_statistics(conn: Connection, run_id: int, written: int) -> None:
    """On PostgreSQL, ANALYZE the response tables each time this run's rows double.

    The key lookups above are planned on statistics that do not know about rows this very
    transaction inserted; estimating the table as a handful of rows, PostgreSQL may then read
    every row per lookup and a large first load turns quadratic. ANALYZE inside the
    transaction counts its own rows; doubling keeps it to a few runs per load.
    """
    if conn.dialect.name != "postgresql":
        return
    progress = conn.info.setdefault("cxdash_responses_written", {})
    total, next_analyze = progress.get(run_id, (0, 0))
    total += written
    if total >= next_analyze:
        conn.execute(text("ANALYZE survey_response, survey_answer"))
        next_analyze = total * 2
    progress[run_id] = (total, next_analyze)
