"""Employee-experience indicators (e.g. FEVS engagement, global satisfaction) per provider and
service, fiscal quarter and index, unit "percent" (a proportion 0-1), n = respondents.

Channel and stage are always 'all': how staff experience their work bears on every channel
and stage of the services they deliver. The indicator ids are the mapping's index ids.

Units combine by the respondent-weighted mean of their published indices (each index is a
share of a unit's respondents, so weighting by respondents approximates the share among all
of them). Nobody is counted twice:

1. Each unit once. A unit delivering two services is stored once per service; the provider
   and overall roll-ups take each unit (its code) once, not once per service. A unit code is
   the unit's identity whichever source delivered it (as in the stored natural key).
2. No unit inside another. Unit codes are hierarchical (FEVS sorting codes: CM09 contains
   CM0904, which contains CM090401). Within any group, a unit whose code begins with the code
   of another unit in that group is already counted in that unit's index and is left out,
   whichever sources delivered the two. (So codes must not be mere siblings sharing a prefix,
   such as A1 and A10.)
3. The overall roll-up (provider 'all') takes the units a mapping assigns to providers. Units
   loaded under their own names are kept as their own providers but left out of the overall:
   such a unit may contain the mapped ones without sharing their code (FEVS 'GOV',
   governmentwide). A load whose mapping assigns no units puts all its units in scope.

Weights are respondent counts; a unit without one weighs in only when no unit of its group has
one (then the plain mean, with n = 0). The provider roll-up (service 'all') includes units
stored with service 'all' (a unit mapped to no particular service, or unmapped), so a cell of
service 'all' is that roll-up and is emitted once.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine

from cxdash.cells import ROLLED
from cxdash.db import employee_queries
from cxdash.indicators.common import records

UNIT = "percent"
PER = ["fiscal_year", "fiscal_quarter", "indicator"]


def outermost(units: pd.DataFrame, group: list[str]) -> pd.Series:
    """True for each unit not inside another unit of its group (by code prefix)."""
    scopes = list(zip(*(units[c] for c in group)))
    codes = units["unit_code"].tolist()
    present = set(zip(scopes, codes))
    return pd.Series([not any((scope, code[:k]) in present for k in range(1, len(code)))
                      for scope, code in zip(scopes, codes)], index=units.index, dtype=bool)


def combine(stored: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Respondent-weighted mean value and total respondents per ``keys`` and PER, over the
    distinct, outermost units of each group."""
    group = [*keys, *PER]
    if stored.empty:
        return pd.DataFrame(columns=[*group, "value", "n"])
    units = stored.drop_duplicates([*group, "unit_code"])
    units = units[outermost(units, group)]
    counted = units["respondents"].fillna(0) > 0
    any_counted = counted.groupby([units[c] for c in group]).transform("any")
    units = units[counted | ~any_counted]
    weight = units["respondents"].where(any_counted[units.index], 1.0).astype(float)
    parts = units.assign(weighted=units["value"] * weight, weight=weight, n=units["respondents"].fillna(0))
    out = parts.groupby(group, sort=True)[["weighted", "weight", "n"]].sum().reset_index()
    out["value"] = out["weighted"] / out["weight"]
    out["n"] = out["n"].astype("int64")
    return out[[*group, "value", "n"]]


def in_overall(stored: pd.DataFrame, mapped: dict[int, frozenset[str]]) -> pd.Series:
    """Rows whose unit is in the overall roll-up's scope (rule 3 above)."""
    return pd.Series([not mapped.get(int(run)) or code in mapped[int(run)]
                      for run, code in zip(stored["load_run_id"], stored["unit_code"])], index=stored.index, dtype=bool)


def rows(engine: Engine, now: dt.datetime) -> list[dict]:
    """Indicator rows per provider/service cell, per provider and overall, for every index and year."""
    with engine.connect() as conn:
        stored = employee_queries.employee_indices(conn)
        mapped = employee_queries.employee_mapped_units(conn)
    if stored.empty:
        return []
    levels = [
        combine(stored[stored["service"] != ROLLED], ["provider", "service"]),
        combine(stored, ["provider"]).assign(service=ROLLED),
        combine(stored[in_overall(stored, mapped)], []).assign(provider=ROLLED, service=ROLLED),
    ]
    table = pd.concat([level for level in levels if not level.empty], ignore_index=True)
    table = table.assign(channel=ROLLED, stage=ROLLED)
    return [row for indicator, part in table.groupby("indicator", sort=True)
            for row in records(part, indicator, "value", "n", UNIT, now)]
