"""The review-pack queue on SQLite and PostgreSQL: an identical request while one is open returns
it; workers racing for queued builds each get a different one, never more than the limit at
once; a finished build lets the same request queue again."""
from __future__ import annotations

import threading

from cxdash.db import review_queries
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.review import packs

Q = FiscalQuarter(2023, 1)


def _request(engine, service="all", fmt="pptx"):
    return review_queries.request_pack(engine, fiscal_year=2023, fiscal_quarter=1, provider="all", service=service,
                                       fmt=fmt, trigger="page", requested_by="analyst")


def test_an_identical_request_while_one_is_open_returns_it(engine):
    first, new = _request(engine)
    assert new
    assert [_request(engine) for _ in range(4)] == [(first, False)] * 4
    other, new = _request(engine, fmt="pdf")
    assert new and other != first
    assert packs.request(engine, Q, "pptx", "scheduled") == first  # whoever asks
    review_queries.claim_pack(engine, {"pid": None, "host": None}, pack_id=first)
    assert _request(engine) == (first, False)  # running: still the same build
    review_queries.update_pack(engine, first, status="succeeded")
    again, new = _request(engine)
    assert new and again not in (first, other)


def _race(engine, workers: int, limit: int | None) -> list[int]:
    """``workers`` threads claim until none is left for them; every id claimed, in order."""
    claimed: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(workers)

    def worker(n):
        start.wait()
        while (pack_id := review_queries.claim_pack(engine, {"pid": n, "host": "test"}, limit=limit)) is not None:
            with lock:
                claimed.append(pack_id)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return claimed


def test_racing_workers_claim_each_build_once_and_never_more_than_the_limit(engine):
    queued = [_request(engine, service=f"service {i}")[0] for i in range(8)]
    claimed = _race(engine, 4, limit=3)
    assert len(claimed) == 3 and len(set(claimed)) == 3 and set(claimed) <= set(queued)
    assert sorted(claimed) == queued[:3]  # the oldest first
    running = [p for p in review_queries.open_packs(engine) if p["status"] == "running"]
    assert sorted(p["id"] for p in running) == sorted(claimed) and all(p["started_at"] for p in running)
    for pack_id in claimed:
        review_queries.update_pack(engine, pack_id, status="succeeded")
    rest = _race(engine, 4, limit=None)  # no limit: every queued build once
    assert sorted(rest) == queued[3:]
    assert review_queries.claim_pack(engine, {"pid": 1, "host": "test"}, pack_id=queued[0]) is None  # not queued
