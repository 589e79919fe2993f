"""Chart CSVs for spreadsheets (cxdash/exports/chart_data.py) and download file names
(cxdash/exports/file_names.py), as plain functions."""
from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from cxdash.dashboard.callbacks import chart_file, file_stem
from cxdash.exports import chart_data, file_names
from cxdash.exports.chart_data import PERCENT, Column


def test_cells_are_plain_numbers_or_empty():
    assert chart_data.cell(np.int64(1234)) == 1234 and type(chart_data.cell(np.int64(1))) is int
    assert chart_data.cell(np.float64(0.1234567), PERCENT) == 12.34567  # no float noise (12.345670000000002)
    assert chart_data.cell(0.07 - 0.05, PERCENT) == 2.0
    assert chart_data.cell(float("nan")) is None and chart_data.cell(pd.NA) is None and chart_data.cell(None) is None
    assert chart_data.cell(np.bool_(True)) == "true" and chart_data.cell(False) == "false"
    assert chart_data.cell("Email") == "Email"


def test_a_suppressed_row_keeps_only_what_says_what_it_is():
    columns = [Column("quarter", "Quarter", kept_when_suppressed=True), Column("value", "Trust (% agree)", PERCENT),
               Column("n", "Responses (n)", kept_when_suppressed=True)]
    rows = chart_data.rows([{"quarter": "FY2023 Q1", "value": 0.8125, "n": 400, "suppressed": False},
                            {"quarter": "FY2023 Q2", "value": 0.5, "n": 12, "suppressed": True}], columns)
    assert rows == [["Quarter", "Trust (% agree)", "Responses (n)"], ["FY2023 Q1", 81.25, 400], ["FY2023 Q2", None, 12]]
    assert chart_data.unit_column("backlog", "Backlog at quarter end", "cases").header == "Backlog at quarter end (cases)"
    assert chart_data.unit_column("abandoned", "Calls abandoned", "percent").scale == PERCENT


def test_the_csv_keeps_numbers_as_numbers_and_escapes_formulas():
    spec = {"title": "Trust", "rows": [["Service", "Change from previous quarter (points)", "p-value"],
                                       ["=HYPERLINK(\"http://x\")", -2.5, 0.0004], ["Plain", None, 1.0]]}
    parsed = list(csv.reader(io.StringIO(chart_file({"format": "csv"}, spec)["content"])))
    assert parsed == [["Service", "Change from previous quarter (points)", "p-value"],
                      ["'=HYPERLINK(\"http://x\")", "-2.5", "0.0004"], ["Plain", "", "1.0"]]


class _Service:
    def __init__(self, id_, name, provider):
        self.id, self.name, self.provider = id_, name, provider


SERVICES = [_Service("vba-contact-center", "Contacting the Benefits Administration contact center",
                     "Veterans Benefits Administration")]


@pytest.mark.parametrize("search, subject, expected", [
    ("?quarter=FY2023Q1&provider=Veterans+Benefits+Administration&service=Contacting+the+Benefits+Administration"
     "+contact+center", "Trust", "vba-contact-center-trust-fy2023-q1"),
    ("?quarter=FY2023Q1&provider=Veterans+Health+Administration", "measure status",
     "veterans-health-administration-measure-status-fy2023-q1"),
    ("?year=FY2023", "maturity profile", "maturity-profile-fy2023"),
    ("", "Where the measures stand", "where-the-measures-stand"),
    ("?quarter=FY2023Q9&service=../../etc/passwd", "<>", "etc-passwd-chart"),
    ("?service=A%20service%20%22quoted%22%3B%20rm%20-rf", "Ease × performance: 2023/24", "a-service-quoted-rm-rf-ease-performance-2023-24"),
])
def test_file_names_say_service_subject_and_quarter_in_safe_characters(search, subject, expected):
    stem = file_stem(subject, search, SERVICES)
    assert stem == expected
    assert set(stem) <= set("abcdefghijklmnopqrstuvwxyz0123456789-") and len(stem) <= 120


def test_periods_and_scopes():
    assert file_names.period("FY2023Q1") == "fy2023-q1" and file_names.period(year="FY2022") == "fy2022"
    assert file_names.period("FY2023 Q4") == "fy2023-q4" and file_names.period("2023Q1") is None
    assert file_names.scope("all", "all") is None
    # a service of the same name under another provider is not the catalogue's
    assert file_names.scope("Someone else", SERVICES[0].name, SERVICES) == "contacting-the-benefits-administration-c"
