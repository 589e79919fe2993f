"""What the two response-level loaders share: writing responses with their answers.

Writing replaces by natural key (source, response_key): a re-run or a corrected file never
duplicates a response, and a response's old answers never outlive it.
"""
from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select, text

from cxdash.db.models import SurveyAnswer, SurveyResponse, SurveySegment

DELETE_BATCH = 500
RESPONSE_COLUMNS = ("response_key", "line", "submitted_at", "fiscal_year", "fiscal_quarter",
                    "agency", "provider", "service", "channel", "stage")
KEY_LENGTH = SurveyResponse.__table__.c.response_key.type.length
SEGMENT_LENGTH = SurveySegment.__table__.c.value.type.length


def write_responses(conn: Connection, source: str, run_id: int, rows: list[dict]) -> int:
    """Replace the responses with the same (source, response_key), then insert ``rows``.

    Each row holds the SurveyResponse columns plus ``answers``: a list of dicts with
    question, scale, value and question_text, and optionally ``segments``: dicts with segment and value. Keys must be unique within one call (the
    loaders reject duplicates). Answers are deleted explicitly rather than by the foreign
    key's ON DELETE CASCADE, which SQLite only honours when its foreign_keys pragma is on.
    Returns the number of responses written.
    """
    if not rows:
        return 0
    keys = [r["response_key"] for r in rows]
    for start in range(0, len(keys), DELETE_BATCH):
        # Look the ids up first and delete by id: a DELETE ... IN (subquery) is planned on the
        # stale statistics of tables growing inside this transaction and turned quadratic on
        # PostgreSQL (a scan of every answer per batch); a first load deletes nothing at all.
        old = conn.execute(select(SurveyResponse.id).where(
            SurveyResponse.source == source, SurveyResponse.response_key.in_(keys[start:start + DELETE_BATCH]))).scalars().all()
        if old:
            conn.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id.in_(old)))
            conn.execute(delete(SurveySegment).where(SurveySegment.response_id.in_(old)))
            conn.execute(delete(SurveyResponse).where(SurveyResponse.id.in_(old)))
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
    transaction inserted; estimating a source's rows as a handful, PostgreSQL then reads every
    row of the source per lookup and a large first load turns quadratic. ANALYZE inside the
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
