"""What a filter change costs on each analysis page, as ratios measured in one run.

Loads the sample sources (real A-11 quarterly counts, synthetic response-level survey, contact
centre and complaints, the real Boston 311 cases), computes once,
then calls what each page's callback calls (callbacks.page_update) for a few filter changes:
first with an empty cache, then again with a warm one (a user going back to a view). Goals: a cold filter change costs a small
fraction of one compute (the heavy work happened at compute time), and a warm one a fraction of
a cold one (Flask-Caching serves the reads); the scorecard's cross-agency benchmark, one aggregate
read, a small fraction of one compute too. Absolute times are printed for reference only.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from cxdash import paths
from cxdash.catalogue import load_catalogue
from cxdash.compute import compute
from cxdash.dashboard import callbacks, data
from cxdash.dashboard.app import create_app
from cxdash.db.engine import make_engine, upgrade
from cxdash.sources import load_sources, run_source

SOURCES = ["sample-a11-quarterly", "a11-survey-responses-example", "example-contact-centre", "example-complaints",
           "a11-survey-free-text", "boston-311"]
VBA = ("Veterans Benefits Administration", "Contact Center Customer Experience")
SYNTHETIC = ("Synthetic example provider", "Example web contact form (synthetic)")
CHANGES = {  # page module -> filter changes a user makes in turn
    "journey_page": [dict(quarter="FY2023Q1"), dict(quarter="FY2023Q1", provider=VBA[0]),
                     dict(quarter="FY2022Q4", provider=VBA[0], service=VBA[1])],
    "service_page": [dict(quarter="FY2023Q1", provider=VBA[0], service=VBA[1]),
                     dict(quarter="FY2022Q4", provider=SYNTHETIC[0], service=SYNTHETIC[1]),
                     dict(quarter="FY2022Q4", provider=SYNTHETIC[0], service=SYNTHETIC[1], outcome="satisfaction")],
    # One catalogue service at a time: the shipped catalogue names no Boston department, so the
    # synthetic service's contact center (the page opens there), its quarters and a channel.
    "operations_page": [dict(quarter="FY2022Q2"), dict(quarter="FY2022Q2", provider=SYNTHETIC[0], service=SYNTHETIC[1]),
                        dict(quarter="FY2022Q3", provider=SYNTHETIC[0], service=SYNTHETIC[1], channel="phone")],
    "voice_page": [dict(quarter="FY2022Q2"), dict(quarter="FY2022Q2", stage="process"),
                   dict(quarter="FY2022Q3", stage="end")],
    "equity_page": [dict(quarter="FY2022Q4"), dict(quarter="FY2022Q4", provider=SYNTHETIC[0], service=SYNTHETIC[1],
                                                   dimension="UserGroup"),
                    dict(quarter="FY2022Q4", provider=SYNTHETIC[0], service=SYNTHETIC[1], dimension="Region")],
}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        catalogue = load_catalogue(paths.catalogue_path())
        sources = load_sources(paths.sources_path())
        for name in SOURCES:
            run_source(engine, catalogue, sources, name, recompute=False)
        started = time.perf_counter()
        compute(engine, catalogue)
        compute_seconds = time.perf_counter() - started
        app = create_app(engine, catalogue, sources)
        print(f"one compute: {compute_seconds:.2f} s")
        print(f"{'page':<16} {'cold ms':>8} {'warm ms':>8} {'cold/compute':>13} {'warm/cold':>10}")
        with app.server.test_request_context("/"):
            for module_name, changes in CHANGES.items():
                data.cache.clear()
                cold = [_timed(module_name, change) for change in changes]
                warm = [_timed(module_name, change) for change in changes]
                cold_ms, warm_ms = statistics.median(cold) * 1000, statistics.median(warm) * 1000
                print(f"{module_name:<16} {cold_ms:8.0f} {warm_ms:8.0f} {cold_ms / 1000 / compute_seconds:13.3f} "
                      f"{warm_ms / cold_ms:10.2f}")
            # The scorecard's benchmarks: one aggregate read of the stored per-provider counts.
            data.cache.clear()
            started = time.perf_counter()
            data.benchmark_counts()
            read = time.perf_counter() - started
            print(f"{'benchmark read':<16} {read * 1000:8.0f} {'':>8} {read / compute_seconds:13.3f}")
        engine.dispose()


def _timed(page: str, change: dict) -> float:
    started = time.perf_counter()
    callbacks.page_update(page, **change)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
