"""Cells and roll-ups: every computed table is keyed by provider, service, channel and stage,
with 'all' in the columns a roll-up adds up."""
from __future__ import annotations

import itertools
import math

import pandas as pd

from cxdash.channels import ALL

ROLLED = ALL


def clean(value):
    """A plain Python value for the database: None for NaN, numpy scalars unwrapped."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


CELL_COLUMNS = ("provider", "service", "channel", "stage")


def rollup_levels() -> list[list[str]]:
    """The cell columns kept at each roll-up level: the finest cells and every roll-up of
    provider/service, channel and stage (a service is always shown under its provider)."""
    levels = []
    for keeps in itertools.product((True, False), repeat=4):
        keep = dict(zip(CELL_COLUMNS, keeps))
        if keep["service"] and not keep["provider"]:
            continue
        levels.append([c for c in CELL_COLUMNS if keep[c]])
    return levels


def rolled(frame: pd.DataFrame, kept: list[str]) -> pd.DataFrame:
    """The frame with every cell column not kept set to 'all'."""
    return frame.assign(**{c: ROLLED for c in CELL_COLUMNS if c not in kept})


