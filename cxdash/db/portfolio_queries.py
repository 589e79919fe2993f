"""Reads and writes of the initiative portfolio: the register (initiatives and the measures each
should move), and what data-driven customer value and "did it move" need: customers served per
service, and the measures' quarterly results."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, Engine, delete, func, insert, select

from cxdash.db import queries
from cxdash.db.models import A11QuarterlyCount, Initiative, InitiativeMeasure

LIST_SEPARATOR = "\n"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _connect(conn: Connection | Engine, read):
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return read(c)
    return read(conn)


# --- the register ---------------------------------------------------------------------------

def replace_register(engine: Engine, initiatives: list[dict], measures: list[dict]) -> None:
    """Swap the whole register in one transaction: what the file no longer lists is gone, and
    running it twice leaves the same rows (never duplicates).

    ``initiatives``: Initiative columns, ``services`` and ``stages`` as lists; ``measures``:
    {initiative_id, measure_id, expected_change}."""
    now = _now()
    rows = [{**i, "services": LIST_SEPARATOR.join(i["services"]), "stages": LIST_SEPARATOR.join(i["stages"]),
             "updated_at": now} for i in initiatives]
    with engine.begin() as conn:
        conn.execute(delete(InitiativeMeasure))
        conn.execute(delete(Initiative))
        if rows:
            conn.execute(insert(Initiative), rows)
        if measures:
            conn.execute(insert(InitiativeMeasure), measures)


def initiatives(conn: Connection | Engine) -> list[dict]:
    """Every initiative with its lists split and its measures ({measure_id, expected_change}), by id."""
    def read(c: Connection) -> list[dict]:
        t, m = Initiative, InitiativeMeasure
        targets: dict[str, list[dict]] = {}
        for r in c.execute(select(m.initiative_id, m.measure_id, m.expected_change)
                           .order_by(m.initiative_id, m.measure_id)):
            targets.setdefault(r.initiative_id, []).append(
                {"measure_id": r.measure_id, "expected_change": r.expected_change})
        out = []
        for r in c.execute(select(*t.__table__.columns).order_by(t.id)):
            out.append({
                "id": r.id, "name": r.name, "owner": r.owner, "status": r.status, "description": r.description or "",
                "services": [s for s in (r.services or "").split(LIST_SEPARATOR) if s],
                "stages": [s for s in (r.stages or "").split(LIST_SEPARATOR) if s],
                "start_date": r.start_date, "end_date": r.end_date, "customer_value": r.customer_value,
                "mission_value": r.mission_value, "time_criticality": r.time_criticality,
                "risk_reduction": r.risk_reduction, "job_size": r.job_size, "measures": targets.get(r.id, []),
            })
        return out
    return _connect(conn, read)


# --- what the data says ---------------------------------------------------------------------

def customer_volumes(conn: Connection | Engine, first: tuple[int, int], last: tuple[int, int]) -> pd.DataFrame:
    """Customers served (A-11 ``volume_of_customers``) per provider and service over the quarters
    first..last (fiscal (year, quarter), inclusive). The export repeats a collection's volume on
    each question's row, so each collection counts once (its largest value)."""
    t = A11QuarterlyCount
    index = t.fiscal_year * 4 + t.fiscal_quarter
    per_collection = (select(t.provider, t.service, func.max(t.volume_customers).label("volume"))
                      .where(index >= first[0] * 4 + first[1], index <= last[0] * 4 + last[1],
                             t.volume_customers.is_not(None))
                      .group_by(t.provider, t.service, t.source, t.record_key, t.fiscal_year, t.fiscal_quarter)
                      .subquery())
    statement = (select(per_collection.c.provider, per_collection.c.service,
                        func.sum(per_collection.c.volume).label("volume"))
                 .group_by(per_collection.c.provider, per_collection.c.service))
    frame = queries._frame(conn, statement)
    frame["volume"] = pd.to_numeric(frame["volume"]).fillna(0).astype("int64")
    return frame


def measure_series(conn: Connection | Engine, measure_ids: list[str]) -> pd.DataFrame:
    """Every quarter of the given measures over their whole scope (all providers, services and
    channels, as the scorecard shows them): value, n, target, status."""
    frame = queries.measure_results(conn, measure_ids=sorted(set(measure_ids)))
    columns = ["measure_id", "fiscal_year", "fiscal_quarter", "value", "n", "target", "status", "suppressed"]
    return frame[columns] if not frame.empty else pd.DataFrame(columns=columns)


def off_track(conn: Connection | Engine, fiscal_year: int, fiscal_quarter: int) -> pd.DataFrame:
    """The measures off track in a quarter (whole scope), with value and target."""
    frame = queries.measure_results(conn)
    columns = ["measure_id", "value", "target", "n"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    chosen = frame[(frame["fiscal_year"] == fiscal_year) & (frame["fiscal_quarter"] == fiscal_quarter)
                   & (frame["status"] == "off_track")]
    return chosen[columns].reset_index(drop=True)
