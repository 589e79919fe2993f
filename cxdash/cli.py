"""The cxdash command line. User errors print one line and exit non-zero; never a traceback."""
from __future__ import annotations

import contextlib
import functools
import os
import shlex
import sys
from pathlib import Path

import click
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from cxdash import paths
from cxdash.errors import UserError
from cxdash.kinds import LOAD_KINDS

SOURCES_OPTION = click.option("--sources", "sources_file", envvar="CXDASH_SOURCES", metavar="PATH",
                              help="Sources config (default: sources.yaml of --config-dir, else the shipped one).")
DEFAULT_PORT = 8050


class Context:
    """Resolved once per command: database URL and catalogue. The catalogue is validated here, so
    every command that takes --catalogue names a mistake in it, even one that only reads results."""

    def __init__(self, db: str | None, catalogue: str | None):
        self.url = paths.database_url(db)
        self.catalogue_path = Path(catalogue) if catalogue else paths.catalogue_path()
        self.catalogue  # noqa: B018 (loads and validates)

    @functools.cached_property
    def engine(self):
        from cxdash.db.engine import make_engine
        return make_engine(self.url)

    @functools.cached_property
    def catalogue(self):
        from cxdash.catalogue import load_catalogue
        return load_catalogue(self.catalogue_path)

    def ready_engine(self):
        from cxdash.db.engine import require_schema
        require_schema(self.engine)
        return self.engine


def _common(func):
    """--db and --catalogue on every command, as the issue asks."""
    func = click.option("--catalog", "--catalogue", "catalogue", envvar=["CXDASH_CATALOG", "CXDASH_CATALOGUE"],
                        metavar="PATH",
                        help="Measure catalog YAML (default: catalogue.yaml of --config-dir, else the shipped one; "
                             "--catalogue still works).")(func)
    func = click.option("--db", "db", metavar="URL",
                        help="SQLAlchemy database URL (default: $CXDASH_DATABASE_URL or ./var/cxdash.db).")(func)
    return func


def _friendly(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            raise click.ClickException(str(exc)) from None
        except OperationalError as exc:
            raise click.ClickException(f"database error: {str(exc.orig).strip().splitlines()[0]}") from None
        except SQLAlchemyError as exc:
            raise click.ClickException(f"database error: {type(exc).__name__}: {str(exc).splitlines()[0]}") from None
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config-dir", type=click.Path(path_type=Path), envvar=paths.CONFIG_DIR_ENV, metavar="DIR",
              help="The agency's configuration folder (default: $CXDASH_CONFIG_DIR). A file it lacks falls back "
                   "to the shipped default; 'cxdash config init DIR' makes one.")
@click.version_option(package_name="cxdash")
@click.pass_context
def main(click_ctx: click.Context, config_dir: Path | None) -> None:
    """cxdash: executive customer-experience (CX) performance dashboard.

    Typical use: cxdash init; cxdash load a11-quarterly FILE.csv; cxdash compute; cxdash serve.
    Or all at once with the sample data: cxdash demo.
    """
    if config_dir is None:
        return
    if not config_dir.is_dir() and click_ctx.invoked_subcommand != "config":
        raise click.ClickException(f"--config-dir {config_dir}: no such folder (make one with 'cxdash config init "
                                   f"{shlex.quote(str(config_dir))}')")
    # Through the environment, so the web app, the review-pack builds it starts and the
    # scheduler's jobs read the same folder; restored when the command ends (for callers in-process).
    previous = os.environ.get(paths.CONFIG_DIR_ENV)
    os.environ[paths.CONFIG_DIR_ENV] = str(config_dir.resolve())
    click_ctx.call_on_close(functools.partial(_restore_env, paths.CONFIG_DIR_ENV, previous))


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


@main.group("config")
def config_group() -> None:
    """The agency's configuration folder: its own copies of the shipped defaults."""


@config_group.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite files the folder already holds.")
@click.option("--example", type=click.Choice(paths.examples()), default=None,
              help="Start from a shipped example: its files (e.g. the city 311 catalog and sources) "
                   "instead of the defaults of the same name.")
@_friendly
def config_init(folder: Path, force: bool, example: str | None):
    """Copy every default configuration file (catalogue, sources, maturity model, initiatives,
    mappings, templates) into FOLDER for editing. Files already there are left alone unless --force."""
    import shutil

    names = paths.default_config_files()
    existing = [name for name in names if (folder / name).exists()]
    if existing and not force:
        shown = ", ".join(existing[:3]) + (f" and {len(existing) - 3} more" if len(existing) > 3 else "")
        raise UserError(f"{folder}: already holds {shown}; nothing written (--force overwrites them)")
    sources = [paths.example_dir(example)] if example else []
    sources.append(paths.default_config_dir())
    try:
        for name in names:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(next(s / name for s in sources if (s / name).is_file()), folder / name)
    except OSError as exc:
        raise UserError(f"{exc.filename}: {exc.strerror}") from None
    where = folder.resolve()
    click.echo(f"wrote {len(names)} files to {where}:")
    for name in names:
        click.echo(f"  {name}")
    quoted = shlex.quote(str(where))
    click.echo("Edit what your agency needs; delete any file you keep as shipped (cxdash then reads the default).\n"
               f"Use the folder with every command: cxdash --config-dir {quoted} COMMAND\n"
               f"or for every process (web servers, scheduler): export {paths.CONFIG_DIR_ENV}={quoted}\n"
               "Sources named sample:NAME in sources.yaml are the sample data shipped with cxdash; "
               "point them at your own files.")


@main.group("mapping")
def mapping_group() -> None:
    """Mappings: how an export's columns become cxdash's fields (config/mappings)."""


@mapping_group.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--mapping", "mapping_name", required=True, help="A mapping name in config/mappings, or a YAML file.")
@_friendly
def mapping_check(file: Path, mapping_name: str):
    """Show what MAPPING makes of FILE before anything is stored: each column read as which field,
    ignored, or used by nothing; columns missing; and a dry run of every row's validation. Exits
    non-zero when the file lacks a column the mapping reads or one it lists under ignore."""
    from cxdash.catalogue import load_catalogue
    from cxdash.loaders.fields import DateWindow
    from cxdash.loaders.mapping_check import check
    window = DateWindow.from_settings(load_catalogue(paths.catalogue_path()).settings)
    report = check(file, mapping_name, window)
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        raise click.ClickException("the mapping does not fit this file")


@contextlib.contextmanager
def _new_database_removed_on_failure(ctx: Context):
    """A SQLite file (and folders) this block creates is removed again if it fails, so a failed
    init never leaves an empty database behind that later commands would take for a real one."""
    from cxdash.db.engine import sqlite_file
    database = sqlite_file(ctx.url)
    if database is None or database.exists():
        yield
        return
    companions = [database.with_name(database.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]
    ours = [path for path in companions if not path.exists()]
    folders = [folder for folder in [database.parent, *database.parent.parents] if not folder.exists()]
    try:
        yield
    except BaseException:
        ctx.engine.dispose()
        for path in ours:
            if path.is_file():
                path.unlink()
        for folder in folders:  # deepest first; stops at one that holds anything
            try:
                folder.rmdir()
            except OSError:
                break
        raise


@main.command()
@_common
@_friendly
def init(db, catalogue):
    """Create or upgrade the database schema (Alembic migrations)."""
    from cxdash.db.engine import upgrade
    ctx = Context(db, catalogue)  # the catalogue is checked before any database is touched
    with _new_database_removed_on_failure(ctx):
        upgrade(ctx.engine)
    click.echo(f"database ready: {ctx.engine.url.render_as_string(hide_password=True)}")


@main.command()
@click.argument("kind", type=click.Choice(LOAD_KINDS), required=False)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--source", help="Alone: load this configured source (config/sources.yaml). With KIND and FILES: "
                               "the source name recorded for freshness (default: the kind).")
@SOURCES_OPTION
@click.option("--mapping", help="survey-responses, cases, contacts, feedback, employee: column mapping name in "
                                "config/mappings (or a YAML path).")
@click.option("--provider", help="Response files: provider of the service (as in the catalog).")
@click.option("--service", help="Response files: service name (as in the catalog).")
@click.option("--channel", help="Response files: Touchpoints channel, e.g. computer.")
@click.option("--quarter", help="a11-responses: fiscal quarter, e.g. FY2025Q2.")
@click.option("--stage", help="Response files: journey stage (default: the service's default stage).")
@click.option("--trust-scale", type=click.Choice(["auto", "thumbs", "likert"]), default="auto", show_default=True,
              help="a11-responses: how question_1 is answered.")
@click.option("--compute/--no-compute", default=True, show_default=True, help="Recompute scores after loading.")
@_common
@_friendly
def load(kind, files, source, sources_file, mapping, provider, service, channel, quarter, stage, trust_scale, compute,
         db, catalogue):
    """Load files of KIND: a11-quarterly, a11-responses, or (with --mapping) survey-responses, cases,
    contacts, feedback or employee.

    Bad rows are kept aside with file, line, field and reason; good rows load. Loading the same
    file twice adds nothing.
    """
    ctx = Context(db, catalogue)
    if kind is None:
        if not source:
            raise UserError("give KIND and FILES, or --source NAME to load a configured source")
        _load_source(ctx, source, sources_file, compute)
        return
    if not files:
        raise UserError(f"give the file(s) to load as {kind}")
    engine = ctx.ready_engine()
    from cxdash.loaders.registry import file_loader
    load_file = file_loader(kind, engine, ctx.catalogue, source=source, mapping=mapping, provider=provider,
                            service=service, channel=channel, quarter=quarter, stage=stage, trust_scale=trust_scale)
    failed = []
    for path in files:
        try:
            report = load_file(path)
        except UserError as exc:  # this file failed as a whole (and is recorded); go on with the others
            _audit(ctx, "file.load", str(path), kind=kind, status="failed", message=str(exc)[:500])
            if len(files) == 1:
                raise
            click.echo(f"Error: {exc}", err=True)
            failed.append(path)
            continue
        _audit(ctx, "file.load", str(path), kind=kind, status=report.status, run_id=report.run_id,
               rows_loaded=report.rows_loaded, rows_rejected=report.rows_rejected)
        click.echo(report.summary())
        for rejection in report.rejections[:20]:
            click.echo(f"  rejected {path}:{rejection.line}: {rejection.field}: {rejection.reason}", err=True)
        if len(report.rejections) > 20:
            click.echo(f"  ... and {len(report.rejections) - 20} more rejected rows (stored in rejected_row)", err=True)
    if compute and len(failed) < len(files):
        from cxdash.compute import compute as run_compute
        click.echo(run_compute(engine, ctx.catalogue).summary())
    if failed:
        raise click.ClickException(f"{len(failed)} of {len(files)} file(s) failed to load")


def _audit(ctx: Context, action: str, target: str = "", *, provider: str = "all", service: str = "all",
           **details) -> None:
    """Record what this command changed in the audit trail, as the operating-system user."""
    from cxdash import audit
    audit.record(ctx.engine, audit.cli_principal(), action, target, provider=provider, service=service,
                 details=details)


def _sources(sources_file):
    from cxdash.sources import load_sources
    return load_sources(Path(sources_file) if sources_file else paths.sources_path())


def _load_source(ctx: Context, name: str, sources_file, recompute: bool) -> None:
    _run_source(ctx, _sources(sources_file), name, recompute, ctx.ready_engine())


def _run_source(ctx: Context, sources, name: str, recompute: bool, engine) -> None:
    """Run one configured source, say how it went, and record it in the audit trail."""
    from cxdash.sources import run_source
    outcome = run_source(engine, ctx.catalogue, sources, name, recompute=recompute)
    _audit(ctx, "source.load", name, status=outcome.status, files=outcome.files, rows_loaded=outcome.rows_loaded,
           rows_rejected=outcome.rows_rejected, job_run_id=outcome.job_run_id)
    click.echo(outcome.summary())
    if outcome.status == "failed":
        raise UserError(f"source {name} failed: {outcome.message}")


@main.command()
@SOURCES_OPTION
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@_common
@_friendly
def sources(sources_file, fmt, db, catalogue):
    """List the configured sources with their last run and health (fresh, late, out_of_date, missing,
    failed), judged on the date their data run to against their cadence."""
    from cxdash.health import HEALTH_COLUMNS, source_health
    ctx = Context(db, catalogue)
    frame = source_health(ctx.ready_engine(), _sources(sources_file))
    if frame.empty:
        raise UserError("no sources configured and nothing loaded yet")
    records = _health_records(frame)
    if fmt == "json":
        import json
        click.echo(json.dumps(records, indent=2))
    elif fmt == "csv":
        import csv
        import io
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=HEALTH_COLUMNS, lineterminator="\n")
        writer.writeheader()
        from cxdash.exports.csv_safety import safe_cell  # names and reasons come with the data
        writer.writerows({k: "" if v is None else str(v).lower() if isinstance(v, bool) else safe_cell(v)
                          for k, v in record.items()} for record in records)
        click.echo(out.getvalue(), nl=False)
    else:
        click.echo(_sources_table(records))


def _health_records(frame) -> list[dict]:
    """The health frame as plain values: ISO 8601 times in UTC and days, None for never (no NaT)."""
    import datetime as dt

    import pandas as pd

    def plain(column, value):
        if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
            return None
        if column in ("last_success", "last_attempt"):
            return pd.Timestamp(value).isoformat()
        if column in ("data_as_of", "due_by"):
            if isinstance(value, str):
                return value[:10]
            return (value.date() if isinstance(value, dt.datetime) else value).isoformat()
        if column.startswith("rows_"):
            return int(value)
        if column == "configured":
            return bool(value)
        return str(value)

    return [{column: plain(column, value) for column, value in row.items()} for row in frame.to_dict("records")]


SOURCES_TABLE = [("source", "source", "<"), ("health", "health", "<"), ("last_success", "last success UTC", "<"),
                 ("data_as_of", "data as of", "<"), ("rows_loaded", "loaded", ">"), ("rows_rejected", "rejected", ">"),
                 ("cadence", "cadence", "<")]


def _sources_table(records: list[dict], width: int = 100) -> str:
    """One line per source within ``width`` columns (kind, schedule and location are in --format
    csv or json); a source never loaded says so; the reason of a failure is wrapped beneath it."""
    import textwrap

    def cell(record, column):
        value = record[column]
        if column == "last_success":
            return value[:16].replace("T", " ") if value else "never"
        if column.startswith("rows_") and not record["last_success"]:
            return ""  # nothing loaded yet, not "0 rows"
        return "" if value is None else str(value)

    rows = [[cell(record, column) for column, _, _ in SOURCES_TABLE] for record in records]
    widths = [max(len(title), *(len(row[i]) for row in rows)) for i, (_, title, _) in enumerate(SOURCES_TABLE)]
    overflow = sum(widths) + 2 * (len(widths) - 1) - width
    if overflow > 0:  # the last resort: shorten the longest source names
        widths[0] = max(len("source"), widths[0] - overflow)
        for row in rows:
            if len(row[0]) > widths[0]:
                row[0] = row[0][:widths[0] - 1] + "…"

    def line(cells):
        return "  ".join(f"{text:{align}{w}}" for text, w, (_, _, align) in zip(cells, widths, SOURCES_TABLE)).rstrip()

    lines = [line([title for _, title, _ in SOURCES_TABLE])]
    for record, row in zip(records, rows):
        lines.append(line(row))
        if record["message"]:
            reason = " ".join(str(record["message"]).split())
            lines += textwrap.wrap(f"{record['last_status'] or 'failed'}: {reason}", width=width,
                                   initial_indent="    ", subsequent_indent="      ")
    return "\n".join(lines)


@main.command()
@SOURCES_OPTION
@click.option("--pack-builds", type=click.IntRange(min=1), default=1, show_default=True, envvar="CXDASH_PACK_BUILDS",
              help="At most this many queued review packs built at once (across every worker).")
@_common
@_friendly
def scheduler(sources_file, pack_builds, db, catalogue):
    """Run the scheduler: load each source on its cron schedule, then recompute; build the queued
    review packs. One process only; web workers never schedule. Jobs and their run history live
    in the database."""
    from cxdash.scheduler import run_scheduler
    ctx = Context(db, catalogue)  # a mistake in the catalogue is named now, not at the first tick
    ctx.ready_engine()
    run_scheduler(ctx.url, str(ctx.catalogue_path), str(Path(sources_file) if sources_file else paths.sources_path()),
                  pack_builds)


@main.command()
@click.option("--full", is_flag=True, help="Recount every survey cell from its answers, not only those loads changed.")
@_common
@_friendly
def compute(full, db, catalogue):
    """Recompute scores and measure results from everything loaded.

    Survey answers are recounted only in the cells (quarter, service, channel, stage) that loads
    changed since the last compute; everything after the counts is computed afresh."""
    from cxdash.compute import compute as run_compute
    ctx = Context(db, catalogue)
    click.echo(run_compute(ctx.ready_engine(), ctx.catalogue, full=full).summary())


@main.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--quarter", help="Only this fiscal quarter, e.g. FY2022Q3.")
@_common
@_friendly
def scores(fmt, quarter, db, catalogue):
    """Print the computed A-11 scores: one row per quarter, provider, service, channel, stage, question.

    'all' in provider, service, channel or stage marks a roll-up. Suppressed cells (n below the
    minimum) have empty statistics.
    """
    from cxdash.db import queries
    from cxdash.exports.scores import scores_csv, scores_json
    ctx = Context(db, catalogue)
    fq = _quarter(quarter)
    frame = queries.scores(ctx.ready_engine(), fq.year if fq else None, fq.quarter if fq else None)
    if frame.empty:
        raise UserError("no computed scores" + (f" for {fq.label}" if fq else "") + ": load data, then run 'cxdash compute'")
    click.echo(scores_csv(frame) if fmt == "csv" else scores_json(frame), nl=False)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--quarter", help="Only this fiscal quarter, e.g. FY2018Q3.")
@_common
@_friendly
def indicators(fmt, quarter, db, catalogue):
    """Print the computed non-survey indicators: one row per indicator, quarter, provider, service,
    channel and stage, with value, n and unit ('all' marks a roll-up)."""
    from cxdash.db import queries
    from cxdash.exports.scores import indicators_csv, indicators_json
    ctx = Context(db, catalogue)
    fq = _quarter(quarter)
    frame = queries.indicators(ctx.ready_engine(), fq.year if fq else None, fq.quarter if fq else None)
    if frame.empty:
        raise UserError("no computed indicators" + (f" for {fq.label}" if fq else "") +
                        ": load cases, contacts, feedback or employee data, then run 'cxdash compute'")
    click.echo(indicators_csv(frame) if fmt == "csv" else indicators_json(frame), nl=False)


def _quarter(label):
    from cxdash.metrics.fiscal import FiscalQuarter
    if not label:
        return None
    try:
        return FiscalQuarter.parse(label)
    except ValueError as exc:
        raise UserError(str(exc)) from None


@main.group()
def initiatives() -> None:
    """The register of CX improvement initiatives (config/initiatives.yaml) behind the Portfolio page."""


@initiatives.command("sync")
@click.option("--file", "register_file", type=click.Path(dir_okay=False),
              help="The register (default: initiatives.yaml beside the catalog).")
@_common
@_friendly
def initiatives_sync(register_file, db, catalogue):
    """Check the register against the catalogue and store it (replacing what was stored)."""
    from cxdash.initiatives import load_register, register_path, sync
    ctx = Context(db, catalogue)
    path = Path(register_file) if register_file else register_path(catalogue)  # beside a --catalogue given
    count = sync(ctx.ready_engine(), load_register(path, ctx.catalogue))
    _audit(ctx, "initiatives.sync", str(path), initiatives=count)
    click.echo(f"{count} initiatives from {path} stored")


@main.command("review-pack")
@click.option("--quarter", help="Fiscal quarter of the review, e.g. FY2023Q1 (default: the latest with results).")
@click.option("--format", "fmt", type=click.Choice(["pptx", "pdf"]), default="pptx", show_default=True)
@click.option("--template", type=click.Path(exists=True, dir_okay=False), help="The agency's PowerPoint template (.pptx).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Folder to write the pack to.")
@click.option("--provider", default="all", show_default=True, help="Only this provider's services.")
@click.option("--service", default="all", show_default=True, help="Only this service.")
@click.option("--job", "job_id", type=int, hidden=True, help="Run a build requested from the Review page.")
@_common
@_friendly
def review_pack(quarter, fmt, template, out_dir, provider, service, job_id, db, catalogue):
    """Build the quarterly review pack (PowerPoint or PDF): scorecard by goal, a slide per measure,
    the journey view, measures off track, decisions and actions, commentary in the notes.

    A review that was held (cxdash review-freeze) is built from its frozen numbers."""
    import logging

    from cxdash.review import packs
    logging.getLogger("cxdash.exports.review_deck").addHandler(logging.NullHandler())  # its warnings: printed below
    ctx = Context(db, catalogue)
    engine = ctx.ready_engine()
    if job_id is not None:
        packs.run(engine, ctx.catalogue, job_id)
        return
    fq = _quarter(quarter)
    if fq is None:
        from cxdash.db import queries
        from cxdash.metrics.fiscal import FiscalQuarter
        latest = queries.latest_quarter(engine)
        if latest is None:
            raise UserError("no computed results: load data and run 'cxdash compute' first, or give --quarter")
        fq = FiscalQuarter(*latest)
    pack_id = packs.request(engine, fq, fmt, "manual", provider, service,
                            str(Path(template).resolve()) if template else None)
    _audit(ctx, "pack.build", str(pack_id), provider=provider, service=service, quarter=fq.label, format=fmt)
    built = packs.run_or_wait(engine, ctx.catalogue, pack_id)  # an identical queued build is built here
    from cxdash.db import review_queries
    name, content = review_queries.pack_file(engine, pack_id)
    path = Path(out_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    message, *warnings = (built["message"] or "").split(packs.WARNING_SEPARATOR)
    click.echo(f"{path} ({message}; build {pack_id})")
    for warning in warnings:  # what the review still lacks, e.g. an off-track measure without commentary
        click.echo(f"Warning: {warning}.", err=True)


@main.group()
def packs() -> None:
    """The queue of review-pack builds (requested on the Quarterly review page or by the scheduler)."""


@packs.command("work")
@click.option("--limit", type=click.IntRange(min=1), default=1, show_default=True, envvar="CXDASH_PACK_BUILDS",
              help="At most this many builds at once, counted across every worker on the database.")
@click.option("--once", is_flag=True, help="Build what is queued now, then stop (default: keep waiting for requests).")
@click.option("--poll-seconds", type=click.FloatRange(min=0.1), default=2.0, show_default=True,
              help="How often to look for a new request.")
@_common
@_friendly
def packs_work(limit, once, poll_seconds, db, catalogue):
    """Build queued review packs: each claimed atomically (no two workers build the same one),
    at most --limit at once; a build whose process died is marked failed. Stops on SIGTERM or Ctrl-C
    after the builds under way."""
    import logging
    import signal
    import threading

    from cxdash.review import packs as pack_builds
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx = Context(db, catalogue)
    stop = threading.Event()
    if not once:
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
    built = pack_builds.work(ctx.ready_engine(), ctx.catalogue, limit, once=once, poll_seconds=poll_seconds, stop=stop)
    click.echo(f"{built} review pack build(s) done")


@main.command("review-freeze")
@click.option("--quarter", required=True, help="Fiscal quarter of the review, e.g. FY2023Q1.")
@click.option("--held-on", "held_on", help="The day the review was held (YYYY-MM-DD; default today).")
@click.option("--provider", default="all", show_default=True)
@click.option("--service", default="all", show_default=True)
@_common
@_friendly
def review_freeze(quarter, held_on, provider, service, db, catalogue):
    """Freeze a held review: its numbers, commentary and actions as they are now, for good."""
    import datetime as dt

    from cxdash.review.snapshots import freeze
    ctx = Context(db, catalogue)
    try:
        day = dt.date.fromisoformat(held_on) if held_on else None
    except ValueError:
        raise UserError(f"--held-on: {held_on!r} is not a date (YYYY-MM-DD)") from None
    contents = freeze(ctx.ready_engine(), ctx.catalogue, _quarter(quarter), provider, service, day)
    _audit(ctx, "review.freeze", contents.quarter, provider=contents.provider, service=contents.service,
           held_on=contents.frozen_on)
    click.echo(f"{contents.quarter_display} review of {contents.scope_text} frozen as held on "
               f"{contents.frozen_on:%d %b %Y}: {len(contents.measures)} measures, {len(contents.actions)} actions")


@main.command("review-reopen")
@click.option("--quarter", required=True, help="Fiscal quarter of the held review, e.g. FY2023Q1.")
@click.option("--provider", default="all", show_default=True)
@click.option("--service", default="all", show_default=True)
@click.option("--reason", required=True, help="Why the held review is reopened (kept in the audit trail).")
@_common
@_friendly
def review_reopen(quarter, provider, service, reason, db, catalogue):
    """Reopen a held review (undo a wrongful freeze): its numbers are today's again and it can be
    held again; the audit trail keeps the freeze, the reopening, its reason and what was frozen."""
    from cxdash.review.snapshots import reopen
    ctx = Context(db, catalogue)
    fq = _quarter(quarter)
    undone = reopen(ctx.ready_engine(), fq, provider, service, reason)
    _audit(ctx, "review.reopen", fq.label, provider=provider, service=service, **undone)
    click.echo(f"{fq.display} review reopened (it was held on {undone['held_on']:%d %b %Y})")


@main.command("audit")
@click.option("--user", "username", help="Only this user's changes.")
@click.option("--action", help="Only this kind of change, e.g. commentary.save, review.freeze.")
@click.option("--since", help="From this day (YYYY-MM-DD).")
@click.option("--until", help="Up to and including this day (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@_common
@_friendly
def audit_trail(username, action, since, until, fmt, db, catalogue):
    """The audit trail: every change, who made it and when, newest first."""
    import datetime as dt
    import json

    from cxdash import audit
    ctx = Context(db, catalogue)
    try:
        days = [dt.date.fromisoformat(d) if d else None for d in (since, until)]
    except ValueError:
        raise UserError("--since/--until: expected YYYY-MM-DD") from None
    rows = audit.events(ctx.ready_engine(), username=username, action=action, since=days[0], until=days[1],
                        limit=None)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, default=str))
    else:
        click.echo(audit.to_csv(rows), nl=False)


PORT_OPTION = click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535))
EXAMPLE_OPTION = click.option(
    "--example", type=click.Choice(paths.examples()), default=None,
    help="A shipped example configuration instead of the default: 'city' is a city's 311 service (the Boston, "
         "Los Angeles and New York City samples; no survey measures). Not with --config-dir.")
HOST_OPTION = click.option("--host", default="127.0.0.1", show_default=True,
                           help="Address to listen on (0.0.0.0: every interface).")


@main.command()
@HOST_OPTION
@PORT_OPTION
@click.option("--threads", default=8, show_default=True, type=click.IntRange(min=1),
              help="Requests answered at once (waitress worker threads).")
@click.option("--debug", is_flag=True, help="Dash's development server and tools (hot reload, error overlay), "
                                            "on a loopback --host only; never Werkzeug's interactive debugger.")
@click.option("--no-sign-in", "no_sign_in", is_flag=True,
              help="For one analyst on this computer: no sign-in, everyone is a local administrator "
                   "(loopback --host only; every page says so).")
@EXAMPLE_OPTION
@SOURCES_OPTION
@_common
@_friendly
@click.pass_context
def serve(click_ctx, host, port, threads, debug, no_sign_in, example, sources_file, db, catalogue):
    """Serve the dashboard with waitress (read-only: loading is for 'cxdash load' and 'cxdash scheduler').

    Sign-in is on: local accounts ('cxdash users add') and, when CXDASH_OIDC_ISSUER,
    CXDASH_OIDC_CLIENT_ID and CXDASH_OIDC_CLIENT_SECRET are set, the agency's OpenID Connect
    provider; CXDASH_SECRET_KEY must be set. For a deployment under a process manager, see
    cxdash.dashboard.wsgi:create_app."""
    if example is not None:
        _use_example(click_ctx, example)
    if debug and not _loopback(host):
        raise UserError(f"--debug runs Dash's development server: only on this machine (--host 127.0.0.1), "
                        f"not on {host}; serve other machines without --debug")
    if no_sign_in and not _loopback(host):
        raise UserError(f"--no-sign-in lets anyone who reaches the server change the review record: it listens only "
                        f"on this computer (--host 127.0.0.1), not on {host}; to serve other machines, sign people in "
                        "(cxdash users add, or an OpenID Connect provider)")
    ctx = Context(db, catalogue)
    ctx.ready_engine()
    sign_in = _sign_in(no_sign_in)
    if not no_sign_in:
        from cxdash.dashboard.wsgi import secret_key
        secret_key(required=True)  # before the port check and the (slower) app
    if not (debug and os.environ.get("WERKZEUG_RUN_MAIN") == "true"):  # the reloader's child: its parent holds the port
        _check_port(host, port)
    _serve(ctx, _sources(sources_file), host, port, debug, threads=threads, sign_in=sign_in,
           random_secret=no_sign_in)


def _sign_in(off: bool):
    from cxdash.dashboard.sign_in import SIGN_IN_OFF, SignIn
    return SIGN_IN_OFF if off else SignIn.from_environment()


def _loopback(host: str) -> bool:
    """Whether host is only reachable from this machine (127.0.0.0/8, ::1 or localhost)."""
    import ipaddress
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_port(host: str, port: int) -> None:
    """Fail with one line now, not with a traceback after the app is built (or the demo has
    loaded everything), when the address is taken."""
    import errno
    import socket
    try:
        addresses = {info[:3] + (info[4],) for info in
                     socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)}
    except socket.gaierror as exc:
        raise UserError(f"--host {host}: {exc.strerror}") from None
    for family, kind, proto, address in sorted(addresses, key=str):
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as waitress does
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise UserError(f"port {port} on {host} is already in use: stop what is using it, "
                                    "or choose another with --port") from None
                raise UserError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _sync_register(ctx: Context, catalogue: str | None) -> None:
    """The demo's initiative register: beside a --catalogue given, else the configured one. (Not
    beside the resolved catalogue: that is the shipped default's folder when the agency's folder
    has no catalogue.yaml, which would hide the folder's own initiatives.yaml.)"""
    from cxdash.initiatives import load_register, register_path, sync
    path = register_path(catalogue)
    if path.is_file():
        click.echo(f"{sync(ctx.engine, load_register(path, ctx.catalogue))} initiatives from {path} stored")


def _browser_url(host: str, port: int) -> str:
    """Where a browser on this machine opens what listens on host:port."""
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def _serve(ctx: Context, sources, host: str, port: int, debug: bool, *, threads: int = 8,
           sign_in=None, random_secret: bool = False) -> None:
    import logging

    from cxdash.dashboard.wsgi import dash_app
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("cxdash.dashboard.requests").setLevel(logging.INFO)  # one line per request
    logging.getLogger("cxdash.dashboard.sign_in").setLevel(logging.INFO)  # sign-ins, sign-outs, failures
    app = dash_app(ctx.ready_engine(), ctx.catalogue, sources, ctx.catalogue_path, sign_in=sign_in,
                   random_secret=random_secret)
    if sign_in is not None and not sign_in.enabled:
        click.echo("Sign-in is off: anyone on this computer can change the review record.")
    click.echo(f"cxdash serving: open {_browser_url(host, port)} in a browser (Ctrl+C to stop)")
    try:
        if debug:
            # Dev tools without Werkzeug's debugger: no console (use_debugger), and no error handler
            # answering with its traceback page (prune_errors); a failing request is a plain 500 to the
            # browser and its traceback goes to this terminal.
            app.run(host=host, port=port, debug=True, use_debugger=False, dev_tools_prune_errors=False)
        else:
            from waitress import serve as waitress_serve
            waitress_serve(app.server, host=host, port=port, threads=threads, _quiet=True)
    except OSError as exc:  # taken between the check and now
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


@main.command()
@click.option("--serve/--no-serve", "do_serve", default=True, show_default=True)
@EXAMPLE_OPTION
@HOST_OPTION
@PORT_OPTION
@SOURCES_OPTION
@_common
@_friendly
@click.pass_context
def demo(click_ctx, do_serve, example, host, port, sources_file, db, catalogue):
    """Initialise the database, load every configured source once (the shipped sources.yaml
    names the sample data shipped with cxdash), compute, and serve.

    A source whose files are not on this machine is recorded as failed (the Data page shows
    why) and the others still load."""
    from cxdash.compute import compute as run_compute
    from cxdash.db.engine import upgrade
    if example is not None:
        _use_example(click_ctx, example)
    ctx = Context(db, catalogue)
    if do_serve:
        _check_port(host, port)  # before minutes of loading, not after
    sources = _sources(sources_file)
    with _new_database_removed_on_failure(ctx):
        upgrade(ctx.engine)
    for source in sources:
        _run_source(ctx, sources, source.name, False, ctx.engine)
    click.echo(run_compute(ctx.engine, ctx.catalogue).summary())
    _sync_register(ctx, catalogue)
    _demo_account(ctx)
    if do_serve:
        _serve(ctx, sources, host, port, False, sign_in=_sign_in(False), random_secret=True)
        return
    again = ["cxdash"]
    if example is None and paths.config_dir() is not None:
        again += ["--config-dir", str(paths.config_dir())]
    again.append("serve")
    if example is not None:  # the example by name: its folder inside the installed package is no one's to type
        again += ["--example", example]
    for option, value in (("--db", db), ("--catalog", catalogue), ("--sources", sources_file)):
        if value:
            again += [option, str(value)]
    if port != DEFAULT_PORT or host != "127.0.0.1":
        again += ["--host", host, "--port", str(port)]
    click.echo(f"to open the dashboard: run '{shlex.join(again)}', then open {_browser_url(host, port)} in a browser")
    click.echo("(serve signs people in with a key of yours: export CXDASH_SECRET_KEY=$(python3 -c 'import secrets; "
               "print(secrets.token_hex(32))') first; or add --no-sign-in for yourself alone on this computer)")


def _use_example(click_ctx: click.Context, name: str) -> None:
    """Read the shipped example's folder as the configuration folder for this command (and the
    server it starts); an agency's own folder and an example are not mixed. (The folder already
    named is the example's own when serve --debug's reloader starts its child.)"""
    named = paths.config_dir()
    if named is not None and named.resolve() != paths.example_dir(name).resolve():
        raise UserError(f"--example {name} and --config-dir {paths.config_dir()}: use one or the other (copy the "
                        "example's files into your folder to start from them)")
    click_ctx.call_on_close(functools.partial(_restore_env, paths.CONFIG_DIR_ENV, os.environ.get(paths.CONFIG_DIR_ENV)))
    os.environ[paths.CONFIG_DIR_ENV] = str(paths.example_dir(name))


DEMO_USER = "demo"


def _demo_account(ctx: Context) -> None:
    """The demo's local account, with a new random password on every run, and how to sign in."""
    from cxdash import accounts
    from cxdash.db import account_queries
    password = accounts.new_password()
    if account_queries.exists(ctx.engine, DEMO_USER):
        account_queries.set_disabled(ctx.engine, DEMO_USER, False)
        accounts.set_password(ctx.engine, DEMO_USER, password)
    else:
        accounts.add(ctx.engine, DEMO_USER, password, name="Demo administrator", role="administrator")
    click.echo(f"sign in as '{DEMO_USER}' with the password {password} (new on every demo run; "
               "add your own accounts with 'cxdash users add NAME')")


@main.group()
def users() -> None:
    """Local accounts: who may sign in with a password (beside an OpenID Connect provider)."""


@users.command("add")
@click.argument("username")
@click.option("--name", default="", help="The name shown on pages and written beside what they change.")
@click.option("--role", type=click.Choice(["viewer", "contributor", "review_lead", "administrator"]), default="viewer",
              show_default=True, help="What the account may do (see README: Roles).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@_common
@_friendly
def users_add(username, name, role, password_stdin, db, catalogue):
    """Add a local account; prompts for its password (at least 12 characters)."""
    from cxdash import accounts
    ctx = Context(db, catalogue)
    engine = ctx.ready_engine()
    accounts.check_username(username)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    account = accounts.add(engine, username, password, name=name, role=role)
    _audit(ctx, "user.add", account.username, role=account.role, name=account.display_name)
    click.echo(f"account {account.username!r} added ({account.role})")


@users.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@_common
@_friendly
def users_list(fmt, db, catalogue):
    """Every local account: username, name, role, whether it is disabled, last sign-in."""
    import csv
    import io
    import json

    from cxdash import accounts
    ctx = Context(db, catalogue)
    engine = ctx.ready_engine()
    rows = accounts.accounts(engine)
    granted = accounts.grants(engine)

    def sees(row) -> str:
        if row["role"] == "administrator" or ("all", "all") in granted.get(row["username"], []):
            return "everything"
        pairs = granted.get(row["username"], [])
        return "; ".join(p if s == "all" else f"{p}: {s}" for p, s in pairs) or "nothing"

    shown = [{"username": r["username"], "name": r["display_name"], "role": r["role"],
              "status": "disabled" if r["disabled"] else "active", "sees": sees(r),
              "last_sign_in": r["last_sign_in_at"].isoformat(timespec="seconds") if r["last_sign_in_at"] else ""}
             for r in rows]
    if fmt == "json":
        click.echo(json.dumps(shown, indent=2))
        return
    if fmt == "csv":
        from cxdash.exports.csv_safety import safe_cell
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=["username", "name", "role", "status", "sees", "last_sign_in"])
        writer.writeheader()
        writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in shown)
        click.echo(out.getvalue(), nl=False)
        return
    if not shown:
        click.echo("no local accounts (add one with 'cxdash users add NAME')")
        return
    columns = ["username", "name", "role", "status", "sees", "last_sign_in"]
    widths = {c: max(len(c), *(len(r[c]) for r in shown)) for c in columns}
    click.echo("  ".join(c.ljust(widths[c]) for c in columns).rstrip())
    for row in shown:
        click.echo("  ".join(row[c].ljust(widths[c]) for c in columns).rstrip())


@users.command("disable")
@click.argument("username")
@_common
@_friendly
def users_disable(username, db, catalogue):
    """Disable a local account: it cannot sign in, and a session it has stops at its next request."""
    from cxdash import accounts
    ctx = Context(db, catalogue)
    accounts.disable(ctx.ready_engine(), username)
    _audit(ctx, "user.disable", username)
    click.echo(f"account {username!r} disabled")


@users.command("role")
@click.argument("username")
@click.argument("role", type=click.Choice(["viewer", "contributor", "review_lead", "administrator"]))
@_common
@_friendly
def users_role(username, role, db, catalogue):
    """Change a local account's role (it applies at the account's next request)."""
    from cxdash import accounts
    ctx = Context(db, catalogue)
    accounts.set_role(ctx.ready_engine(), username, role)
    _audit(ctx, "user.role", username, role=role)
    click.echo(f"account {username!r} is now {role}")


def _grant_scope(provider, service, everything) -> tuple[str, str]:
    if everything and (provider or service):
        raise UserError("--all grants every provider: give it alone, without --provider or --service")
    if not everything and not provider:
        raise UserError("give --provider P (with --service S for one service), or --all")
    if service and not provider:
        raise UserError("--service needs --provider")
    return ("all", "all") if everything else (provider, service or "all")


@users.command("grant")
@click.argument("username")
@click.option("--provider", help="The provider the account may see (every service of it, unless --service).")
@click.option("--service", help="Only this service of the provider.")
@click.option("--all", "everything", is_flag=True, help="Every provider and service (a cross-agency grant).")
@_common
@_friendly
def users_grant(username, provider, service, everything, db, catalogue):
    """Let a local account see a provider, one service of it, or (--all) everything."""
    from cxdash import accounts
    ctx = Context(db, catalogue)
    provider, service = _grant_scope(provider, service, everything)
    added = accounts.grant(ctx.ready_engine(), username, provider, service, granted_by=_operator())
    if added:
        _audit(ctx, "user.grant", username, provider=provider, service=service)
    what = "every provider and service" if provider == "all" else provider + ("" if service == "all" else f": {service}")
    click.echo(f"account {username!r} may see {what}" + ("" if added else " (already granted)"))


@users.command("revoke")
@click.argument("username")
@click.option("--provider")
@click.option("--service")
@click.option("--all", "everything", is_flag=True)
@_common
@_friendly
def users_revoke(username, provider, service, everything, db, catalogue):
    """Take back a grant given with 'cxdash users grant' (the same options)."""
    from cxdash import accounts
    ctx = Context(db, catalogue)
    provider, service = _grant_scope(provider, service, everything)
    if not accounts.revoke(ctx.ready_engine(), username, provider, service):
        raise UserError(f"account {username!r} has no such grant")
    _audit(ctx, "user.revoke", username, provider=provider, service=service)
    click.echo(f"grant taken back from {username!r}")


def _operator() -> str:
    from cxdash import audit
    return audit.cli_principal().username


if __name__ == "__main__":
    main()
