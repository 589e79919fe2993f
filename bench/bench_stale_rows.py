"""What compute's search for rows of another version costs when every row is current.

Builds SQLite databases of N and 10 x N current feedback items (and as many rejected rows),
analyzed, and times the searches compute makes on every run (`stale_rows.stale_ids` on the
feedback items' redaction and sentiment versions and the rejected rows' redaction version,
`stale_versions` for the audit trail) beside the plain ``IS NULL OR <>`` filter they replace.
Goal: the searches' time ratio stays near 1 (they read the index, not the rows); the plain
filter's grows with the table (about 10).
"""
from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, or_, select

from cxdash import redaction
from cxdash.db.engine import make_engine, upgrade
from cxdash.db.models import FeedbackItem, LoadRun, RejectedRow
from cxdash.db.stale_rows import stale_ids, stale_versions
from cxdash.metrics import sentiment

RECEIVED = dt.datetime(2024, 1, 2, 10, tzinfo=dt.UTC)
SEARCHES = ((FeedbackItem.redaction_version, redaction.VERSION), (FeedbackItem.sentiment_version, sentiment.VERSION),
            (RejectedRow.redaction_version, redaction.VERSION))


def _database(folder: Path, n: int):
    engine = make_engine(f"sqlite:///{folder / f'stale-{n}.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        run = conn.execute(insert(LoadRun).values(source="bench", kind="feedback", file_name="bench.csv",
                                                  file_sha256="-", status="succeeded").returning(LoadRun.id)).scalar_one()
        for start in range(0, n, 10000):
            size = min(10000, n - start)
            conn.execute(insert(FeedbackItem), [{
                "load_run_id": run, "source": "bench", "item_key": str(i), "line": i + 2, "kind": "complaint",
                "received_at": RECEIVED, "received_date": RECEIVED.date(), "fiscal_year": 2024,
                "fiscal_quarter": 2, "provider": "P", "service": "S", "channel": "email", "stage": "process",
                "text_redacted": f"The wait was long, case {i}", "redactions": 0,
                "redaction_version": redaction.VERSION, "sentiment": -0.3, "sentiment_label": "negative",
                "sentiment_version": sentiment.VERSION} for i in range(start, start + size)])
            conn.execute(insert(RejectedRow), [{
                "load_run_id": run, "file_name": "bench.csv", "line": i + 2, "field": "channel",
                "reason": "not a Touchpoints channel", "raw": "{}", "redaction_version": redaction.VERSION}
                for i in range(start, start + size)])
        conn.exec_driver_sql("ANALYZE")
    return engine


def _best_of(function, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def _searches(engine) -> float:
    def run():
        with engine.connect() as conn:
            for column, version in SEARCHES:
                assert stale_ids(conn, column, version) == []
                assert list(conn.execute(stale_versions(column, version))) == []
    return _best_of(run)


def _plain(engine) -> float:
    def run():
        with engine.connect() as conn:
            for column, version in SEARCHES:
                key = column.table.c.id
                assert conn.execute(select(func.count(key)).where(or_(column.is_(None), column != version))).scalar() == 0
    return _best_of(run)


def main(n: int = 100_000) -> None:
    with tempfile.TemporaryDirectory() as folder:
        small, large = _database(Path(folder), n), _database(Path(folder), 10 * n)
        searches = _searches(large) / _searches(small)
        plain = _plain(large) / _plain(small)
        small.dispose()
        large.dispose()
    print(f"{n} and {10 * n} current feedback items and rejected rows")
    print(f"version searches through the index: time ratio {searches:.1f} (goal: near 1)")
    print(f"plain IS NULL OR <> filter:         time ratio {plain:.1f} (grows with the table)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
