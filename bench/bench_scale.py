"""Scale benchmark: generate, load, compute and serve at a size given on the command line.

One run prints, beside each other:
- cxdash's full compute time against a hand-written DuckDB aggregation of the same statistics over
  the same CSVs and against a naive pandas script (ratios);
- the peak memory (max RSS) of each step, each run as its own process;
- the load rate (responses a second) and the storage size against the source CSVs;
- what a filter change costs on a running `cxdash serve` with 20 concurrent users (p50/p95/p99
  per page), and each page's full load once;
and then each goal with its measured value and whether it is met. A step that fails prints why
and the run goes on with the others.

Data (seeded numpy): Touchpoints A-11 v2 17-column uploads, one per service x quarter x channel,
for --services generated services over --quarters fiscal quarters, N responses in all
(--responses); M cases (--cases) in the shape of the Boston 311 export (config/mappings/
boston-311.yaml) on the same services. The generated services are added to a copy of the shipped
catalogue (with a trust measure per service and an ease measure per provider) in the work folder.

Run: .venv/bin/python bench/bench_scale.py [--responses 20000] [--cases 20000] [--json out.json]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve()
PYTHON = sys.executable
CXDASH = str(Path(PYTHON).with_name("cxdash"))

DRIVER_OPTIONS = ("effectiveness", "ease", "efficiency", "transparency", "humanity", "employee", "other")
DRIVER_COLUMNS = tuple(f"{side}_{option}" for side in ("positive", "negative") for option in DRIVER_OPTIONS)
COLUMNS = ("external_id", "question_1", *DRIVER_COLUMNS, "question_4")
BINARY, LIKERT = "binary", "5pt"  # cxdash.metrics.a11_scores' scale names
CHANNELS = ("computer", "mobile", "phone", "email")
PROVIDERS = tuple(f"Bench Provider {c}" for c in "ABCDEF")
FIRST_FY = 2024  # A-11 v2 response-level uploads start in FY2024
BOSTON_COLUMNS = ("_id,case_enquiry_id,open_dt,sla_target_dt,closed_dt,on_time,case_status,case_title,subject,reason,type,"
                  "queue,department,submitted_photo,closed_photo,location,fire_district,pwd_district,city_council_district,"
                  "police_district,neighborhood,neighborhood_services_district,ward,precinct,location_street_name,"
                  "location_zipcode,latitude,longitude,geom_4326,source").split(",")
CASE_SOURCES = ("Constituent Call", "Citizens Connect App", "Self Service", "Twitter", "City Worker App", "Employee Generated")
CASE_CHANNELS = {"Constituent Call": "phone", "Citizens Connect App": "mobile_app", "Self Service": "website",
                 "Twitter": "social_media", "City Worker App": "other_non_digital", "Employee Generated": "other_non_digital"}
CASE_STAGES = {"Open": "process", "Closed": "end"}
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
GB = 1024 ** 3
COMMENTS = ("", "Thanks", "Took too long, twice", "Easy to find what I needed.", "Nobody answered the phone",
            "The form kept timing out, so I called")


# --- generation ----------------------------------------------------------------------------

def services(count: int, trust_forms: str = "thumbs") -> list[dict]:
    return [{"id": f"bench-{i + 1:02d}", "name": f"Bench service {i + 1:02d}", "provider": PROVIDERS[i % len(PROVIDERS)],
             "agency": "BENCH", "channels": [CHANNELS[i % 4], CHANNELS[(i + 1) % 4]],
             "stages": ["start", "process", "end"], "default_stage": "process",
             "trust_scale": ("thumbs" if i % 2 == 0 else "likert") if trust_forms == "mixed" else trust_forms}
            for i in range(count)]


def quarters(count: int) -> list[tuple[int, int]]:
    return [(FIRST_FY + k // 4, k % 4 + 1) for k in range(count)]


def write_catalogue(folder: Path, generated: list[dict]) -> Path:
    import yaml

    from cxdash import paths
    catalogue = yaml.safe_load((paths.default_config_dir() / "catalogue.yaml").read_text(encoding="utf-8"))
    catalogue["services"] += [{k: v for k, v in s.items() if k != "trust_scale"} for s in generated]
    years = sorted({f"FY{fy}" for fy in range(FIRST_FY, FIRST_FY + 6)})
    trust = [{"id": f"{s['id']}-trust", "name": f"Customers trust {s['name']}",
              "definition": "Share of respondents who trust the service (thumbs up, or agree 4-5).",
              "metric": "a11_score", "params": {"question": "trust", "statistic": "pct_agree", "channel": "all"},
              "unit": "percent", "direction": "higher", "targets": {y: 0.7 for y in years},
              "thresholds": {"at_risk_within": 0.03}, "owner": f"Owner of {s['name']}", "stages": ["process"],
              "services": [s["id"]], "source": "Generated A-11 v2 uploads (bench)"} for s in generated]
    ease = [{"id": f"bench-ease-{p[-1].lower()}", "name": f"{p}: ease is a reason for a good experience",
             "definition": "Share of respondents offered the option who chose ease as a positive.",
             "metric": "a11_score", "params": {"question": "positive_ease", "statistic": "pct_agree", "channel": "all"},
             "unit": "percent", "direction": "higher", "targets": {y: 0.4 for y in years},
             "thresholds": {"at_risk_within": 0.05}, "owner": f"CX lead, {p}", "stages": ["process"],
             "services": [s["id"] for s in generated if s["provider"] == p], "source": "Generated A-11 v2 uploads (bench)"}
            for p in PROVIDERS if any(s["provider"] == p for s in generated)]
    catalogue["goals"].append({"id": "bench-goal", "name": "Generated services earn trust (benchmark)",
                               "objectives": [{"id": "bench-trust", "name": "Trust per service", "measures": trust},
                                              {"id": "bench-ease", "name": "Ease per provider", "measures": ease}]})
    path = folder / "catalogue.yaml"
    path.write_text(yaml.safe_dump(catalogue, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def generate(folder: Path, responses: int, cases: int, n_services: int, n_quarters: int, seed: int,
             trust_forms: str = "thumbs") -> dict:
    import numpy as np
    import pandas as pd
    rng = np.random.default_rng(seed)
    generated = services(n_services, trust_forms)
    catalogue = write_catalogue(folder, generated)
    uploads = [(s, q, ch) for s in generated for q in quarters(n_quarters) for ch in s["channels"]]
    weights = rng.lognormal(0, 0.6, len(uploads))
    sizes = rng.multinomial(responses, weights / weights.sum())
    (folder / "uploads").mkdir()
    manifest = []
    base = {s["id"]: rng.normal(0.3, 0.5) for s in generated}
    offered = {s["id"]: rng.random(len(DRIVER_COLUMNS)) < 0.75 for s in generated}
    for (service, (fy, fq), channel), n in zip(uploads, sizes):
        if not n:  # an upload with no responses is not a file anyone sends (and a load refuses it)
            continue
        latent = base[service["id"]] + 0.05 * (fy * 4 + fq - FIRST_FY * 4) + rng.normal(0, 1, n)
        if service["trust_scale"] == "thumbs":
            trust = (latent + rng.normal(0, 0.5, n) > 0).astype(int).astype(str)
        else:
            trust = np.clip(np.rint(3 + 1.1 * latent + rng.normal(0, 0.5, n)), 1, 5).astype(int).astype(str)
        frame = {"external_id": [f"{fy}{fq}-{channel}-{i}" for i in range(n)], "question_1": trust}
        for k, column in enumerate(DRIVER_COLUMNS):
            sign = 1 if column.startswith("positive") else -1
            chosen = rng.random(n) < 1 / (1 + np.exp(-(-1.0 + 1.2 * sign * latent)))
            frame[column] = np.where(chosen, "1", "0") if offered[service["id"]][k] else np.full(n, "null")
        frame["question_4"] = np.asarray(COMMENTS)[np.where(rng.random(n) < 0.85, 0, rng.integers(1, len(COMMENTS), n))]
        path = folder / "uploads" / f"{service['id']}_FY{fy}Q{fq}_{channel}.csv"
        pd.DataFrame(frame, columns=list(COLUMNS)).to_csv(path, index=False)
        manifest.append({"file": str(path), "provider": service["provider"], "service": service["name"],
                         "channel": channel, "stage": service["default_stage"], "fiscal_year": fy,
                         "fiscal_quarter": fq, "quarter": f"FY{fy}Q{fq}", "trust_scale": service["trust_scale"],
                         "scale": BINARY if service["trust_scale"] == "thumbs" else LIKERT, "rows": int(n)})
    cases_path = folder / "cases_boston311.csv"
    write_cases(cases_path, cases, generated, n_quarters, rng)
    info = {"catalogue": str(catalogue), "uploads": manifest, "cases": str(cases_path), "responses": responses,
            "cases_rows": cases, "services": [{k: s[k] for k in ("provider", "name")} for s in generated],
            "quarters": [f"FY{fy}Q{fq}" for fy, fq in quarters(n_quarters)]}
    info["csv_bytes_responses"] = sum(Path(u["file"]).stat().st_size for u in manifest)
    info["csv_bytes_cases"] = cases_path.stat().st_size
    (folder / "manifest.json").write_text(json.dumps(info, indent=1), encoding="utf-8")
    return info


def write_cases(path: Path, m: int, generated: list[dict], n_quarters: int, rng) -> None:
    """M cases in the Boston 311 export's 30 columns (the mapping ignores the location columns,
    but a real export carries them, so the source CSV here does too)."""
    import numpy as np
    import pandas as pd
    start = np.datetime64(f"{FIRST_FY - 1}-10-01T00:00:00")
    span = int(n_quarters * 91.25 * 86400)
    opened = start + rng.integers(0, span, m).astype("timedelta64[s]")
    due = opened + (rng.integers(1, 30, m) * 86400).astype("timedelta64[s]")
    closed_flag = rng.random(m) < 0.85
    closed = opened + rng.exponential(6 * 86400, m).astype("int64").astype("timedelta64[s]")
    on_time = closed <= due
    has_due = rng.random(m) < 0.8
    which = rng.integers(0, len(generated), m)
    status = np.where(closed_flag, "Closed", "Open")

    def text(values, mask=None):
        out = pd.Series(values).dt.strftime(TIME_FORMAT)
        return out.where(mask, "") if mask is not None else out
    subject = np.asarray([s["provider"] for s in generated])[which]
    kind = np.asarray([s["name"] for s in generated])[which]
    lat = 42.23 + rng.random(m) * 0.17
    lon = -71.19 + rng.random(m) * 0.2
    street = np.asarray(["Mount Pleasant Ave", "Neponset Ave", "Juliette St", "Knoll St", "Washington St",
                         "Blue Hill Ave", "Centre St", "Dorchester Ave"])[rng.integers(0, 8, m)]
    number = rng.integers(1, 400, m).astype(str)
    hood = np.asarray(["Roxbury", "Dorchester", "Roslindale", "Jamaica Plain", "South End", "Allston / Brighton"])[
        rng.integers(0, 6, m)]
    frame = pd.DataFrame({
        "_id": np.arange(1, m + 1), "case_enquiry_id": 101005000000 + np.arange(m),
        "open_dt": text(opened), "sla_target_dt": text(due, has_due), "closed_dt": text(closed, closed_flag),
        "on_time": np.where(on_time | ~closed_flag, "ONTIME", "OVERDUE"), "case_status": status, "case_title": kind,
        "subject": subject, "reason": "Bench reason", "type": kind,
        "queue": np.char.add("BENCH_Queue_", rng.integers(1, 20, m).astype(str)), "department": "BNCH",
        "submitted_photo": "", "closed_photo": "",
        "location": pd.Series(number) + " " + street + "  " + hood + "  MA  02119",
        "fire_district": rng.integers(1, 12, m), "pwd_district": rng.integers(1, 10, m).astype(str),
        "city_council_district": rng.integers(1, 9, m), "police_district": "B2", "neighborhood": hood,
        "neighborhood_services_district": rng.integers(1, 15, m), "ward": np.char.add("Ward ", rng.integers(1, 22, m).astype(str)),
        "precinct": rng.integers(100, 2200, m), "location_street_name": pd.Series(number) + " " + street,
        "location_zipcode": "2119.0", "latitude": lat.round(12), "longitude": lon.round(12),
        "geom_4326": "0101000020E6100000" + pd.Series(rng.integers(0, 2 ** 62, m)).map("{:016X}".format)
                     + pd.Series(rng.integers(0, 2 ** 62, m)).map("{:016X}".format),
        "source": np.asarray(CASE_SOURCES)[rng.integers(0, len(CASE_SOURCES), m)],
    }, columns=BOSTON_COLUMNS)
    frame.to_csv(path, index=False)


# --- the steps that run as their own processes -----------------------------------------------

def _last_quarter(info: dict) -> tuple[int, int]:
    return max((u["fiscal_year"], u["fiscal_quarter"]) for u in info["uploads"])


def step_load(folder: Path, db_url: str, part: str = "earlier") -> dict:
    """Load the uploads with cxdash's A-11 v2 loader: ``earlier``, every quarter but the last,
    then the cases through the boston-311 mapping; ``last``, the last quarter's uploads alone
    (the new quarter's file that an incremental compute then takes in)."""
    from cxdash.catalogue import load_catalogue
    from cxdash.db.engine import make_engine
    from cxdash.loaders import a11_responses
    from cxdash.loaders.registry import file_loader
    info = json.loads((folder / "manifest.json").read_text())
    engine = make_engine(db_url)
    catalogue = load_catalogue(info["catalogue"])
    started, cpu_started = time.perf_counter(), time.process_time()
    loaded = rejected = 0
    last = _last_quarter(info)
    for upload in info["uploads"]:
        if ((upload["fiscal_year"], upload["fiscal_quarter"]) == last) != (part == "last"):
            continue
        report = a11_responses.load(engine, Path(upload["file"]), catalogue, provider=upload["provider"],
                                    service=upload["service"], channel=upload["channel"], quarter=upload["quarter"],
                                    trust_scale=upload["trust_scale"])
        loaded += report.rows_loaded
        rejected += len(report.rejections)
    responses_seconds = time.perf_counter() - started
    # CPU time of this process beside the wall time: on a shared machine waiting for a core
    # counts in the wall time only (SQLite works in this process; PostgreSQL's server does not).
    cpu = {"responses_cpu_seconds": time.process_time() - cpu_started}
    if part == "last":
        return {"responses_loaded": loaded, "responses_rejected": rejected, "responses_seconds": responses_seconds,
                "cases_loaded": 0, "cases_rejected": 0, "cases_seconds": 0.0, **cpu}
    started = time.perf_counter()
    report = file_loader("cases", engine, catalogue, mapping="boston-311")(Path(info["cases"]))
    cases_seconds = time.perf_counter() - started
    return {"responses_loaded": loaded, "responses_rejected": rejected, "responses_seconds": responses_seconds,
            "cases_loaded": report.rows_loaded, "cases_rejected": len(report.rejections), "cases_seconds": cases_seconds,
            **cpu}


def _fiscal_sql(column: str) -> tuple[str, str]:
    return (f"(year({column}) + CASE WHEN month({column}) >= 10 THEN 1 ELSE 0 END)",
            f"((month({column}) + 2) % 12) // 3 + 1")


def step_duckdb(folder: Path) -> dict:
    """A hand-written DuckDB aggregation of the statistics cxdash's compute starts from, over the CSVs:
    counts per answer value per cell and question; per service and quarter the sums, counts and
    cross-products of trust and the 14 driver cells (the key drivers' sufficient statistics); case
    counts per cell and quarter created and the completion histogram (days to close, on time)."""
    import duckdb
    info = json.loads((folder / "manifest.json").read_text())
    con = duckdb.connect()
    con.execute("CREATE TABLE manifest (file VARCHAR, provider VARCHAR, service VARCHAR, channel VARCHAR, stage VARCHAR, "
                "fiscal_year INTEGER, fiscal_quarter INTEGER, scale VARCHAR)")
    con.executemany("INSERT INTO manifest VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [[u[k] for k in ("file", "provider", "service", "channel", "stage", "fiscal_year", "fiscal_quarter",
                                     "scale")] for u in info["uploads"]])
    files = [u["file"] for u in info["uploads"]]
    con.execute("CREATE TABLE r AS SELECT m.provider, m.service, m.channel, m.stage, m.fiscal_year, m.fiscal_quarter, m.scale, "
                "c.* EXCLUDE (filename, question_4) FROM read_csv(?, all_varchar = true, header = true, filename = true) c "
                "JOIN manifest m ON c.filename = m.file", [files])
    cell = "fiscal_year, fiscal_quarter, provider, service, channel, stage"
    long = (f"SELECT {cell}, 'trust' AS question, scale, CAST(question_1 AS INTEGER) AS v FROM r UNION ALL "
            f"SELECT {cell}, question, '{BINARY}' AS scale, CAST(v AS INTEGER) AS v FROM "
            f"(UNPIVOT (SELECT {cell}, {', '.join(DRIVER_COLUMNS)} FROM r) ON {', '.join(DRIVER_COLUMNS)} "
            "INTO NAME question VALUE v) WHERE v IN ('0', '1')")
    likert = ", ".join(f"count_if(scale = '{LIKERT}' AND v = {k}) AS n_{k}" for k in range(1, 6))
    con.execute(f"CREATE TABLE counts AS SELECT {cell}, question, scale, {likert}, "
                f"count_if(scale = '{BINARY}' AND v = 1) AS n_yes, count_if(scale = '{BINARY}' AND v = 0) AS n_no "
                f"FROM ({long}) GROUP BY ALL")
    variables = ["trust", *DRIVER_COLUMNS]
    numeric = ", ".join(["CAST(question_1 AS DOUBLE) AS trust"] +
                        [f"TRY_CAST(NULLIF({c}, 'null') AS DOUBLE) AS {c}" for c in DRIVER_COLUMNS])
    sums = [f"sum({v}) AS s_{v}, count({v}) AS n_{v}" for v in variables]
    products = [f"sum({a} * {b}) AS p_{i}_{j}, count({a} * {b}) AS c_{i}_{j}"
                for i, a in enumerate(variables) for j, b in enumerate(variables) if j >= i]
    con.execute(f"CREATE TABLE moments AS SELECT provider, service, fiscal_year, fiscal_quarter, count(*) AS n, "
                f"{', '.join(sums + products)} FROM (SELECT provider, service, fiscal_year, fiscal_quarter, {numeric} FROM r) "
                "GROUP BY ALL")
    channel = "CASE source " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CASE_CHANNELS.items()) + " END"
    stage = "CASE case_status " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CASE_STAGES.items()) + " END"
    fmt = TIME_FORMAT
    con.execute(f"CREATE TABLE c AS SELECT subject AS provider, type AS service, {channel} AS channel, {stage} AS stage, "
                f"CAST(strptime(open_dt, '{fmt}') AS DATE) AS opened, "
                f"CAST(try_strptime(NULLIF(sla_target_dt, ''), '{fmt}') AS DATE) AS due, "
                f"CAST(try_strptime(NULLIF(closed_dt, ''), '{fmt}') AS DATE) AS closed "
                "FROM read_csv(?, all_varchar = true, header = true)", [info["cases"]])
    ofy, ofq = _fiscal_sql("opened")
    cfy, cfq = _fiscal_sql("closed")
    con.execute(f"CREATE TABLE created AS SELECT provider, service, channel, stage, {ofy} AS fiscal_year, {ofq} AS fiscal_quarter, "
                "count(*) AS n FROM c GROUP BY ALL")
    con.execute(f"CREATE TABLE completion AS SELECT provider, service, channel, stage, {cfy} AS fiscal_year, "
                f"{cfq} AS fiscal_quarter, date_diff('day', opened, closed) AS days, count(*) AS n, "
                "count_if(closed <= due) AS on_time, count(due) AS with_due FROM c WHERE closed IS NOT NULL GROUP BY ALL")
    answers = con.execute("SELECT sum(n_1 + n_2 + n_3 + n_4 + n_5 + n_yes + n_no) FROM counts").fetchone()[0]
    rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("counts", "moments", "created", "completion")}
    results = {t: con.execute(f"SELECT * FROM {t}").fetchall() for t in rows}  # the results reach Python, as compute's do
    return {"answers": int(answers), "cases": int(con.execute("SELECT sum(n) FROM created").fetchone()[0]),
            "rows": rows, "fetched": sum(len(v) for v in results.values())}


def step_pandas(folder: Path) -> dict:
    """The naive script: read every CSV with pandas, melt, group-by counts; the same moments with one
    group-by per pair; the cases' counts and completion histogram."""
    import numpy as np
    import pandas as pd
    info = json.loads((folder / "manifest.json").read_text())
    frames = []
    for u in info["uploads"]:
        frame = pd.read_csv(u["file"], dtype=str, keep_default_na=False)
        for key in ("provider", "service", "channel", "stage", "fiscal_year", "fiscal_quarter", "scale"):
            frame[key] = u[key]
        frames.append(frame)
    r = pd.concat(frames, ignore_index=True)
    cell = ["fiscal_year", "fiscal_quarter", "provider", "service", "channel", "stage"]
    long = r.melt(id_vars=cell + ["scale"], value_vars=["question_1", *DRIVER_COLUMNS], var_name="question", value_name="v")
    long = long[long["v"].isin(["0", "1", "2", "3", "4", "5"])]
    long.loc[long["question"] != "question_1", "scale"] = BINARY
    long["question"] = long["question"].replace({"question_1": "trust"})
    counts = long.groupby(cell + ["question", "scale", "v"]).size().unstack("v", fill_value=0).reset_index()
    numeric = pd.DataFrame({"trust": r["question_1"].astype(float)})
    for column in DRIVER_COLUMNS:
        numeric[column] = pd.to_numeric(r[column].replace("null", np.nan))
    keys = r[["provider", "service", "fiscal_year", "fiscal_quarter"]]
    variables = list(numeric.columns)
    moments = {}
    for i, a in enumerate(variables):
        for b in variables[i:]:
            product = (numeric[a] * numeric[b]).rename("x")
            grouped = pd.concat([keys, product], axis=1).groupby(list(keys.columns))["x"]
            moments[(a, b)] = (grouped.sum(), grouped.count())
    c = pd.read_csv(info["cases"], dtype=str, keep_default_na=False)
    c["channel"] = c["source"].map(CASE_CHANNELS)
    c["stage"] = c["case_status"].map(CASE_STAGES)
    opened = pd.to_datetime(c["open_dt"], format=TIME_FORMAT).dt.normalize()
    closed = pd.to_datetime(c["closed_dt"].replace("", None), format=TIME_FORMAT).dt.normalize()
    due = pd.to_datetime(c["sla_target_dt"].replace("", None), format=TIME_FORMAT).dt.normalize()
    c["fiscal_year"] = opened.dt.year + (opened.dt.month >= 10)
    c["fiscal_quarter"] = (opened.dt.month + 2) % 12 // 3 + 1
    created = c.groupby(["subject", "type", "channel", "stage", "fiscal_year", "fiscal_quarter"]).size()
    done = c[closed.notna()].assign(
        closed_year=closed.dt.year + (closed.dt.month >= 10), closed_quarter=(closed.dt.month + 2) % 12 // 3 + 1,
        days=(closed - opened).dt.days, on_time=(closed <= due) & due.notna(), with_due=due.notna())
    completion = done.groupby(["subject", "type", "channel", "stage", "closed_year", "closed_quarter", "days"])[
        ["on_time", "with_due"]].agg(["sum", "count"])
    answers = int(counts[[v for v in counts.columns if v in ("0", "1", "2", "3", "4", "5")]].to_numpy().sum())
    return {"answers": answers, "cases": int(created.sum()),
            "rows": {"counts": len(counts), "moments": len(next(iter(moments.values()))[0]), "created": len(created),
                     "completion": len(completion)}}


# --- running a step as a child process --------------------------------------------------------

def run_step(name: str, command: list[str], folder: Path, timeout: float, env: dict | None = None) -> dict:
    """Run one step as its own process; its wall time, max RSS (from wait4) and, for the bench's own
    steps, the JSON it prints last."""
    log = folder / f"{name}.log"
    rss_file = folder / f"{name}.maxrss"
    started = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(timed(command, rss_file), stdout=out, stderr=subprocess.STDOUT, env=env, cwd=folder)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_tree(proc)
            proc.wait()
    seconds = time.perf_counter() - started
    result = {"step": name, "seconds": seconds, "max_rss_bytes": max_rss(rss_file), "returncode": proc.returncode,
              "ok": proc.returncode == 0, "log": str(log)}
    text = log.read_text(errors="replace")
    if proc.returncode != 0:
        result["error"] = ("killed after timeout" if proc.returncode == -9 else "") + _tail(text)
    for line in reversed(text.splitlines()):
        if line.startswith("BENCH-RESULT "):
            result["result"] = json.loads(line.removeprefix("BENCH-RESULT "))
            break
    if not text.startswith("BENCH") and proc.returncode == 0 and name.startswith("compute"):
        result["output"] = text.strip().splitlines()[-1] if text.strip() else ""
    return result


TIME = "/usr/bin/time"


def timed(command: list[str], rss_file: Path) -> list[str]:
    """The command under GNU time, which writes the command's own max RSS (KiB) to rss_file. (Not
    wait4 on our own child: Linux carries the forking parent's RSS high-water mark into a child's
    ru_maxrss across exec, so a big parent would inflate every step.)"""
    return [TIME, "-f", "%M", "-o", str(rss_file), *command] if os.path.exists(TIME) else command


def max_rss(rss_file: Path) -> int | None:
    try:
        return int(rss_file.read_text().strip().splitlines()[-1]) * 1024
    except (OSError, ValueError, IndexError):
        return None


def kill_tree(proc, sig=signal.SIGKILL) -> None:
    """Signal the step's process (the child of GNU time, which ignores SIGINT while it waits)."""
    import psutil
    try:
        targets = psutil.Process(proc.pid).children() or [psutil.Process(proc.pid)]
    except psutil.NoSuchProcess:
        return
    for target in targets:
        try:
            target.send_signal(sig)
        except psutil.NoSuchProcess:
            pass


def _tail(text: str, lines: int = 6) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])


def self_step(step: str, folder: Path, *extra: str) -> list[str]:
    return [PYTHON, str(HERE), "--step", step, "--workdir", str(folder), *extra]


# --- serving ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _options(tree, component_id: str) -> list:
    for node in _walk(tree):
        props = node.get("props") if isinstance(node.get("props"), dict) else None
        if props and props.get("id") == component_id and "options" in props:
            return [o["value"] if isinstance(o, dict) else o for o in props["options"]]
    return []


class Client:
    """Replays Dash's own callback requests: the bodies are built from /_dash-dependencies, as the
    renderer builds them (output, outputs, inputs with values, changedPropIds, state)."""

    def __init__(self, base: str, dependencies: list[dict]):
        import requests
        self.base, self.session = base, requests.Session()
        self.dependencies = dependencies

    def dependency(self, output_part: str) -> dict:
        return next(d for d in self.dependencies if output_part in d["output"])

    def callback(self, output_part: str, values: dict, changed: str) -> dict:
        dep = self.dependency(output_part)
        out = dep["output"]
        if out.startswith(".."):
            outputs = [dict(zip(("id", "property"), part.rsplit(".", 1))) for part in out.strip(".").split("...")]
        else:
            outputs = dict(zip(("id", "property"), out.rsplit(".", 1)))
        inputs = [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in dep["inputs"]]
        state = [{**s, "value": values.get(f"{s['id']}.{s['property']}")} for s in dep["state"]]
        body = {"output": out, "outputs": outputs, "inputs": inputs, "changedPropIds": [changed], "state": state}
        response = self.session.post(f"{self.base}/_dash-update-component", json=body, timeout=120)
        response.raise_for_status()
        return response.json()

    def sign_in(self, username: str, password: str) -> None:
        """Sign in through the local-account form as a browser does (its CSRF token included)."""
        form = self.session.get(f"{self.base}/sign-in", timeout=30)
        form.raise_for_status()
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        if not token:
            raise RuntimeError("no CSRF token on the sign-in page")
        answer = self.session.post(f"{self.base}/sign-in", data={"csrf_token": token.group(1), "username": username,
                                                                  "password": password, "next": "/"}, timeout=30)
        answer.raise_for_status()
        if self.session.get(f"{self.base}/_dash-layout", timeout=30).status_code != 200:
            raise RuntimeError("signing in did not open the dashboard")

    def page_load(self, path: str) -> tuple[float, dict]:
        """GET the page, its layout and dependencies, then the callbacks a browser fires on load:
        the page router (renders the page at pathname/search) and the shell's header."""
        started = time.perf_counter()
        for url in (path, "/_dash-layout", "/_dash-dependencies"):
            self.session.get(self.base + url, timeout=120).raise_for_status()
        page = self.callback("_pages_content.children", {"_pages_location.pathname": path, "_pages_location.search": ""},
                             "_pages_location.pathname")
        self.callback("shell-header.children", {"shell-location.pathname": path}, "shell-location.pathname")
        return time.perf_counter() - started, page


def serve_step(folder: Path, info: dict, db_url: str, users: int, requests_each: int, seed: int, timeout: float,
               think: float) -> dict:
    """Serve the computed database as an agency would (sign-in on, a local account) and measure
    page loads and filter changes: one user alone; ``users`` people at once, each pausing a random
    ``think`` seconds on average before the next change (reading the page); and the same users
    changing filters back to back with no pause (the server's capacity)."""
    import numpy as np
    import requests
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(folder / "serve.log", "w")
    rss_file = folder / "serve.maxrss"
    password = secrets.token_urlsafe(16)
    viewer = f"bench-viewer-{secrets.token_hex(3)}"  # a new account each round (--serve-only runs again)
    subprocess.run([CXDASH, "users", "add", viewer, "--name", "Bench viewer", "--password-stdin",
                    "--db", db_url, "--catalogue", info["catalogue"]], input=password + "\n", text=True, check=True,
                   cwd=folder, stdout=subprocess.DEVNULL)
    # a viewer of every provider (an account granted nothing sees no data, and would time empty pages)
    subprocess.run([CXDASH, "users", "grant", viewer, "--all", "--db", db_url, "--catalogue", info["catalogue"]],
                   check=True, cwd=folder, stdout=subprocess.DEVNULL)
    env = {**os.environ, "CXDASH_SECRET_KEY": secrets.token_hex(32)}
    proc = subprocess.Popen(timed([CXDASH, "serve", "--port", str(port), "--threads", "8", "--db", db_url,
                                   "--catalogue", info["catalogue"]], rss_file),
                            stdout=log, stderr=subprocess.STDOUT, cwd=folder, env=env)
    result: dict = {"step": "serve", "ok": False, "think_seconds": think}
    try:
        deadline = time.time() + 120
        started = time.perf_counter()
        while True:
            try:
                requests.get(base + "/sign-in", timeout=5).raise_for_status()
                break
            except requests.RequestException:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("the server did not answer: " + _tail((folder / "serve.log").read_text())) from None
                time.sleep(0.3)
        result["startup_seconds"] = time.perf_counter() - started
        probe = Client(base, [])
        probe.sign_in(viewer, password)
        deps = probe.session.get(base + "/_dash-dependencies", timeout=30).json()
        probe.dependencies = deps
        loads, trees = {}, {}
        for page, path in (("scorecard", "/"), ("journey", "/journey")):
            loads[page], trees[page] = probe.page_load(path)
        result["page_load_seconds"] = loads
        providers = {}
        for s in info["services"]:
            providers.setdefault(s["provider"], []).append(s["name"])
        choices = {
            "scorecard": {"quarter": _options(trees["scorecard"], "filter-quarter") or info["quarters"],
                          "channel": _options(trees["scorecard"], "filter-channel") or ["all"]},
            "journey": {"quarter": _options(trees["journey"], "journey-quarter") or info["quarters"],
                        "stage": _options(trees["journey"], "journey-stage") or ["all"]},
        }
        result["choices"] = {p: {k: len(v) for k, v in c.items()} for p, c in choices.items()}
        timings = {"scorecard": [], "journey": []}
        first_seen = {"scorecard": [], "journey": []}
        sizes: list[int] = []
        seen: set = set()
        lock = threading.Lock()
        errors: list[str] = []

        def user(number: int, count: int = requests_each, pause: float = 0.0) -> None:
            rng = np.random.default_rng(seed * 1000 + number)
            client = Client(base, deps)
            client.sign_in(viewer, password)
            for k in range(count):
                if pause:
                    time.sleep(rng.exponential(pause))
                page = ("scorecard", "journey")[(k + number) % 2]
                provider = "all" if rng.random() < 0.2 else str(rng.choice(list(providers)))
                service = "all" if provider == "all" or rng.random() < 0.3 else str(rng.choice(providers[provider]))
                quarter = str(rng.choice(choices[page]["quarter"]))
                if page == "scorecard":
                    channel = str(rng.choice(choices[page]["channel"]))
                    values = {"filter-quarter.value": quarter, "filter-provider.value": provider,
                              "filter-service.value": service, "filter-channel.value": channel}
                    part, changed = "scorecard-content.children", "filter-service.value"
                else:
                    stage = "all" if rng.random() < 0.5 else str(rng.choice(choices[page]["stage"]))
                    values = {"journey-quarter.value": quarter, "journey-provider.value": provider,
                              "journey-service.value": service, "journey-stage.value": stage}
                    part, changed = "journey-content.children", "journey-service.value"
                key = (page, tuple(sorted(values.items())))
                with lock:
                    new = key not in seen
                    seen.add(key)
                began = time.perf_counter()
                try:
                    answer = client.callback(part, values, changed)
                    if "response" not in answer:
                        raise RuntimeError(f"no rendered response: {str(answer)[:200]}")
                    if "not been granted" in json.dumps(answer) or "(no provider granted)" in json.dumps(answer):
                        raise RuntimeError("the bench viewer sees nothing: an account without grants")
                except Exception as exc:  # noqa: BLE001 (counted and shown, the run goes on)
                    with lock:
                        errors.append(f"{page}: {exc}")
                    continue
                took = time.perf_counter() - began
                with lock:
                    sizes.append(len(json.dumps(answer)))
                    timings[page].append(took)
                    if new:
                        first_seen[page].append(took)

        # one user alone first (its own views, never repeated by the others: user number -1), for scale
        user(-1, 20)
        result["single_user"] = {page: _percentiles(v) for page, v in timings.items()}
        for label, pause, offset in (("people", think, 0), ("saturated", 0.0, users)):
            timings = {"scorecard": [], "journey": []}
            first_seen = {"scorecard": [], "journey": []}
            threads = [threading.Thread(target=user, args=(offset + i, requests_each, pause)) for i in range(users)]
            began = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout)
            wall = time.perf_counter() - began
            everything = [x for v in timings.values() for x in v]
            result[label] = {"filter_changes": {page: _percentiles(v) for page, v in timings.items()},
                             "first_seen": {page: _percentiles(v) for page, v in first_seen.items()},
                             "all": _percentiles(everything),
                             "throughput_per_second": len(everything) / wall if wall else None}
        result["mean_response_bytes"] = sum(sizes) / len(sizes) if sizes else None
        result["errors"] = len(errors)
        if errors:
            result["first_errors"] = errors[:3]
        result["ok"] = not errors
    except Exception as exc:  # noqa: BLE001
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        if proc.poll() is None:
            kill_tree(proc, signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                kill_tree(proc)
                proc.wait()
        log.close()
    result["max_rss_bytes"] = max_rss(rss_file)
    return result


def _percentiles(values: list[float]) -> dict:
    import numpy as np
    if not values:
        return {"n": 0}
    ms = np.asarray(values) * 1000
    return {"n": len(values), "p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
            "p99_ms": float(np.percentile(ms, 99)), "max_ms": float(ms.max())}


# --- the report -------------------------------------------------------------------------------

def storage(db_path: Path) -> dict:
    files = [db_path, db_path.with_name(db_path.name + "-wal")]
    out = {"bytes": sum(f.stat().st_size for f in files if f.exists())}
    try:
        with sqlite3.connect(db_path) as conn:
            rows = conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
        out["largest"] = [(name, int(size)) for name, size in rows[:8]]
        out["survey_bytes"] = sum(int(s) for n, s in rows if "survey" in n.lower())
        out["case_bytes"] = sum(int(s) for n, s in rows if "case" in n.lower())
    except sqlite3.Error as exc:
        out["dbstat"] = str(exc)
    return out


def database_checks(db_path: Path) -> dict:
    try:
        with sqlite3.connect(db_path) as conn:
            answers = conn.execute("SELECT count(*) FROM survey_answer").fetchone()[0]
            finest = conn.execute("SELECT sum(n) FROM score_cell WHERE provider != 'all' AND service != 'all' "
                                  "AND channel != 'all' AND stage != 'all' AND provider LIKE 'Bench Provider %'").fetchone()[0]
            cases = conn.execute("SELECT count(*) FROM case_record").fetchone()[0]
        return {"answers": answers, "finest_cells_n": finest, "cases": cases}
    except sqlite3.Error as exc:
        return {"error": str(exc)}


def code_version() -> str:
    """The commit measured, and whether the working tree differed from it (the install is editable)."""
    import cxdash
    root = Path(cxdash.__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              timeout=10).stdout.strip()
        changed = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                 capture_output=True, text=True, timeout=10).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    return f"{head or 'unknown'}" + (f" with {len(changed)} changed file(s) in the working tree" if changed else " (clean)")


def mb(value) -> str:
    return "-" if value is None else f"{value / 1024 ** 2:,.0f} MB"


def seconds(value) -> str:
    return "-" if value is None else f"{value:,.2f} s"


def report(args, info: dict, steps: dict, serve: dict | None, store: dict, checks: dict) -> tuple[str, dict]:
    lines = []
    say = lines.append
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    say(f"cxdash scale benchmark, {now}; {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    say(f"code: {code_version()}")
    csv_bytes = (info.get("csv_bytes_responses") or 0) + (info.get("csv_bytes_cases") or 0)
    say(f"data: {args.responses:,} responses in {len(info.get('uploads', []))} uploads ({args.services} services x "
        f"{args.quarters} quarters x 2 channels, seed {args.seed}, trust form {args.trust_forms}), {args.cases:,} cases; source CSV "
        f"{mb(info.get('csv_bytes_responses'))} + {mb(info.get('csv_bytes_cases'))}")
    say("")
    say(f"{'step':<22}{'time':>12}{'peak RSS':>12}  notes")
    for name in ("generate", "init", "load", "compute-first", "load-new-quarter", "compute-new-quarter", "compute",
                 "duckdb", "pandas"):
        s = steps.get(name)
        if not s:
            continue
        note = "" if s.get("ok") else "FAILED: " + s.get("error", "")[:300]
        r = s.get("result") or {}
        if name in ("load", "load-new-quarter") and r:
            cpu = r.get("responses_cpu_seconds")
            cpu_rate = f", {r['responses_loaded'] / cpu:,.0f}/s of its CPU time" if cpu else ""
            note = note or (f"{r['responses_loaded']:,} responses in {r['responses_seconds']:.1f} s "
                            f"({r['responses_loaded'] / r['responses_seconds']:,.0f}/s{cpu_rate}), {r['cases_loaded']:,} cases in "
                            f"{r['cases_seconds']:.1f} s ({r['cases_loaded'] / max(r['cases_seconds'], 1e-9):,.0f}/s); "
                            f"rejected {r['responses_rejected']} + {r['cases_rejected']}")
        elif name in ("duckdb", "pandas") and r:
            note = note or f"{r['answers']:,} answers, {r['cases']:,} cases; result rows {r['rows']}"
        elif name.startswith("compute") and s.get("ok"):
            note = s.get("output", "")
        say(f"{name:<22}{seconds(s.get('seconds')):>12}{mb(s.get('max_rss_bytes')):>12}  {note}")
    if serve:
        say(f"{'serve (whole run)':<22}{'':>12}{mb(serve.get('max_rss_bytes')):>12}  "
            + ("" if serve.get("ok") else "FAILED: " + str(serve.get("error") or serve.get("first_errors"))[:300]))
    say("")
    compute, duck, naive = (steps.get(k, {}) for k in ("compute", "duckdb", "pandas"))
    goals = []

    def goal(name, value_text, met):
        goals.append({"goal": name, "measured": value_text, "met": met})

    def ratio(a, b):
        return a["seconds"] / b["seconds"] if a.get("ok") and b.get("ok") else None
    to_duck, to_pandas = ratio(compute, duck), ratio(naive, compute)
    say("compute against the baselines (same CSV data, same per-cell statistics):")
    say(f"  cxdash compute / DuckDB   = {to_duck:.2f}" if to_duck else "  cxdash compute / DuckDB   = - (a step failed)")
    say(f"  naive pandas / cxdash compute = {to_pandas:.2f}" if to_pandas else "  naive pandas / cxdash compute = -")
    if checks.get("answers") is not None and duck.get("result") and naive.get("result") and compute.get("ok"):
        agree = len({checks["answers"], checks.get("finest_cells_n"), duck["result"]["answers"], naive["result"]["answers"]}) == 1
        say(f"  check: answers counted: database {checks['answers']:,}, finest score cells {checks.get('finest_cells_n') or 0:,}, "
            f"DuckDB {duck['result']['answers']:,}, pandas {naive['result']['answers']:,}: {'agree' if agree else 'DIFFER'}")
    goal("compute within 1.5x of DuckDB", f"{to_duck:.2f}x" if to_duck else "not measured", bool(to_duck and to_duck <= 1.5))
    goal("compute at least 5x faster than naive pandas", f"{to_pandas:.2f}x" if to_pandas else "not measured",
         bool(to_pandas and to_pandas >= 5))
    new_quarter = steps.get("compute-new-quarter", {})
    share = ratio(new_quarter, compute)
    say(f"  a new quarter's file: its compute / a full compute = {share:.2f}" if share else
        "  a new quarter's file: its compute / a full compute = - (a step failed)")
    goal("a new quarter recomputes in under a tenth of a full compute", f"{share:.2f}" if share else "not measured",
         bool(share and share < 0.1))
    loads = [steps.get(k, {}).get("result") for k in ("load", "load-new-quarter")]
    rate = None
    if all(loads):
        taken = sum(r["responses_seconds"] for r in loads)
        rate = sum(r["responses_loaded"] for r in loads) / taken if taken else None
    goal("load at least 100,000 responses/s", f"{rate:,.0f}/s" if rate else "not measured", bool(rate and rate >= 100_000))
    for name in ("load", "compute"):
        s = steps.get(name, {})
        goal(f"peak memory of {name} under 1 GB", mb(s.get("max_rss_bytes")) if s.get("ok") else "not measured",
             bool(s.get("ok") and s["max_rss_bytes"] < GB))
    if serve:
        rss = serve.get("max_rss_bytes")
        goal("peak memory of the serving process under 1 GB", mb(rss), bool(rss and rss < GB))
        say("")
        say(f"serve: cxdash serve --threads 8, sign-in on (a local account); {args.users} users x {args.requests} "
            f"filter changes each (alternating scorecard and journey; random quarter, provider, service, channel/stage)")
        for page, seconds_taken in (serve.get("page_load_seconds") or {}).items():
            say(f"  full page load (GET page, layout, dependencies, router and header callbacks), first after start: "
                f"{page} {seconds_taken * 1000:,.0f} ms")
        for page, p in (serve.get("single_user") or {}).items():
            if p.get("n"):
                say(f"  {page:<10} one user alone:  n {p['n']:>4}  p50 {p['p50_ms']:7.0f} ms  p95 {p['p95_ms']:7.0f} ms  "
                    f"p99 {p['p99_ms']:7.0f} ms")
        rounds = (("people", f"{args.users} people at once, each pausing {args.think:g} s on average (exponential) "
                             "before the next change"),
                  ("saturated", f"the same {args.users} users with no pause (the server's capacity)"))
        for label, title in rounds:
            run = serve.get(label) or {}
            say(f"  {title}:")
            for page in ("scorecard", "journey"):
                p, f = (run.get("filter_changes") or {}).get(page), (run.get("first_seen") or {}).get(page)
                if p and p.get("n"):
                    say(f"    {page:<10} filter change: n {p['n']:>4}  p50 {p['p50_ms']:7.0f} ms  p95 {p['p95_ms']:7.0f} ms  "
                        f"p99 {p['p99_ms']:7.0f} ms  max {p['max_ms']:7.0f} ms")
                if f and f.get("n"):
                    say(f"    {'':<10} first time a view is asked: n {f['n']:>4}  p50 {f['p50_ms']:7.0f} ms  "
                        f"p95 {f['p95_ms']:7.0f} ms  p99 {f['p99_ms']:7.0f} ms")
            if run.get("throughput_per_second"):
                say(f"    throughput {run['throughput_per_second']:.1f} callbacks/s")
        say(f"  mean response {(serve.get('mean_response_bytes') or 0) / 1024:,.0f} KiB; errors {serve.get('errors', 0)}")
        for label, title in (("people", f"{args.think:g} s pauses"), ("saturated", "no pauses")):
            worst = max((p.get("p95_ms", 0) for p in ((serve.get(label) or {}).get("filter_changes") or {}).values()
                         if p.get("n")), default=None)
            goal(f"any filter change p95 under 100 ms with {args.users} users ({title})",
                 f"{worst:,.0f} ms (worst page)" if worst is not None else "not measured",
                 bool(worst is not None and worst < 100 and serve.get("ok")))
    if store.get("bytes"):
        storage_ratio = store["bytes"] / csv_bytes
        say("")
        after = "compute" if compute.get("ok") else "load"
        say(f"storage: database {mb(store['bytes'])} after {after}, source CSV {mb(csv_bytes)}: {storage_ratio:.2f}x")
        if store.get("survey_bytes") is not None and info.get("csv_bytes_responses"):
            say(f"  survey tables and indexes {mb(store['survey_bytes'])} = {store['survey_bytes'] / info['csv_bytes_responses']:.2f}x "
                f"the response CSVs; case tables {mb(store['case_bytes'])} = "
                f"{store['case_bytes'] / max(info['csv_bytes_cases'], 1):.2f}x the cases CSV")
            say("  largest: " + ", ".join(f"{n} {mb(s)}" for n, s in store.get("largest", [])[:6]))
        goal("storage no larger than 3x the source CSV", f"{storage_ratio:.2f}x", storage_ratio <= 3)
    say("")
    say("goals:")
    for g in goals:
        say(f"  [{'met' if g['met'] else 'NOT MET'}] {g['goal']}: {g['measured']}")
    data = {"when": now, "machine": {"node": platform.node(), "cores": os.cpu_count(), "python": platform.python_version()},
            "args": vars(args), "steps": steps, "serve": serve, "storage": store, "checks": checks, "goals": goals,
            "csv_bytes": csv_bytes}
    return "\n".join(lines), data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=20000)
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--services", type=int, default=26)
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--trust-forms", choices=["thumbs", "likert", "mixed"], default="thumbs",
                        help="the trust question's form on every service, or mixed (even services thumbs, odd Likert)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=25, help="filter changes per user")
    parser.add_argument("--think", type=float, default=3.0,
                        help="mean seconds a user pauses before each change in the 'people' round")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds any one step may take")
    parser.add_argument("--workdir", type=Path, help="keep the data and database here (default: a temporary folder)")
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    parser.add_argument("--no-serve", action="store_true")
    parser.add_argument("--serve-only", action="store_true",
                        help="only the serving round, against the database a run left in --workdir")
    parser.add_argument("--baseline-memory", type=float, default=16.0,
                        help="GiB the naive pandas baseline may address; past it the baseline fails with "
                             "MemoryError instead of waking the kernel's OOM killer (0: no cap)")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        folder = args.workdir
        db_url = f"sqlite:///{folder / 'cxdash.db'}"
        if args.step == "pandas" and args.baseline_memory:
            cap = int(args.baseline_memory * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        run = {"load": lambda: step_load(folder, db_url), "load-last": lambda: step_load(folder, db_url, "last"),
               "duckdb": lambda: step_duckdb(folder),
               "pandas": lambda: step_pandas(folder)}[args.step]
        print("BENCH-RESULT " + json.dumps(run()), flush=True)
        return
    if args.serve_only:
        if not args.workdir or not (args.workdir / "manifest.json").is_file():
            parser.error("--serve-only needs --workdir of an earlier run")
        info = json.loads((args.workdir / "manifest.json").read_text())
        serve = serve_step(args.workdir, info, f"sqlite:///{args.workdir / 'cxdash.db'}", args.users, args.requests,
                           args.seed, args.timeout, args.think)
        text, _ = report(args, info, {}, serve, {}, {})
        print(text)
        return
    folder = args.workdir or Path(tempfile.mkdtemp(prefix="cxdash-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "cxdash.db"
    db_url = f"sqlite:///{db_path}"
    steps: dict = {}
    info: dict = {}
    serve = None
    print(f"work folder: {folder}", flush=True)
    try:
        started = time.perf_counter()
        try:
            info = generate(folder, args.responses, args.cases, args.services, args.quarters, args.seed, args.trust_forms)
            steps["generate"] = {"ok": True, "seconds": time.perf_counter() - started}
        except Exception as exc:  # noqa: BLE001
            steps["generate"] = {"ok": False, "error": traceback.format_exc(limit=3)}
            print(f"generate failed: {exc}", flush=True)
        common = ["--db", db_url, "--catalogue", info.get("catalogue", "")]
        cap = ["--baseline-memory", str(args.baseline_memory)]
        plan = [("init", [CXDASH, "init", *common]), ("load", self_step("load", folder)),
                ("compute-first", [CXDASH, "compute", *common]), ("load-new-quarter", self_step("load-last", folder)),
                ("compute-new-quarter", [CXDASH, "compute", *common]),
                ("compute", [CXDASH, "compute", "--full", *common]), ("duckdb", self_step("duckdb", folder)),
                ("pandas", self_step("pandas", folder, *cap))]
        for name, command in plan if info else []:
            print(f"running {name} ...", flush=True)
            try:
                steps[name] = run_step(name, command, folder, args.timeout)
            except Exception as exc:  # noqa: BLE001
                steps[name] = {"step": name, "ok": False, "error": f"{type(exc).__name__}: {exc}"}
            print(f"  {name}: {'ok' if steps[name]['ok'] else 'FAILED'} {seconds(steps[name].get('seconds'))} "
                  f"{mb(steps[name].get('max_rss_bytes'))}", flush=True)
        store = storage(db_path) if db_path.exists() else {}
        checks = database_checks(db_path) if db_path.exists() else {}
        if info and steps.get("compute", {}).get("ok") and not args.no_serve:
            print("serving ...", flush=True)
            serve = serve_step(folder, info, db_url, args.users, args.requests, args.seed, args.timeout, args.think)
        text, data = report(args, info, steps, serve, store, checks)
        print()
        print(text)
        if args.json:
            args.json.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
            print(f"\nJSON: {args.json}")
    finally:
        if not args.workdir:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
