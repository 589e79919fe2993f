"""The operations page without a browser: headline, time-to-complete, backlog and contact-centre
figures from the real Baltimore 311 cases and the synthetic contact-centre sample, checked against
pandas and numpy run directly on the raw files; suppression, changes in words and empty states."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxdash.channels import label as channel_label
from cxdash.db import operations_queries, queries
from cxdash.dashboard.app import create_app
from cxdash.dashboard.views import operations, operations_page, scorecard
from cxdash.metrics.fiscal import FiscalQuarter

from .conftest import EXTRA_DATA, SAMPLE, configured_sources
from .test_cases import CHANNELS, FMT
from .test_contacts import _expected, _sample_frame

BALTIMORE = EXTRA_DATA / "baltimore_311_sample.csv"
CONTACTS = SAMPLE / "contact_centre_SYNTHETIC.csv"
Q3, Q2 = FiscalQuarter(2018, 3), FiscalQuarter(2018, 2)
MIN_N = 30


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, catalogue):
    """Real 311 cases and synthetic contact-centre intervals, loaded as configured sources and computed."""
    folder = tmp_path_factory.mktemp("operations")
    engine, sources = configured_sources(folder, catalogue, [
        {"name": "311", "kind": "cases", "mapping": "baltimore-311", "cadence": "daily",
         "location": {"files": str(BALTIMORE)}},
        {"name": "contact-centre", "kind": "contacts", "mapping": "example-contact-centre", "cadence": "daily",
         "location": {"files": str(CONTACTS)}},
    ])
    yield engine, sources
    engine.dispose()


@pytest.fixture(scope="module")
def raw():
    """The Baltimore file as pandas reads it: local dates, channels mapped as the mapping does."""
    frame = pd.read_csv(BALTIMORE, dtype=str)
    for column in ("CreatedDate", "DueDate", "CloseDate"):
        frame[column[:-4].lower()] = pd.to_datetime(frame[column], format=FMT).dt.normalize()
    frame["channel"] = frame["MethodReceived"].map(CHANNELS)
    return frame


@pytest.fixture
def app(loaded, catalogue):
    engine, sources = loaded
    dash_app = create_app(engine, catalogue, sources)
    with dash_app.server.app_context():
        yield dash_app


def _cells(engine, provider, service="all"):
    return operations_queries.scope_cells(engine, provider, service, list(operations.INDICATORS))


def _window(quarter: FiscalQuarter):
    return pd.Timestamp(quarter.start), pd.Timestamp(quarter.end)


def _closed_days(data: pd.DataFrame, quarter: FiscalQuarter) -> pd.Series:
    start, end = _window(quarter)
    closed = data[data["close"].between(start, end)]
    return (closed["close"] - closed["created"]).dt.days


def _open_at(data: pd.DataFrame, quarter: FiscalQuarter) -> int:
    end = pd.Timestamp(quarter.end)
    return int(((data["created"] <= end) & (data["close"].isna() | (data["close"] > end))).sum())


def _pct(values, q) -> float:
    return float(np.percentile(values, q, method="inverted_cdf"))


# --- numbers against the raw files ---------------------------------------------------------------

def test_headline_matches_the_raw_cases_and_says_change_not_significance(loaded, raw):
    engine, _ = loaded
    cards = {c["indicator"]: c for c in operations.headline(_cells(engine, "Solid Waste"), Q3, "all", MIN_N)}
    waste = raw[raw["Agency"] == "Solid Waste"]
    start, end = _window(Q3)
    days = _closed_days(waste, Q3)
    assert cards["volume"]["value"] == waste["created"].between(start, end).sum()
    assert (cards["time_to_complete_median"]["value"], cards["time_to_complete_median"]["n"]) == (_pct(days, 50), len(days))
    assert cards["time_to_complete_p90"]["value"] == _pct(days, 90)
    backlog = cards["backlog"]
    change = _open_at(waste, Q3) - _open_at(waste, Q2)
    assert backlog["value"] == _open_at(waste, Q3) and backlog["change"] == change != 0
    assert backlog["change_text"] == f"{'Up' if change > 0 else 'Down'} {abs(change)} cases from FY2018 Q2 " \
                                     f"({'worse' if change > 0 else 'better'})"
    assert all("significant" not in (c["change_text"] or "") for c in cards.values())
    assert {c["group"] for c in cards.values()} == {"cases"}  # Solid Waste has no contact centre


def test_time_by_channel_matches_numpy_on_the_raw_file_and_names_the_slowest(loaded, raw):
    engine, _ = loaded
    table = operations.breakdown(_cells(engine, "Solid Waste"), Q3, "all", operations.TIME_KEYS)
    waste = raw[raw["Agency"] == "Solid Waste"]
    start, end = _window(Q3)
    expected = {}
    for channel, part in waste[waste["close"].between(start, end)].groupby("channel"):
        days = (part["close"] - part["created"]).dt.days
        expected[channel] = (_pct(days, 50), _pct(days, 90), len(days))
    channels = table[table["dimension"] == "channel"].set_index("category")
    assert set(channels.index) == set(expected)
    for channel, (median, p90, n) in expected.items():
        row = channels.loc[channel]
        assert (row["time_to_complete_median"], row["time_to_complete_p90"], row["time_to_complete_median_n"]) == (median, p90, n)
    # The slowest channel, ranked independently by median then 90th percentile (n >= 30 only).
    ranked = sorted(((m, p, c) for c, (m, p, n) in expected.items() if n >= MIN_N), reverse=True)
    sentence = operations.time_takeaway(table, Q3.display, MIN_N)
    assert sentence.startswith(f"In FY2018 Q3, {channel_label(ranked[0][2])} is the slowest channel "
                               f"(median {ranked[0][0]:g} days, 90th percentile {ranked[0][1]:g} days)")
    assert f"{channel_label(ranked[-1][2])} the fastest" in sentence
    # Every closed case is in the end stage (its status is Closed), so stages cannot be compared.
    assert list(table.loc[table["dimension"] == "stage", "category"]) == ["end"]
    assert "only the End stage has enough closed cases to compare" in sentence


def test_backlog_trend_matches_open_cases_at_every_quarter_end(loaded, raw):
    engine, _ = loaded
    series = operations.backlog_series(_cells(engine, "Transportation"), "all")
    transport = raw[raw["Agency"] == "Transportation"]
    quarters = [FiscalQuarter.parse(q) for q in series["quarter"]]
    assert quarters == sorted(quarters) and len(quarters) >= 16
    assert list(series["backlog"]) == [_open_at(transport, q) for q in quarters]
    assert list(series["change"].iloc[1:]) == [_open_at(transport, q) - _open_at(transport, q.previous()) for q in quarters[1:]]
    sentence = operations.backlog_takeaway(series, Q3)
    peak = max(quarters, key=lambda q: _open_at(transport, q))
    assert sentence.startswith(f"At the end of FY2018 Q3, {_open_at(transport, Q3)} cases were open")
    assert f"the highest was {_open_at(transport, peak)} cases at the end of {peak.display}" in sentence
    figure = operations.backlog_figure(series, Q3)
    assert list(figure.data[0].text) == [f"{v:,}" for v in series["backlog"].astype(int)]  # a label on every point
    assert figure.data[1].name == "Selected quarter (FY2018 Q3)" and list(figure.data[1].x) == ["FY2018 Q3"]


def test_contact_centre_by_stage_matches_the_raw_sample(loaded):
    engine, _ = loaded
    quarter = FiscalQuarter(2022, 2)
    table = operations.breakdown(_cells(engine, "all"), quarter, "all", operations.CONTACT_KEYS)
    sample = _sample_frame()
    sample = sample[sample["valid"] & (sample["fiscal_year"] == 2022) & (sample["fiscal_quarter"] == 2)]
    stages = table[table["dimension"] == "stage"].set_index("category")
    assert list(stages.index) == ["start", "process", "end"]
    for stage, part in sample.groupby("stage"):
        for key, (value, n) in _expected(part).items():
            assert stages.loc[stage, key] == pytest.approx(value) and stages.loc[stage, f"{key}_n"] == n
    abandon = sample.groupby("stage")[["abandoned", "offered"]].sum()
    worst = (abandon["abandoned"] / abandon["offered"]).idxmax()
    sentence = operations.contact_takeaway(table, quarter.display, MIN_N)
    assert sentence.startswith(f"In FY2022 Q2, the {worst.capitalize()} stage had the most abandoned calls "
                               f"({abandon.loc[worst, 'abandoned'] / abandon.loc[worst, 'offered'] * 100:.1f}%)")
    rows = operations.contact_rows(table, MIN_N)
    assert [r["label"] for r in rows] == ["Start", "Process", "End", "Phone"]


# --- pure functions on small frames --------------------------------------------------------------

def _frame(rows):
    return pd.DataFrame(rows, columns=["indicator", "fiscal_year", "fiscal_quarter", "channel", "stage", "value", "n"])


def test_small_groups_are_suppressed_but_counts_are_not():
    frame = _frame([
        ("time_to_complete_median", 2018, 3, "all", "all", 4.0, 29),
        ("on_time_rate", 2018, 3, "all", "all", 0.9, 30),
        ("backlog", 2018, 3, "all", "all", 7.0, 7),
        ("backlog", 2018, 2, "all", "all", 4.0, 4),
    ])
    cards = {c["indicator"]: c for c in operations.headline(frame, Q3, "all", MIN_N)}
    assert cards["time_to_complete_median"]["value_text"] == "Suppressed (n < 30)"
    assert cards["time_to_complete_median"]["change_text"] is None
    assert cards["on_time_rate"]["value_text"] == "90.0%"
    assert cards["on_time_rate"]["change_text"] == "No value for FY2018 Q2 to compare"
    assert cards["backlog"]["value_text"] == "7 cases" and cards["backlog"]["change_text"] == "Up 3 cases from FY2018 Q2 (worse)"


def test_changes_are_judged_by_the_better_direction():
    assert operations.change_words(-0.021, "on_time_rate", "FY2018 Q2") == "Down 2.1 percentage points from FY2018 Q2 (worse)"
    assert operations.change_words(-13.4, "average_speed_of_answer", "FY2022 Q1") == "Down 13 s from FY2022 Q1 (better)"
    assert operations.change_words(25, "volume", "FY2018 Q2") == "Up 25 cases from FY2018 Q2"  # volume: neither
    assert operations.change_words(1, "time_to_complete_median") == "Up 1 day (worse)"
    assert operations.change_words(0.0004, "abandonment_rate", "FY2022 Q1") == "No change from FY2022 Q1"
    assert operations.judgement(0.0004, "abandonment_rate") is None


def test_a_previous_quarter_too_small_to_show_gives_no_change():
    frame = _frame([("backlog_age_median", 2018, 3, "all", "all", 40.0, 35),
                    ("backlog_age_median", 2018, 2, "all", "all", 20.0, 12)])
    card = operations.headline(frame, Q3, "all", MIN_N)[0]
    assert card["value_text"] == "40 days" and card["change"] is None
    assert card["change_text"] == "No change shown: FY2018 Q2 is suppressed (n < 30)"


def test_suppressed_bars_are_not_drawn_and_every_bar_has_its_value():
    frame = _frame([
        ("time_to_complete_median", 2018, 3, "phone", "all", 5.0, 99),
        ("time_to_complete_p90", 2018, 3, "phone", "all", 31.0, 99),
        ("time_to_complete_median", 2018, 3, "website", "all", 2.0, 40),
        ("time_to_complete_p90", 2018, 3, "website", "all", 9.0, 40),
        ("time_to_complete_median", 2018, 3, "email", "all", 60.0, 3),
        ("time_to_complete_p90", 2018, 3, "email", "all", 90.0, 3),
        ("time_to_complete_median", 2018, 3, "all", "end", 4.0, 142),
    ])
    table = operations.breakdown(frame, Q3, "all", operations.TIME_KEYS)
    figure = operations.time_figure(table, MIN_N)
    median, p90 = figure.data
    assert list(median.x[1]) == ["Phone", "Website"]  # email suppressed; one stage alone adds nothing
    assert (list(median.text), list(p90.text)) == (["5 days", "2 days"], ["31 days", "9 days"])
    assert p90.marker.pattern.shape == "/" and median.marker.pattern.shape == ""
    rows = {r["label"]: r for r in operations.time_rows(table, MIN_N)}
    assert rows["Email"]["time_to_complete_median"] == "Suppressed (n < 30)"
    assert operations.time_takeaway(table, "FY2018 Q3", MIN_N).startswith(
        "In FY2018 Q3, Phone is the slowest channel (median 5 days, 90th percentile 31 days) and Website the fastest")


def test_a_gap_in_quarters_leaves_the_backlog_change_unknown():
    frame = _frame([("backlog", 2018, 1, "all", "all", 10.0, 10), ("backlog", 2018, 2, "all", "all", 12.0, 12),
                    ("backlog", 2018, 4, "all", "all", 30.0, 30)])
    series = operations.backlog_series(frame, "all")
    assert series["change"].isna().tolist() == [True, False, True]
    assert operations.backlog_takeaway(series, FiscalQuarter(2018, 3)) == (
        "No backlog figure for FY2018 Q3; at the end of FY2018 Q4, the latest quarter with one, 30 cases were open.")


def test_no_data_sentences_name_the_quarters_that_have_data():
    frame = _frame([("backlog", 2018, 1, "all", "all", 10.0, 10), ("backlog", 2019, 2, "all", "all", 12.0, 12)])
    span = operations.coverage(frame, operations.CASE, "all")
    assert operations.no_data_sentence("case data", FiscalQuarter(2023, 1), span, "case data") == (
        "No case data for FY2023 Q1 in this scope; case data cover FY2018 Q1 to FY2019 Q2.")
    assert operations.coverage(frame, operations.CONTACT, "all") is None
    assert operations.contact_takeaway(operations.breakdown(frame, Q3, "all", operations.CONTACT_KEYS), "FY2018 Q3",
                                       MIN_N) == "No contact-centre data for FY2018 Q3 in this scope."


# --- the glue: filters, query string, content ----------------------------------------------------

def _text(component) -> str:
    if isinstance(component, (list, tuple)):
        return " ".join(_text(c) for c in component)
    if isinstance(component, str):
        return component
    return _text(getattr(component, "children", None) or "")


def test_update_keeps_every_filter_in_the_query_and_says_what_is_missing(app, loaded, raw):
    engine, _ = loaded
    provider, services, service, content, query = operations_page.update("FY2018Q3", "Solid Waste", None, "phone")
    assert (provider, service) == ("Solid Waste", "all")
    assert query == "?quarter=FY2018Q3&provider=Solid+Waste&channel=phone"
    waste = raw[raw["Agency"] == "Solid Waste"]["SRType"].map(lambda s: " ".join(s.split()))
    assert [o["value"] for o in services] == ["all", *sorted(set(waste))]
    text = _text(content)
    row = queries.indicators(engine, 2018, 3)
    backlog = row[(row.indicator == "backlog") & (row.provider == "Solid Waste") & (row.service == "all")
                  & (row.channel == "phone") & (row.stage == "all")].iloc[0]
    assert f"{int(backlog.value)} cases were open" in text
    assert "No contact-centre data for FY2018 Q3 in this scope." in text
    assert "Showing FY2018 Q3 · Solid Waste, all services, Phone" in text
    assert "Phone (selected)" in text  # the channel rows compare the chosen channel with the others


def test_unknown_filters_fall_back_and_a_service_brings_its_provider(app, loaded):
    filters, _ = operations_page.resolved_filters({"quarter": "FY1999Q1", "provider": "Nobody", "channel": "fax"})
    assert filters == scorecard.Filters("FY2023Q1", "all", "all", "all")  # the latest quarter with indicators
    filters, available = operations_page.resolved_filters(
        {"quarter": "FY2022Q2", "service": "Example web contact form (synthetic)"})
    assert filters.provider == "Synthetic example provider"
    assert available.services == ["Example web contact form (synthetic)"]
    content = operations_page.content_for(filters)
    assert "the End stage had the most abandoned calls" in _text(content)
    assert "No case data for FY2022 Q2 in this scope." in _text(content)
