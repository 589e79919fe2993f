"""What the two response-level loaders share: writing responses with their answers.

Writing replaces by natural key (response key within provider and service), whoever delivered
the response before: a re-run, a corrected file or the same file under another source name
never duplicates a response, and a response's old answers and segments never outlive it.
"""
from __future__ import annotations

from sqlalchemy import Connection, insert, text

from cxdash.db.models import SurveyAnswer, SurveyResponse, SurveySegment
from cxdash.loaders import natural_keys

RESPONSE_COLUMNS = ("response_key", "line", "submitted_at", "fiscal_year", "fiscal_quarter",
                    "agency", "provider", "service", "channel", "stage")
KEY_LENGTH = SurveyResponse.__table__.c.response_key.type.length
SEGMENT_LENGTH = SurveySegment.__table__.c.value.type.length


def write_responses(conn: Connection, source: str, run_id: int, rows: list[dict]) -> int:
    """Replace the responses with the same (response_key, provider, service), then insert ``rows``.

    Each row holds the SurveyResponse columns plus ``answers``: a list of dicts with
    question, scale, value and question_text, and optionally ``segments``: dicts with segment
    and value. Keys must be unique within one call (the loaders reject duplicates). Returns
    the number of responses written.
    """
    if not rows:
        return 0
    # Look the ids up first and delete by id: a DELETE ... IN (subquery) is planned on the stale
    # statistics of tables growing inside this transaction and turned quadratic on PostgreSQL
    # (a scan of every answer per batch); a first load deletes nothing at all.
    old = natural_keys.stored_ids(conn, SurveyResponse, rows)
    natural_keys.delete_ids(conn, SurveyResponse, old, dependants=[SurveyAnswer.response_id, SurveySegment.response_id])
    inserted = conn.execute(
        insert(SurveyResponse).returning(SurveyResponse.id, SurveyResponse.response_key),
        [{**{c: r.get(c) for c in RESPONSE_COLUMNS}, "source": source, "load_run_id": run_id} for r in rows],
    ).all()
    ids = {key: response_id for response_id, key in inserted}
    answers = [{"response_id": ids[r["response_key"]], "question": a["question"], "scale": a["scale"],
                "value": a["value"], "question_text": a.get("question_text")}
               for r in rows for a in r["answers"]]
    if answers:
        conn.execute(insert(SurveyAnswer), answers)
    segments = [{"response_id": ids[r["response_key"]], **s} for r in rows for s in r.get("segments", ())]
    if segments:
        conn.execute(insert(SurveySegment), segments)
    _refresh_statistics(conn, run_id, len(rows))
    return len(rows)


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
