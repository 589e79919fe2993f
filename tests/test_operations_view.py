"""The operations page without a browser: headline, time-to-complete, backlog and contact-centre
figures from the real Boston 311 sample shipped with cxdash and the synthetic contact-center sample,
checked against pandas and numpy run directly on the raw files; suppression, changes in words and
empty states. A second real city's export (Baltimore 311, not shipped) runs the same checks as an
extra check where that file is present."""
from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxdash.catalogue import Service
from cxdash.channels import label as channel_label
from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.dashboard.views import operations, operations_page
from cxdash.db import operations_queries, queries
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation import scorecard

from . import boston
from .conftest import SAMPLE, configured_sources
from .test_cases import BALTIMORE, extra_check
from .test_cases import CHANNELS as BALTIMORE_CHANNELS
from .test_cases import FMT as BALTIMORE_FMT
from .test_contacts import _expected, _sample_frame

CONTACTS = SAMPLE / "contact_centre_SYNTHETIC.csv"
MIN_N = 30


def _baltimore_raw() -> pd.DataFrame:
    """The Baltimore file as pandas reads it, under the common column names of boston.read_raw."""
    frame = pd.read_csv(BALTIMORE, dtype=str)
    frame["provider"], frame["service"] = frame["Agency"], frame["SRType"]
    frame["channel"] = frame["MethodReceived"].map(BALTIMORE_CHANNELS)
    for column, name in (("CreatedDate", "created"), ("DueDate", "due"), ("CloseDate", "closed")):
        frame[name] = pd.to_datetime(frame[column], format=BALTIMORE_FMT).dt.normalize()
    return frame


@dataclass(frozen=True)
class City:
    """A real 311 export, its mapping, and the scope and quarters its checks look at, written out."""
    path: Path
    mapping: str
    read: Callable[[], pd.DataFrame]
    provider: str          # a provider with enough closed cases in the quarter, and no contact center
    backlog_provider: str  # a provider whose backlog moves from quarter to quarter
    quarter: FiscalQuarter
    shown: str             # the quarter and the one before it, as the page writes them
    before: str
    query: str             # the query string of quarter, provider and the phone channel


CITIES = {
    "boston": City(boston.BOSTON, boston.MAPPING, boston.read_raw, boston.PROVIDER, boston.PROVIDER,
                   FiscalQuarter(2019, 3), "FY2019 Q3", "FY2019 Q2",
                   "?quarter=FY2019Q3&provider=Public+Works+Department&channel=phone"),
    "baltimore": City(BALTIMORE, "baltimore-311", _baltimore_raw, "Solid Waste", "Transportation",
                      FiscalQuarter(2018, 3), "FY2018 Q3", "FY2018 Q2",
                      "?quarter=FY2018Q3&provider=Solid+Waste&channel=phone"),
}
Q3 = FiscalQuarter(2018, 3)  # the pure-function checks below: small frames of their own


@pytest.fixture(scope="module", params=["boston", pytest.param("baltimore", marks=extra_check)])
def city(request) -> City:
    return CITIES[request.param]


@pytest.fixture(scope="module")
def loaded(city, tmp_path_factory, catalogue):
    """Real 311 cases and synthetic contact-center intervals, loaded as configured sources and computed."""
    folder = tmp_path_factory.mktemp("operations")
    engine, sources = configured_sources(folder, catalogue, [
        {"name": "311", "kind": "cases", "mapping": city.mapping, "cadence": "daily",
         "location": {"files": str(city.path)}},
        {"name": "contact-centre", "kind": "contacts", "mapping": "example-contact-centre", "cadence": "daily",
         "location": {"files": str(CONTACTS)}},
    ])
    yield engine, sources
    engine.dispose()


@pytest.fixture(scope="module")
def raw(city):
    """The city's file as pandas reads it: local dates, channels mapped as the mapping does."""
    return city.read()


@pytest.fixture(scope="module")
def city_catalogue(catalogue, raw):
    """The shipped catalogue plus every service of the city's file, as the city's own catalogue would
    name them: the page offers only catalogue services, one at a time."""
    pairs = sorted({(p, " ".join(s.split())) for p, s in raw[["provider", "service"]].itertuples(index=False)})
    added = [Service(id=f"city-{i}", name=name, provider=provider, agency="City", stages=["process", "end"])
             for i, (provider, name) in enumerate(pairs)]
    return catalogue.model_copy(update={"services": [*catalogue.services, *added]})


@pytest.fixture
def app(loaded, city_catalogue):
    engine, sources = loaded
    dash_app = create_app(engine, city_catalogue, sources, sign_in=SIGN_IN_OFF)
    with dash_app.server.app_context():
        yield dash_app


def _cells(engine, provider, service="all"):
    return operations_queries.scope_cells(engine, provider, service, operations.READ)


def _window(quarter: FiscalQuarter):
    return pd.Timestamp(quarter.start), pd.Timestamp(quarter.end)


def _closed_days(data: pd.DataFrame, quarter: FiscalQuarter) -> pd.Series:
    start, end = _window(quarter)
    closed = data[data["closed"].between(start, end)]
    return (closed["closed"] - closed["created"]).dt.days


def _open_at(data: pd.DataFrame, quarter: FiscalQuarter, day: pd.Timestamp | None = None) -> int:
    """Cases open at the quarter's end, or on ``day`` (the data's as-of day in a quarter not over)."""
    end = pd.Timestamp(quarter.end) if day is None else day
    return int(((data["created"] <= end) & (data["closed"].isna() | (data["closed"] > end))).sum())


def _quarter_of(day: pd.Timestamp) -> FiscalQuarter:
    """The fiscal quarter of a date, written out: FY2019 Q1 is October to December 2018."""
    return FiscalQuarter(day.year + (day.month >= 10), (day.month + 2) % 12 // 3 + 1)


def _pct(values, q) -> float:
    return float(np.percentile(values, q, method="inverted_cdf"))


def _days(value: float) -> str:
    return f"{value:g} day" if value == 1 else f"{value:g} days"


def _were_open(count: int) -> str:
    return f"{count:,} case was open" if count == 1 else f"{count:,} cases were open"


# --- numbers against the raw files ---------------------------------------------------------------

def test_headline_matches_the_raw_cases_and_says_change_not_significance(loaded, raw, city):
    engine, _ = loaded
    cards = {c["indicator"]: c for c in operations.headline(_cells(engine, city.provider), city.quarter, "all", MIN_N)}
    mine = raw[raw["provider"] == city.provider]
    start, end = _window(city.quarter)
    days = _closed_days(mine, city.quarter)
    assert cards["volume"]["value"] == mine["created"].between(start, end).sum()
    assert (cards["time_to_complete_median"]["value"], cards["time_to_complete_median"]["n"]) == (_pct(days, 50), len(days))
    assert cards["time_to_complete_p90"]["value"] == _pct(days, 90)
    backlog = cards["backlog"]
    previous = city.quarter.previous()
    change = _open_at(mine, city.quarter) - _open_at(mine, previous)
    assert backlog["value"] == _open_at(mine, city.quarter) and backlog["change"] == change != 0
    assert backlog["change_text"] == f"{'Up' if change > 0 else 'Down'} {abs(change):,} cases from {city.before} " \
                                     f"({'worse' if change > 0 else 'better'})"
    assert all("significant" not in (c["change_text"] or "") for c in cards.values())
    assert {c["group"] for c in cards.values()} == {"cases"}  # the provider has no contact center


@pytest.mark.parametrize("scope", ["provider", "all, previous quarter"])
def test_time_by_channel_matches_numpy_on_the_raw_file_and_names_the_slowest(loaded, raw, city, scope):
    engine, _ = loaded
    provider, quarter, shown = ((city.provider, city.quarter, city.shown) if scope == "provider"
                                else ("all", city.quarter.previous(), city.before))
    table = operations.breakdown(_cells(engine, provider), quarter, "all", operations.TIME_KEYS)
    mine = raw if provider == "all" else raw[raw["provider"] == provider]
    start, end = _window(quarter)
    expected = {}
    for channel, part in mine[mine["closed"].between(start, end)].groupby("channel"):
        days = (part["closed"] - part["created"]).dt.days
        expected[channel] = (_pct(days, 50), _pct(days, 90), len(days))
    channels = table[table["dimension"] == "channel"].set_index("category")
    assert set(channels.index) == set(expected)
    for channel, (median, p90, n) in expected.items():
        row = channels.loc[channel]
        assert (row["time_to_complete_median"], row["time_to_complete_p90"], row["time_to_complete_median_n"]) == (median, p90, n)
    # The slowest and the fastest channel, ranked independently by median then 90th percentile
    # (n >= 30 only). Channels that tie are equally right: the sentence must name one of them.
    usable = {c: (m, p) for c, (m, p, n) in expected.items() if n >= MIN_N}
    slowest, fastest = max(usable.values()), min(usable.values())
    assert slowest != fastest
    sentence = operations.time_takeaway(table, shown, MIN_N)
    assert any(sentence.startswith(f"In {shown}, {channel_label(c)} is the slowest channel "
                                   f"(median {_days(slowest[0])}, 90th percentile {_days(slowest[1])})")
               for c, v in usable.items() if v == slowest), sentence
    assert any(f"and {channel_label(c)} the fastest (median {_days(fastest[0])}, 90th percentile "
               f"{_days(fastest[1])})" in sentence for c, v in usable.items() if v == fastest), sentence
    # Every closed case is in the end stage (its status is Closed), so stages cannot be compared.
    assert list(table.loc[table["dimension"] == "stage", "category"]) == ["end"]
    assert "only the End stage has enough closed cases to compare" in sentence


def test_backlog_trend_matches_open_cases_at_every_quarter_end(loaded, raw, city):
    engine, _ = loaded
    series = operations.backlog_series(_cells(engine, city.backlog_provider), "all")
    mine = raw[raw["provider"] == city.backlog_provider]
    quarters = [FiscalQuarter.parse(q) for q in series["quarter"]]
    # Every quarter end from the first case's quarter to the quarter of the latest date in the file;
    # that quarter is not over, so it is counted on the latest date (the data's as-of day).
    as_of = max(raw["created"].max(), raw["closed"].max())
    first, last = _quarter_of(mine["created"].min()), _quarter_of(as_of)
    assert quarters[0] == first and quarters[-1] == last and as_of < pd.Timestamp(last.end)
    assert [q.index for q in quarters] == list(range(first.index, last.index + 1))

    def open_at(quarter):
        return _open_at(mine, quarter, as_of if quarter == last else None)

    assert list(series["backlog"]) == [open_at(q) for q in quarters]
    assert list(series["change"].iloc[1:]) == [open_at(q) - open_at(q.previous()) for q in quarters[1:]]
    as_of_words = f"{as_of.day} {as_of:%b} {as_of.year}"
    assert series["as_of"].iloc[-1] == as_of_words and series["as_of"].iloc[:-1].isna().all()
    peak = max(quarters, key=open_at)
    for quarter in quarters:  # the chosen quarter is the peak, or names it
        sentence = operations.backlog_takeaway(series, quarter)
        at = (f"As of {as_of_words} ({quarter.display} so far)" if quarter == last
              else f"At the end of {quarter.display}")
        assert sentence.startswith(f"{at}, {_were_open(open_at(quarter))}")
        if quarter == peak:
            assert sentence.endswith("; the highest of any quarter shown.")
        else:
            assert f"the highest was {open_at(peak):,} cases at the end of {peak.display}" in sentence
    assert city.quarter in quarters
    assert operations.backlog_takeaway(series, city.quarter).startswith(
        f"At the end of {city.shown}, {_were_open(_open_at(mine, city.quarter))}")
    # The CSV: counts as numbers, units in the header, the change in cases.
    header, *rows = operations.backlog_data(series, MIN_N)
    assert header[:3] == ["Quarter", "Backlog at quarter end (cases)", "Change from previous quarter (cases)"]
    assert [r[1] for r in rows] == [_open_at(mine, q) for q in quarters]
    assert [r[2] for r in rows[1:]] == [_open_at(mine, q) - _open_at(mine, q.previous()) for q in quarters[1:]]
    assert rows[0][2] is None and all(isinstance(r[1], (int, float)) for r in rows)
    figure = operations.backlog_figure(series, city.quarter)
    assert list(figure.data[0].text) == [f"{v:,}" for v in series["backlog"].astype(int)]  # a label on every point
    assert figure.data[1].name == f"Selected quarter ({city.shown})" and list(figure.data[1].x) == [city.shown]


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
                                       MIN_N) == "No contact-center data for FY2018 Q3 in this scope."


# --- the glue: filters, query string, content ----------------------------------------------------

def _text(component) -> str:
    if isinstance(component, (list, tuple)):
        return " ".join(_text(c) for c in component)
    if isinstance(component, str):
        return component
    return _text(getattr(component, "children", None) or "")


def test_update_keeps_every_filter_in_the_query_and_says_what_is_missing(app, loaded, raw, city):
    engine, _ = loaded
    provider, services, service, content, query = operations_page.update(
        city.quarter.label, city.provider, None, "phone")
    # A provider alone opens one of its own services, never the provider's pool of them.
    assert provider == city.provider
    assert service in set(raw.loc[raw["provider"] == city.provider, "service"].map(lambda s: " ".join(s.split())))
    assert query == city.query.replace("&channel=", "&" + urllib.parse.urlencode({"service": service}) + "&channel=")
    text = _text(content)
    row = queries.indicators(engine, city.quarter.year, city.quarter.quarter)
    backlog = row[(row.indicator == "backlog") & (row.provider == city.provider) & (row.service == service)
                  & (row.channel == "phone") & (row.stage == "all")].iloc[0]
    assert f"{_were_open(int(backlog.value))}" in text
    assert f"No contact-center data for {city.shown} in this scope." in text
    assert f"Showing {city.shown} · {city.provider}, {service}, Phone" in text
    assert "Phone (selected)" in text  # the channel rows compare the chosen channel with the others
    # Each provider's services, from the raw file, are what its service filter offers: no "All services".
    for name, part in raw.groupby("provider"):
        _, services, _, _, _ = operations_page.update(city.quarter.label, name, None, "all")
        assert [o["value"] for o in services] == sorted(set(part["service"].map(lambda s: " ".join(s.split()))))


def test_unknown_filters_fall_back_and_a_service_brings_its_provider(app, loaded):
    filters, _ = operations_page.resolved_filters({"quarter": "FY1999Q1", "provider": "Nobody", "channel": "fax"})
    # The latest quarter with indicators, and the one service with data in it (the contact center's;
    # no survey results here rank the services, so none is further off track).
    assert filters == scorecard.Filters("FY2023Q1", "Synthetic example provider",
                                        "Example web contact form (synthetic)", "all")
    filters, available = operations_page.resolved_filters(
        {"quarter": "FY2022Q2", "service": "Example web contact form (synthetic)"})
    assert filters.provider == "Synthetic example provider"
    assert available.services == ["Example web contact form (synthetic)"]
    content = operations_page.content_for(filters)
    assert "the End stage had the most abandoned calls" in _text(content)
    assert "No case data for FY2022 Q2 in this scope." in _text(content)
