"""The cxdash command line. User errors print one line and exit non-zero; never a traceback."""
from __future__ import annotations

import functools
from pathlib import Path

import click
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from cxdash import paths
from cxdash.errors import UserError
from cxdash.kinds import LOAD_KINDS

SOURCES_OPTION = click.option("--sources", "sources_file", envvar="CXDASH_SOURCES", metavar="PATH",
                              help="Sources config (default: config/sources.yaml).")


class Context:
    """Resolved once per command: database URL and catalogue path."""

    def __init__(self, db: str | None, catalogue: str | None):
        self.url = paths.database_url(db)
        self.catalogue_path = Path(catalogue) if catalogue else paths.catalogue_path()

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
    func = click.option("--catalogue", "catalogue", envvar="CXDASH_CATALOGUE", metavar="PATH",
                        help="Measure catalogue YAML (default: config/catalogue.yaml).")(func)
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
@click.version_option(package_name="cxdash")
def main() -> None:
    """cxdash: executive customer-experience (CX) performance dashboard.

    Typical use: cxdash init; cxdash load a11-quarterly FILE.csv; cxdash compute; cxdash serve.
    Or all at once with the sample data: cxdash demo.
    """


@main.command()
@_common
@_friendly
def init(db, catalogue):
    """Create or upgrade the database schema (Alembic migrations)."""
    from cxdash.db.engine import upgrade
    ctx = Context(db, catalogue)
    ctx.catalogue  # validate the catalogue early: a mistake is named now, not at load time
    upgrade(ctx.engine)
    click.echo(f"database ready: {ctx.engine.url.render_as_string(hide_password=True)}")


@main.command()
@click.argument("kind", type=click.Choice(LOAD_KINDS), required=False)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--source", help="Alone: load this configured source (config/sources.yaml). With KIND and FILES: "
                               "the source name recorded for freshness (default: the kind).")
@SOURCES_OPTION
@click.option("--mapping", help="survey-responses, cases, contacts, feedback, employee: column mapping name in config/mappings (or a YAML path).")
@click.option("--provider", help="Response files: provider of the service (as in the catalogue).")
@click.option("--service", help="Response files: service name (as in the catalogue).")
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
            if len(files) == 1:
                raise
            click.echo(f"Error: {exc}", err=True)
            failed.append(path)
            continue
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


def _sources(sources_file):
    from cxdash.sources import load_sources
    return load_sources(Path(sources_file) if sources_file else paths.sources_path())


def _load_source(ctx: Context, name: str, sources_file, recompute: bool) -> None:
    from cxdash.sources import run_source
    outcome = run_source(ctx.ready_engine(), ctx.catalogue, _sources(sources_file), name, recompute=recompute)
    click.echo(outcome.summary())
    if outcome.status == "failed":
        raise UserError(f"source {name} failed: {outcome.message}")


@main.command()
@SOURCES_OPTION
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@_common
@_friendly
def sources(sources_file, fmt, db, catalogue):
    """List the configured sources with their last run and health (fresh, late, missing, failed)."""
    from cxdash.health import source_health
    ctx = Context(db, catalogue)
    frame = source_health(ctx.ready_engine(), _sources(sources_file))
    if frame.empty:
        raise UserError("no sources configured and nothing loaded yet")
    if fmt == "json":
        click.echo(frame.to_json(orient="records", date_format="iso", indent=2))
    elif fmt == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    else:
        shown = frame[["source", "kind", "health", "last_success", "data_as_of", "rows_loaded", "rows_rejected",
                       "schedule", "cadence", "message"]].fillna("")
        click.echo(shown.to_string(index=False))


@main.command()
@SOURCES_OPTION
@_common
@_friendly
def scheduler(sources_file, db, catalogue):
    """Run the scheduler: load each source on its cron schedule, then recompute. One process only;
    web workers never schedule. Jobs and their run history live in the database."""
    from cxdash.scheduler import run_scheduler
    ctx = Context(db, catalogue)
    ctx.ready_engine()
    ctx.catalogue  # a mistake in config is named now, not at the first tick
    run_scheduler(ctx.url, str(ctx.catalogue_path), str(Path(sources_file) if sources_file else paths.sources_path()))


@main.command()
@_common
@_friendly
def compute(db, catalogue):
    """Recompute scores and measure results from everything loaded."""
    from cxdash.compute import compute as run_compute
    ctx = Context(db, catalogue)
    click.echo(run_compute(ctx.ready_engine(), ctx.catalogue).summary())


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
              help="The register (default: initiatives.yaml beside the catalogue).")
@_common
@_friendly
def initiatives_sync(register_file, db, catalogue):
    """Check the register against the catalogue and store it (replacing what was stored)."""
    from cxdash.initiatives import load_register, register_path, sync
    ctx = Context(db, catalogue)
    path = Path(register_file) if register_file else register_path(ctx.catalogue_path)
    count = sync(ctx.ready_engine(), load_register(path, ctx.catalogue))
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
    from cxdash.review import packs
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
    built = packs.run(engine, ctx.catalogue, pack_id)
    from cxdash.db import review_queries
    name, content = review_queries.pack_file(engine, pack_id)
    path = Path(out_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    click.echo(f"{path} ({built['message']}; build {pack_id})")


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
    click.echo(f"{contents.quarter_display} review of {contents.scope_text} frozen as held on "
               f"{contents.frozen_on:%d %b %Y}: {len(contents.measures)} measures, {len(contents.actions)} actions")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Dash debug mode (hot reload, error overlay).")
@SOURCES_OPTION
@_common
@_friendly
def serve(host, port, debug, sources_file, db, catalogue):
    """Serve the dashboard (read-only: loading is for 'cxdash load' and 'cxdash scheduler')."""
    ctx = Context(db, catalogue)
    _serve(ctx, _sources(sources_file), host, port, debug)


def _sync_register(ctx: Context) -> None:
    """The demo's initiative register, when there is one beside the catalogue."""
    from cxdash.initiatives import load_register, register_path, sync
    path = register_path(ctx.catalogue_path)
    if path.is_file():
        click.echo(f"{sync(ctx.engine, load_register(path, ctx.catalogue))} initiatives from {path} stored")


def _serve(ctx: Context, sources, host: str, port: int, debug: bool) -> None:
    from cxdash.dashboard.app import create_app
    app = create_app(ctx.ready_engine(), ctx.catalogue, sources, ctx.catalogue_path)
    click.echo(f"cxdash serving on http://{host}:{port}/ (Ctrl+C to stop)")
    if debug:
        app.run(host=host, port=port, debug=True)
    else:
        from waitress import serve as waitress_serve
        waitress_serve(app.server, host=host, port=port, threads=8, _quiet=True)


@main.command()
@click.option("--serve/--no-serve", "do_serve", default=True, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=int)
@SOURCES_OPTION
@_common
@_friendly
def demo(do_serve, host, port, sources_file, db, catalogue):
    """Initialise the database, load every configured source once, compute, and serve.

    A source whose files are not on this machine is recorded as failed (the Data page shows
    why) and the others still load."""
    from cxdash.compute import compute as run_compute
    from cxdash.db.engine import upgrade
    from cxdash.sources import run_source
    ctx = Context(db, catalogue)
    upgrade(ctx.engine)
    sources = _sources(sources_file)
    for source in sources:
        click.echo(run_source(ctx.engine, ctx.catalogue, sources, source.name, recompute=False).summary())
    click.echo(run_compute(ctx.engine, ctx.catalogue).summary())
    _sync_register(ctx)
    if do_serve:
        _serve(ctx, sources, host, port, False)


if __name__ == "__main__":
    main()
