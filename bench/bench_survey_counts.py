"""Memory and time of counting answers (refresh the cells, read survey_counts) for N vs 10 x N\nresponses, as ratios in one run."""
from __future__ import annotations

import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import insert

from cxdash.db import cell_aggregates, queries
from cxdash.db.engine import make_engine, upgrade
from cxdash.db.models import LoadRun
from cxdash.loaders.responses_store import write_responses

QUESTIONS = ("satisfaction", "trust", "ease", "efficiency", "effectiveness")
SERVICES = [("Provider A", "Service A"), ("Provider A", "Service B"), ("Provider B", "Service C")]
CHANNELS = ("computer", "mobile", "phone")


def populate(engine, n: int, seed: int = 7) -> None:
    """n responses written as the loaders write them (``responses_store.write_responses``)."""
    rng = random.Random(seed)
    with engine.begin() as conn:
        run_id = conn.execute(insert(LoadRun).values(source="bench", kind="a11-responses", file_name="bench",
                                                     file_sha256="0" * 64, status="succeeded")).inserted_primary_key[0]
        for start in range(0, n, 10000):
            rows = []
            for i in range(start, min(start + 10000, n)):
                provider, service = rng.choice(SERVICES)
                rows.append({"response_key": str(i), "line": i + 2, "fiscal_year": 2025,
                             "fiscal_quarter": rng.randint(1, 4), "agency": "X", "provider": provider,
                             "service": service, "channel": rng.choice(CHANNELS), "stage": "process",
                             "answers": [{"question": q, "scale": "5pt", "value": rng.randint(1, 5)}
                                         for q in QUESTIONS]})
            write_responses(conn, "bench", run_id, rows)


def measure(n: int) -> tuple[float, int, int]:
    """Time and Python memory peak of what compute does with the answers: refresh the changed
    cells' counts, then read the survey counts."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        populate(engine, n)
        tracemalloc.start()
        started = time.perf_counter()
        with engine.begin() as conn:
            cell_aggregates.refresh(conn)
        frame = queries.survey_counts(engine)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        total = int(frame[[f"n_{k}" for k in range(1, 6)]].to_numpy().sum())
        assert total == n * len(QUESTIONS), (total, n)
        engine.dispose()
    return elapsed, peak, len(frame)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    small = measure(n)
    large = measure(10 * n)
    print(f"responses      {n:>10,} {10 * n:>12,}")
    print(f"cells returned {small[2]:>10,} {large[2]:>12,}")
    print(f"time (s)       {small[0]:>10.3f} {large[0]:>12.3f}   ratio {large[0] / small[0]:.2f} (linear would be 10)")
    print(f"peak mem (KiB) {small[1] / 1024:>10.0f} {large[1] / 1024:>12.0f}   ratio {large[1] / small[1]:.2f} (goal: about 1)")


if __name__ == "__main__":
    main()
