"""Employee-experience indices as stored: one row per unit, survey year, index and service.

These are annual published indices (a few per unit and year), not responses, so the rows
themselves come back; combining units needs each unit's respondents and its code (to see
which units contain which), which a GROUP BY would lose.
"""
from __future__ import annotations

import json

import pandas as pd
from sqlalchemy import Connection, Engine, select

from cxdash.db.models import EmployeeIndex, LoadRun
from cxdash.db.queries import _frame

EMPLOYEE_COLUMNS = ["source", "load_run_id", "unit_code", "unit_name", "provider", "service", "fiscal_year",
                    "fiscal_quarter", "indicator", "value", "respondents"]


def employee_indices(conn: Connection | Engine) -> pd.DataFrame:
    """Every stored index value with its unit, provider, service, quarter and respondents
    (NaN where the export gave no respondent count)."""
    t = EmployeeIndex
    statement = select(*[getattr(t, c) for c in EMPLOYEE_COLUMNS]).order_by(
        t.source, t.unit_code, t.fiscal_year, t.indicator, t.provider, t.service)
    frame = _frame(conn, statement)
    frame["value"] = pd.to_numeric(frame["value"]).astype(float)
    frame["respondents"] = pd.to_numeric(frame["respondents"]).astype(float)
    return frame


def employee_mapped_units(conn: Connection | Engine) -> dict[int, frozenset[str]]:
    """For each load run that stored employee indices: the unit codes its mapping assigned to a
    provider (``units``), read from the mapping recorded with the run. Unmapped units are stored
    under their own names; compute needs to tell them apart."""
    runs = select(EmployeeIndex.load_run_id).distinct().scalar_subquery()
    frame = _frame(conn, select(LoadRun.id, LoadRun.parameters).where(LoadRun.id.in_(runs)))
    out = {}
    for run_id, parameters in zip(frame["id"], frame["parameters"]):
        mapping = json.loads(parameters or "{}").get("mapping") or {}
        out[int(run_id)] = frozenset(mapping.get("units") or {})
    return out
