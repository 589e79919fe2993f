"""The shipped Boston 311 sample (real, ODC PDDL) loaded through the boston-311 mapping, and its
case indicators checked against pandas run straight on the raw CSV."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxdash import paths
from cxdash.compute import compute
from cxdash.db import queries
from cxdash.loaders import cases
from cxdash.mappings import CaseMapping, load_any_mapping

from .conftest import all_text

SAMPLE = paths.sample_dir() / "boston_311_sample.csv"
MAPPING = "boston-311"
ROWS = 3864
FMT = "%Y-%m-%d %H:%M:%S"
# Written out here, not taken from the project: the sources through which a resident reported online.
DIGITAL_SOURCES = {"Citizens Connect App", "Self Service", "Twitter"}
QUARTERS = [(2019, 2), (2019, 3)]  # Jan-Mar and Apr-Jun 2019: the fiscal year starts on 1 October
QUARTER_ENDS = {(2019, 2): pd.Timestamp(2019, 3, 31), (2019, 3): pd.Timestamp(2019, 6, 30)}
PROVIDERS = ["all", "Public Works Department", "Animal Control", "Inspectional Services"]


def _fiscal(day: pd.Series) -> pd.DataFrame:
    """Fiscal year and quarter of each date: FY2026 Q1 is October to December 2025."""
    return pd.DataFrame({"fy": day.dt.year + (day.dt.month >= 10).astype(int),
                         "fq": (day.dt.month + 2) % 12 // 3 + 1}, index=day.index)


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    frame = pd.read_csv(SAMPLE, dtype=str)
    for column, name in (("open_dt", "created"), ("sla_target_dt", "due"), ("closed_dt", "closed")):
        frame[name] = pd.to_datetime(frame[column], format=FMT).dt.normalize()  # local dates
    created, closed = _fiscal(frame["created"]), _fiscal(frame["closed"])
    frame["fy"], frame["fq"] = created["fy"], created["fq"]
    frame["closed_fy"], frame["closed_fq"] = closed["fy"], closed["fq"]
    return frame


@pytest.fixture
def loaded(engine, catalogue):
    report = cases.load(engine, SAMPLE, MAPPING)
    compute(engine, catalogue)
    return engine, report


def _indicator(frame: pd.DataFrame, name: str, provider: str) -> pd.DataFrame:
    return frame[(frame.indicator == name) & (frame.provider == provider) & (frame.service == "all")
                 & (frame.channel == "all") & (frame.stage == "all")]


def test_every_source_value_is_mapped(raw):
    mapping = load_any_mapping(MAPPING)
    assert isinstance(mapping, CaseMapping)
    assert set(raw["source"]) <= set(mapping.channel.values)
    assert set(raw["case_status"]) <= set(mapping.stage.values)


def test_the_sample_loads_every_case_and_stores_no_address(loaded, raw):
    engine, report = loaded
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (ROWS, ROWS, 0)
    assert len(raw) == ROWS
    assert report.data_as_of == max(raw["closed"].max(), raw["created"].max()).date()
    stored = set(all_text(engine))
    assert not stored & set(raw["location"].dropna())
    assert not stored & set(raw["location_street_name"].dropna())


def test_indicators_match_an_independent_computation(loaded, raw):
    engine, _ = loaded
    checked = 0
    for year, quarter in QUARTERS:
        frame = queries.indicators(engine, year, quarter)
        for provider in PROVIDERS:
            data = raw if provider == "all" else raw[raw["subject"] == provider]
            created = data[(data["fy"] == year) & (data["fq"] == quarter)]
            closed = data[(data["closed_fy"] == year) & (data["closed_fq"] == quarter)]
            with_due = closed[closed["due"].notna()]
            where = (year, quarter, provider)

            volume = _indicator(frame, "volume", provider)
            assert len(volume) == 1 and volume.iloc[0].value == len(created), where

            share = _indicator(frame, "digital_share", provider).iloc[0]
            assert share.n == len(created), where
            assert share.value == pytest.approx(created["source"].isin(DIGITAL_SOURCES).mean()), where

            days = (closed["closed"] - closed["created"]).dt.days
            median = _indicator(frame, "time_to_complete_median", provider).iloc[0]
            assert median.n == len(closed), where
            assert median.value == np.percentile(days, 50, method="inverted_cdf"), where
            p90 = _indicator(frame, "time_to_complete_p90", provider).iloc[0]
            assert p90.value == np.percentile(days, 90, method="inverted_cdf"), where

            end = QUARTER_ENDS[(year, quarter)]
            still_open = data[(data["created"] <= end) & (data["closed"].isna() | (data["closed"] > end))]
            assert _indicator(frame, "backlog", provider).iloc[0].value == len(still_open), where
            ages = (end - still_open["created"]).dt.days
            age = _indicator(frame, "backlog_age_median", provider).iloc[0]
            assert age.value == np.percentile(ages, 50, method="inverted_cdf"), where

            on_time = _indicator(frame, "on_time_rate", provider)
            if with_due.empty:  # Animal Control sets no target date: no on-time rate at all
                assert on_time.empty, where
            else:
                assert on_time.iloc[0].n == len(with_due), where
                assert on_time.iloc[0].value == pytest.approx((with_due["closed"] <= with_due["due"]).mean()), where
            checked += 1
    assert checked == len(QUARTERS) * len(PROVIDERS)


def test_the_quarterly_totals_of_the_sample(loaded):
    """Pinned figures of the shipped file, so that a changed sample or mapping is noticed."""
    engine, _ = loaded
    for (year, quarter), volume in zip(QUARTERS, (1412, 2452)):
        frame = queries.indicators(engine, year, quarter)
        assert _indicator(frame, "volume", "all").iloc[0].value == volume
