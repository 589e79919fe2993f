"""The Service drivers page without a browser: the trend, key drivers, importance x performance and
channels of the real A-11 quarterly file and the synthetic response-level export, checked against
pandas, statsmodels and textbook formulas run directly on the raw CSVs (not through our code)."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
import yaml

from cxdash.channels import label
from cxdash.compute import compute
from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.dashboard.views import service, service_page
from cxdash.db import analysis_queries, service_queries
from cxdash.db.engine import make_engine, upgrade
from cxdash.loaders import a11_quarterly, survey_responses
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.presentation.scorecard import Filters

from .conftest import CONFIG, QUARTERLY, SAMPLE
from .independent import two_proportion_p, wilson

RESPONSES = SAMPLE / "a11_v2_response_level_SYNTHETIC.csv"
SYNTHETIC = ("Synthetic example provider", "Example web contact form (synthetic)")
VBA = ("Veterans Benefits Administration", "Contacting the Benefits Administration contact center")
COLUMNS = {"Satisfaction": "satisfaction", "Trust/Confidence": "trust", "Effectiveness/Quality": "effectiveness",
           "Ease/Simplicity": "ease", "Efficiency/Speed": "efficiency", "Equity/Transparency": "transparency",
           "Helpfulness": "employee"}
DRIVERS = ["effectiveness", "ease", "efficiency", "transparency", "employee"]
QUESTION_NUMBER = {"satisfaction": 1, "trust": 2, "ease": 4}
MIN_N = 30


@pytest.fixture(scope="module")
def engine(tmp_path_factory, catalogue):
    """The real quarterly file and the synthetic response-level export, loaded and computed."""
    eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('service') / 'cx.db'}")
    upgrade(eng)
    a11_quarterly.load(eng, QUARTERLY, catalogue)
    survey_responses.load(eng, RESPONSES, catalogue, "touchpoints-form-a11")
    compute(eng, catalogue)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def app(engine, catalogue):
    dash_app = create_app(engine, catalogue, sign_in=SIGN_IN_OFF)
    with dash_app.server.app_context():
        yield dash_app


@pytest.fixture(scope="module")
def quarterly():
    return pd.read_csv(QUARTERLY)


@pytest.fixture(scope="module")
def responses():
    """The synthetic export with its fiscal quarter from the New York date, computed here."""
    frame = pd.read_csv(RESPONSES).rename(columns=COLUMNS)
    local = pd.to_datetime(frame["CreatedAt"], utc=True).dt.tz_convert("America/New_York")
    frame["index"] = (local.dt.year + (local.dt.month >= 10).astype(int)) * 4 + ((local.dt.month - 10) % 12) // 3
    return frame


def _raw_counts(quarterly: pd.DataFrame, provider: str, service_name: str, question: str, by: list[str]) -> pd.DataFrame:
    """Agree (4-5) and n of one question of one service, straight from the CSV's point counts."""
    k = QUESTION_NUMBER[question]
    mine = quarterly[(quarterly.attributes_service_provider_name == provider)
                     & (quarterly.attributes_service_name == service_name)].copy()
    mine["agree"] = mine[f"attributes_q{k}_4"] + mine[f"attributes_q{k}_5"]
    mine["n"] = mine[[f"attributes_q{k}_{p}" for p in range(1, 6)]].sum(axis=1)
    mine["channel"] = mine["attributes_channel"].fillna("not_reported")
    return mine.groupby(by)[["agree", "n"]].sum()


def _text(component) -> str:
    if isinstance(component, str):
        return component
    if isinstance(component, (list, tuple)):
        return " ".join(_text(c) for c in component)
    children = getattr(component, "children", None)
    return "" if children is None else _text(children)


def _find(component, component_id: str):
    if getattr(component, "id", None) == component_id:
        return component
    children = component if isinstance(component, (list, tuple)) else getattr(component, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            found = _find(child, component_id)
            if found is not None:
                return found
    elif children is not None and not isinstance(children, str):
        return _find(children, component_id)
    return None


def _vba_target(year: int) -> float:
    """The VBA contact-center trust target, read from the catalogue YAML directly."""
    raw = yaml.safe_load((CONFIG / "catalogue.yaml").read_text())
    measures = [m for g in raw["goals"] for o in g["objectives"] for m in o["measures"]]
    [measure] = [m for m in measures if m["services"] == ["vba-contact-center"] and m["params"]["question"] == "trust"]
    return measure["targets"][f"FY{year}"]


# --- trend -------------------------------------------------------------------------------------

def test_trend_of_a_real_service_matches_pandas_on_the_raw_csv(engine, catalogue, quarterly):
    quarter = FiscalQuarter(2022, 2)
    direct = _raw_counts(quarterly, *VBA, "trust", ["attributes_collection_year", "attributes_collection_quarter"])
    measures = service.matching_measures(catalogue, *VBA, "trust")
    rows = service.trend_rows(analysis_queries.trend_results(engine, *VBA, "all", ["trust"]), "trust", quarter, measures)
    expected = [FiscalQuarter(int(y), int(q)) for y, q in direct.index if FiscalQuarter(int(y), int(q)) <= quarter]
    assert list(rows["quarter"]) == [q.label for q in sorted(expected)] and len(rows) == 6
    table = {r["display"]: r for r in service.trend_table_rows(rows, MIN_N)}
    for row in rows.to_dict("records"):
        agree, n = direct.loc[(row["fiscal_year"], row["fiscal_quarter"])]
        assert row["value"] == pytest.approx(agree / n, rel=1e-12) and row["n"] == n
        low, high = wilson(int(agree), int(n))
        assert (row["ci_low"], row["ci_high"]) == (pytest.approx(low, rel=1e-9), pytest.approx(high, rel=1e-9))
        assert row["target"] == _vba_target(row["fiscal_year"])
        assert table[row["display"]]["value_text"] == f"{agree / n * 100:.1f}%"
        assert table[row["display"]]["target_text"] == f"{_vba_target(row['fiscal_year']) * 100:.1f}%"

    # The chosen quarter's change on the previous one, by hand: value, p and the words in the table.
    agree, n = direct.loc[(2022, 2)]
    before_agree, before_n = direct.loc[(2022, 1)]
    change, p_value = agree / n - before_agree / before_n, two_proportion_p(agree, n, before_agree, before_n)
    last = rows.iloc[-1]
    assert last["qoq_change"] == pytest.approx(change, rel=1e-9) and last["qoq_p"] == pytest.approx(p_value, rel=1e-6)
    assert p_value < 0.05 and change < 0
    assert table["FY2022 Q2"]["qoq_text"] == f"\u2212{abs(change) * 100:.1f} pts (significant, p < 0.001)"
    assert table["FY2021 Q1"]["qoq_text"] == "No figure for FY2020 Q4"

    sentence = service.trend_takeaway(rows, quarter, "trust", VBA[1], MIN_N)
    assert sentence.startswith(f"Trust (% agree) was {agree / n * 100:.1f}% in FY2022 Q2, "
                               f"down {abs(change) * 100:.1f} points on FY2022 Q1 (significant, p < 0.001)")
    assert sentence.endswith(f"The target for FY2022 is {_vba_target(2022) * 100:.1f}%: "
                             f"{(_vba_target(2022) - agree / n) * 100:.1f} points short.")


def test_trend_figure_draws_the_target_step_and_names_every_significant_change(engine, catalogue, quarterly):
    quarter = FiscalQuarter(2023, 1)
    direct = _raw_counts(quarterly, *VBA, "trust", ["attributes_collection_year", "attributes_collection_quarter"])
    rows = service.trend_rows(analysis_queries.trend_results(engine, *VBA, "all", ["trust"]), "trust", quarter,
                              service.matching_measures(catalogue, *VBA, "trust"))
    fig = service.trend_figure(rows, "trust", MIN_N)
    target = next(t for t in fig.data if t.name == "Target")  # the hover values, quarter by quarter
    expected_targets = [_vba_target(FiscalQuarter.parse(q).year) * 100 for q in rows["quarter"]]
    assert list(target.y) == pytest.approx(expected_targets)
    # each fiscal year's target drawn across that year's quarters only: a step between years,
    # half a category either side of the quarters it covers (not a tick at the last point)
    years = [FiscalQuarter.parse(q).year for q in rows["quarter"]]
    expected_steps = []
    for year in dict.fromkeys(years):
        where = [i for i, y in enumerate(years) if y == year]
        if expected_steps and expected_steps[-1][2] == _vba_target(year) * 100:  # the same target runs on
            expected_steps[-1] = (expected_steps[-1][0], where[-1] + 0.5, expected_steps[-1][2])
        else:
            expected_steps.append((where[0] - 0.5, where[-1] + 0.5, _vba_target(year) * 100))
    drawn = [(s.x0, s.x1, s.y0) for s in fig.layout.shapes if s.line.dash == "dash"]
    assert [(a, b) for a, b, _ in drawn] == [(a, b) for a, b, _ in expected_steps]
    assert [y for _, _, y in drawn] == pytest.approx([y for _, _, y in expected_steps])
    assert len({y for _, _, y in drawn}) > 1  # the demo's VBA target changes between fiscal years
    last = _vba_target(years[-1]) * 100
    assert any(a.text == f"Target<br>{round(last, 1):g}%" for a in fig.layout.annotations)
    low, high = fig.layout.yaxis.range
    assert high - low >= 20  # the one y-axis policy for percentage trends

    # Every quarter whose change on the one before is significant by the z test written out here.
    ordered = sorted((FiscalQuarter(int(y), int(q)), a, n) for (y, q), (a, n) in direct.iterrows())
    expected = {}
    for (q0, a0, n0), (q1, a1, n1) in itertools.pairwise(ordered):
        if q1.previous() == q0 and two_proportion_p(a1, n1, a0, n0) < 0.05:
            expected[q1.display] = "▲ significant<br>rise" if a1 / n1 > a0 / n0 else "▼ significant<br>fall"
    marked = {a.x: a.text for a in fig.layout.annotations if "significant" in a.text}
    assert marked == expected and "▼ significant<br>fall" in marked.values()
    labels = list(fig.data[0].text)
    assert labels == [f"{a / n * 100:.1f}%" for _, a, n in ordered]


def test_suppressed_quarter_shows_no_number(engine, catalogue, responses):
    quarter = FiscalQuarter(2022, 4)
    rows = service.trend_rows(analysis_queries.trend_results(engine, *SYNTHETIC, "all", ["trust"]), "trust", quarter, [])
    first = FiscalQuarter(2022, 1)
    n_first = int(responses["trust"].notna()[responses["index"] == first.index].sum())
    assert 0 < n_first < MIN_N
    table = {r["display"]: r for r in service.trend_table_rows(rows, MIN_N)}
    assert table["FY2022 Q1"]["value_text"] == "Suppressed (n < 30)"
    assert table["FY2022 Q1"]["n_text"] == str(n_first)
    assert table["FY2022 Q1"]["qoq_text"] == table["FY2022 Q1"]["interval_text"] == "—"
    assert table["FY2022 Q2"]["qoq_text"] == "No figure for FY2022 Q1"  # never compared with a suppressed quarter
    fig = service.trend_figure(rows, "trust", MIN_N)
    assert "FY2022 Q1" not in list(fig.data[0].x)
    assert any(a.text == "Suppressed<br>(n < 30)" and a.x == "FY2022 Q1" for a in fig.layout.annotations)
    assert not any(t.name == "Target" for t in fig.data)  # no catalogue measure covers the synthetic service


def test_targets_only_for_the_exact_service_and_the_agree_scale(catalogue):
    assert [m.id for m in service.matching_measures(catalogue, *VBA, "trust")] == ["vba-contact-trust"]
    assert service.matching_measures(catalogue, VBA[0], "all", "trust") == []
    assert service.matching_measures(catalogue, *VBA, "satisfaction") == []
    irs = ("Internal Revenue Service", "Filing an individual tax return")
    assert service.matching_measures(catalogue, *irs, "satisfaction") == []  # its target is a mean (4.30)
    assert [m.id for m in service.other_scale_measures(catalogue, irs[1], "satisfaction")] == ["irs-filing-satisfaction"]


# --- key drivers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("end", [FiscalQuarter(2022, 2), FiscalQuarter(2022, 4)])
def test_top_driver_matches_statsmodels_on_the_raw_csv_for_the_rolling_year(engine, responses, end):
    window = responses[(responses["index"] > end.index - 4) & (responses["index"] <= end.index)]
    frame = window[["trust", *DRIVERS]].dropna().astype(float)
    fit = smf.ols("trust ~ " + " + ".join(DRIVERS), data=frame).fit()
    scale = frame[DRIVERS].std(ddof=1) / frame["trust"].std(ddof=1)
    importance = fit.params[DRIVERS] * scale
    top = importance.idxmax()

    [model] = service.driver_models(analysis_queries.driver_results(engine, *SYNTHETIC, end.year, end.quarter), "trust")
    first = FiscalQuarter.from_index(int(window["index"].min()))
    assert model.iloc[0]["driver"] == top
    assert model.iloc[0]["importance"] == pytest.approx(importance[top], rel=1e-9)
    assert service.driver_subtitle(model) == (f"Responses {first.display} to {end.display} "
                                              f"(n = {len(frame):,}, R\u00b2 = {fit.rsquared:.2f})")

    rows = {r["label"]: r for r in service.driver_table_rows(model, MIN_N)}
    interval = fit.conf_int().loc[DRIVERS]
    for driver in DRIVERS:
        row = rows[service.question_label(driver)]
        assert row["importance_text"] == f"{importance[driver]:.2f}".replace("-", "\u2212")
        low, high = interval.loc[driver] * scale[driver]
        assert row["interval_text"] == f"{low:.2f} to {high:.2f}".replace("-", "\u2212")
        assert row["significance"] == ("Significant" if fit.pvalues[driver] < 0.05 else "Not significant")
        assert row["performance_text"] == f"{(window[driver] >= 4).sum() / window[driver].notna().sum() * 100:.1f}%"

    # Not significant drivers: hollow grey and "(not significant)" on the axis, in words.
    fig = service.drivers_figure(model, "trust")
    hollow = next(t for t in fig.data if t.name == "Not significant")
    expected = {service.question_label(d) + " (not significant)" for d in DRIVERS if fit.pvalues[d] >= 0.05}
    assert expected and set(hollow.y) == expected and hollow.marker.symbol == "circle-open"
    solid = next(t for t in fig.data if t.name.startswith("Significant"))
    assert set(solid.y) == {service.question_label(d) for d in DRIVERS if fit.pvalues[d] < 0.05}
    sentence = service.drivers_takeaway(model, "trust", SYNTHETIC[1])
    assert f"{top} moves trust most ({importance[top]:.2f} standardized" in sentence
    not_significant = sum(fit.pvalues[d] >= 0.05 for d in DRIVERS)
    assert f"{not_significant} of 5 drivers are not significant" in sentence


def test_importance_x_performance_quadrants_from_the_medians_of_significant_drivers(engine, responses):
    window = responses[responses["index"] > FiscalQuarter(2022, 4).index - 4]
    frame = window[["trust", *DRIVERS]].dropna().astype(float)
    fit = smf.ols("trust ~ " + " + ".join(DRIVERS), data=frame).fit()
    importance = fit.params[DRIVERS] * frame[DRIVERS].std() / frame["trust"].std()
    performance = pd.Series({d: (window[d] >= 4).mean() for d in DRIVERS})
    significant = [d for d in DRIVERS if fit.pvalues[d] < 0.05]
    mid_i, mid_p = np.median(importance[significant]), np.median(performance[significant])
    expected = {}
    for d in DRIVERS:
        if d not in significant:
            expected[d] = "Not significant"
        elif importance[d] >= mid_i:
            expected[d] = "Keep it up" if performance[d] >= mid_p else "Fix first"
        else:
            expected[d] = "Maintain" if performance[d] >= mid_p else "Monitor"

    [model] = service.driver_models(analysis_queries.driver_results(engine, *SYNTHETIC, 2022, 4), "trust")
    rows = {r["label"]: r["quadrant"] for r in service.ip_table_rows(model)}
    assert rows == {service.question_label(d): q for d, q in expected.items()}
    assert service.medians(model) == (pytest.approx(mid_p), pytest.approx(mid_i))
    fig = service.ip_figure(model, "trust")
    labels = {text for trace in fig.data for text in trace.text}
    assert labels == {f"{service.question_label(d)} · {q}" for d, q in expected.items()}
    points = {(round(x, 9), round(y, 9)) for trace in fig.data for x, y in zip(trace.x, trace.y)}
    assert points == {(round(performance[d] * 100, 9), round(importance[d], 9)) for d in DRIVERS}
    fix = [service.question_label(d) for d, q in expected.items() if q == "Fix first"]
    sentence = service.ip_takeaway(model, "trust")
    assert sentence.startswith("Fix first: ") if fix else "No significant driver of trust is in 'Fix first'" in sentence


def test_fix_first_takeaway_names_the_drivers():
    model = pd.DataFrame({
        "label": ["Ease", "Efficiency", "Effectiveness", "Employee helpfulness"],
        "importance": [0.5, 0.4, 0.1, 0.05], "performance": [0.3, 0.8, 0.2, 0.9],
        "significant": [True, True, True, False],
        "quadrant": ["Fix first", "Keep it up", "Monitor", "Not significant"],
    })
    assert service.ip_takeaway(model, "trust").startswith("Fix first: Ease (30.0%) — matters more than the median")
    assert service.ip_takeaway(model.assign(significant=False), "trust").startswith("No driver of trust is significant")


def test_counts_only_scope_says_drivers_need_response_level_data(app):
    content = service_page.content_for(Filters("FY2022Q2", *VBA), "trust")
    text = _text(content)
    assert "drivers need response-level survey data" in text
    assert _find(content, "service-drivers") is None


def test_quarter_without_responses_points_to_the_nearest_drivers(app, engine):
    assert service_queries.driver_quarters(engine, *SYNTHETIC) == [(2022, 1), (2022, 2), (2022, 3), (2022, 4)]
    content = service_page.content_for(Filters("FY2023Q1", *SYNTHETIC), "trust")
    link = _find(content, "service-drivers-nearest")
    assert "year to FY2022 Q4" in _text(link) and "quarter=FY2022Q4" in link.href


# --- channels ------------------------------------------------------------------------------------

def _holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment written out."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted, running = [0.0] * len(p_values), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def test_channels_match_the_raw_counts_with_holm_adjusted_gaps(engine, quarterly):
    quarter = FiscalQuarter(2021, 2)
    direct = _raw_counts(quarterly, *VBA, "ease", ["attributes_collection_year", "attributes_collection_quarter",
                                                   "channel"]).loc[(2021, 2)]
    pct = direct["agree"] / direct["n"]
    best = pct.idxmax()
    others = [c for c in pct.index if c != best]
    p_values = [two_proportion_p(direct.loc[c, "agree"], direct.loc[c, "n"], direct.loc[best, "agree"],
                                 direct.loc[best, "n"]) for c in others]
    adjusted = dict(zip(others, _holm(p_values)))

    frame = service.channel_frame(analysis_queries.segment_results(engine, *VBA, 2021, 2), "ease", MIN_N)
    assert list(frame["segment"]) == list(pct.sort_values(ascending=False).index) and len(frame) == 4
    rows = {r["label"]: r for r in service.channel_table_rows(frame, MIN_N)}
    assert rows[label(best)]["gap_text"] == "Best-served channel"
    for channel in others:
        row = rows[label(channel)]
        gap = pct[channel] - pct[best]
        assert row["pct_text"] == f"{pct[channel] * 100:.1f}%"
        assert row["gap_text"] == (f"\u2212{abs(gap) * 100:.1f} pts "
                                   f"({'significant' if adjusted[channel] < 0.05 else 'not significant'})")
        stored = frame.set_index("segment").loc[channel, "p_adjusted"]
        assert stored == pytest.approx(adjusted[channel], rel=1e-6, abs=1e-300)
    worst = min(others, key=lambda c: pct[c])
    sentence = service.channel_takeaway(frame, "ease", VBA[1], quarter)
    assert f"{label(worst)} is {abs(pct[worst] - pct[best]) * 100:.1f} points below the best-served channel, " \
           f"{label(best)}" in sentence
    assert "Holm correction for 3 comparisons" in sentence
    fig = service.channel_figure(frame, "ease")
    ticks = {y for trace in fig.data for y in trace.y}
    assert f"{label(best)} (best)" in ticks
    assert all(any(t.startswith(label(c) + " (") for t in ticks) for c in others)


def test_single_channel_is_said_plainly(engine):
    frame = service.channel_frame(analysis_queries.segment_results(engine, *VBA, 2022, 2), "trust", MIN_N)
    assert len(frame) == 1
    assert service.channel_takeaway(frame, "trust", VBA[1], FiscalQuarter(2022, 2)).startswith(
        "Only one channel, Email, reports trust")


# --- filters, links and the callback -------------------------------------------------------------

def test_update_follows_the_filters_and_keeps_them_in_the_query(app, engine):
    provider, options, service_value, content, query = service_page.update("FY2022Q4", None, SYNTHETIC[1], "satisfaction")
    assert (provider, service_value) == SYNTHETIC  # a chosen service brings its provider
    assert query == ("?quarter=FY2022Q4&provider=Synthetic+example+provider&service=Example+web+contact+form+"
                     "%28synthetic%29&outcome=satisfaction")
    assert {"label": SYNTHETIC[1], "value": SYNTHETIC[1]} in options
    text = _text(content)
    assert "What drives satisfaction" in text and "Satisfaction (% agree) was" in text
    stored = analysis_queries.driver_results(engine, *SYNTHETIC, 2022, 4)
    top = stored[stored.outcome == "satisfaction"].sort_values("importance").iloc[-1]
    assert f"{top['importance']:.2f}" in _text(_find(content, "service-drivers-data-table"))
    # Unknown outcomes and quarters fall back to the defaults; trust is left out of the query.
    *_, query = service_page.update("FY1999Q9", "all", "all", "nonsense")
    assert query.startswith("?quarter=") and "outcome" not in query


def test_scorecard_link_with_a_driver_question_opens_that_question(app):
    page = service_page.layout({"quarter": "FY2021Q2", "provider": VBA[0], "service": VBA[1], "outcome": "ease"})
    assert _find(page, "service-outcome").value == "ease"
    assert _find(page, "service-quarter").value == "FY2021Q2"
    content = _find(page, "service-content")
    assert "Ease (% agree) was" in _text(content)
    links = [li.children[0].href for li in _find(content, "service-onward").children]
    query = "?quarter=FY2021Q2&provider=Veterans+Benefits+Administration&service=Contacting+the+Benefits+" \
            "Administration+contact+center"
    assert links == [f"/{page}{query}" for page in ("journey", "operations", "voice", "equity")]
    assert _find(content, "service-equity-link").href == "/equity" + query


def test_label_positions_keep_crowded_labels_apart():
    positions = service.label_positions([10, 10.5, 50], [0.1, 0.1, 0.5], ["Alpha · Monitor", "Beta · Monitor", "Gamma"],
                                        (0, 100), (0, 1))
    assert positions[0] != positions[1] and positions[2] == "top center"


def test_empty_database_says_what_to_do(sqlite_engine, catalogue):
    dash_app = create_app(sqlite_engine, catalogue, sign_in=SIGN_IN_OFF)
    with dash_app.server.app_context():
        page = service_page.layout({"quarter": "FY2022Q2", "outcome": "trust"})
    assert _find(page, "service-quarter").value is None
    assert "load a survey source and run 'cxdash compute'" in _text(_find(page, "service-content"))
