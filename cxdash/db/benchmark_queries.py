"""The cross-agency benchmark's counts: per quarter, channel and question, the agree counts, points
and responses of every provider summed in SQL from the stored per-provider roll-ups (score_cell
rows of provider P, every service and stage), so a page reads a few hundred sums, never a cell."""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Engine, case, func, select

from cxdash.channels import ALL
from cxdash.db.models import ScoreCell
from cxdash.db.queries import _frame, _ints
from cxdash.metrics.a11_scores import BINARY

KEYS = ["fiscal_year", "fiscal_quarter", "channel", "question", "scale"]


def cross_agency_counts(conn: Connection | Engine) -> pd.DataFrame:
    """One row per quarter, channel, question and scale: ``agree`` (4-5 on the Likert scale, yes
    on thumbs), ``points`` (the sum of the Likert answers' values), ``n`` (responses) and
    ``providers`` (how many providers the sums cover), over every stored provider."""
    t = ScoreCell
    agree = case((t.scale == BINARY, t.n_yes), else_=t.n_4 + t.n_5)
    points = t.n_1 + 2 * t.n_2 + 3 * t.n_3 + 4 * t.n_4 + 5 * t.n_5
    keys = [getattr(t, k) for k in KEYS]
    statement = (select(*keys, func.sum(agree).label("agree"), func.sum(points).label("points"),
                        func.sum(t.n).label("n"), func.count(func.distinct(t.provider)).label("providers"))
                 .where(t.provider != ALL, t.service == ALL, t.stage == ALL, t.n > 0)
                 .group_by(*keys))
    return _ints(_frame(conn, statement), ["fiscal_year", "fiscal_quarter", "agree", "points", "n", "providers"])
