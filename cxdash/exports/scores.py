"""The exports analysts pull into their own tools: the same numbers the pages show."""
from __future__ import annotations

import json
import math

import pandas as pd

from cxdash.exports.csv_safety import safe_frame

COLUMNS = ["fiscal_year", "fiscal_quarter", "provider", "service", "channel", "stage", "question", "scale",
           "n", "mean", "pct_agree", "ci_low", "ci_high", "suppressed"]


INDICATOR_COLUMNS = ["indicator", "fiscal_year", "fiscal_quarter", "provider", "service", "channel", "stage",
                     "value", "n", "unit"]


def _records(frame: pd.DataFrame, columns: list[str] = COLUMNS) -> list[dict]:
    records = []
    for row in frame[columns].to_dict("records"):
        clean = {}
        for key, value in row.items():
            if hasattr(value, "item"):
                value = value.item()
            if isinstance(value, float) and math.isnan(value):
                value = None
            clean[key] = value
        if "suppressed" in clean:
            clean["suppressed"] = bool(clean["suppressed"])
        records.append(clean)
    return records


def scores_json(frame: pd.DataFrame) -> str:
    return json.dumps(_records(frame), indent=1) + "\n"


def scores_csv(frame: pd.DataFrame) -> str:
    """CSV for spreadsheets: names that would read as formulas (=, +, -, @) are escaped."""
    out = pd.DataFrame(_records(frame), columns=COLUMNS)
    out["suppressed"] = out["suppressed"].map({True: "true", False: "false"})
    return safe_frame(out).to_csv(index=False, float_format="%.6g", lineterminator="\n")


def indicators_json(frame: pd.DataFrame) -> str:
    return json.dumps(_records(frame, INDICATOR_COLUMNS), indent=1) + "\n"


def indicators_csv(frame: pd.DataFrame) -> str:
    """CSV for spreadsheets: names that would read as formulas (=, +, -, @) are escaped."""
    return safe_frame(pd.DataFrame(_records(frame, INDICATOR_COLUMNS), columns=INDICATOR_COLUMNS)).to_csv(
        index=False, float_format="%.6g", lineterminator="\n")
