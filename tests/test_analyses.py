"""Compute-time analyses end to end on SQLite and PostgreSQL: segments stored by the loader,
then key drivers, segment gaps and trends written by compute, checked against statistics run
directly on the raw files (statsmodels/numpy/pandas), not through our code."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from cxdash.compute import compute
from cxdash.db import analysis_queries
from cxdash.loaders import a11_quarterly, survey_responses

from .conftest import QUARTERLY, SAMPLE, migrated_engine
from .independent import two_proportion_p

RESPONSES = SAMPLE / "a11_v2_response_level_SYNTHETIC.csv"
PROVIDER, SERVICE = "Synthetic example provider", "Example web contact form (synthetic)"
COLUMNS = {"Satisfaction": "satisfaction", "Trust/Confidence": "trust", "Effectiveness/Quality": "effectiveness",
           "Ease/Simplicity": "ease", "Efficiency/Speed": "efficiency", "Equity/Transparency": "transparency",
           "Helpfulness": "employee"}
DRIVERS = ["effectiveness", "ease", "efficiency", "transparency", "employee"]


@pytest.fixture(scope="module")
def raw():
    """The synthetic export with its fiscal quarter from the New York date, computed here."""
    frame = pd.read_csv(RESPONSES).rename(columns=COLUMNS)
    local = pd.to_datetime(frame["CreatedAt"], utc=True).dt.tz_convert("America/New_York")
    frame["fy"] = local.dt.year + (local.dt.month >= 10).astype(int)
    frame["fq"] = ((local.dt.month - 10) % 12) // 3 + 1
    return frame


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def computed(request, tmp_path_factory, catalogue):
    engine = migrated_engine(request, tmp_path_factory.mktemp("analyses"))
    survey_responses.load(engine, RESPONSES, catalogue, "touchpoints-form-a11")
    a11_quarterly.load(engine, QUARTERLY, catalogue)
    compute(engine, catalogue)
    yield engine
    engine.dispose()


def test_key_drivers_of_the_rolling_year_match_a_direct_regression(computed, raw):
    """FY2022 Q4's window is FY2022 Q1-Q4: every response of the file."""
    with computed.connect() as conn:
        stored = analysis_queries.driver_results(conn, PROVIDER, SERVICE, 2022, 4)
    trust = stored[stored["outcome"] == "trust"].set_index("driver")
    assert set(trust.index) == set(DRIVERS)
    assert (trust["first_year"].iloc[0], trust["first_quarter"].iloc[0]) == (2022, 1)

    frame = raw[["trust", *DRIVERS]].dropna()
    fit = smf.ols("trust ~ " + " + ".join(DRIVERS), data=frame).fit()
    z = (frame - frame.mean()) / frame.std(ddof=1)
    betas, *_ = np.linalg.lstsq(np.column_stack([np.ones(len(z)), z[DRIVERS]]), z["trust"], rcond=None)
    assert trust["n"].iloc[0] == len(frame) == 639
    assert trust["r_squared"].iloc[0] == pytest.approx(fit.rsquared, rel=1e-9)
    for i, driver in enumerate(DRIVERS):
        assert trust.loc[driver, "importance"] == pytest.approx(betas[i + 1], rel=1e-7)
        assert trust.loc[driver, "p_value"] == pytest.approx(fit.pvalues[driver], rel=1e-6)
        assert trust.loc[driver, "significant"] == (fit.pvalues[driver] < 0.05)
        assert trust.loc[driver, "performance"] == pytest.approx((raw[driver] >= 4).mean())

    # FY2022 Q2's window holds only the responses up to that quarter
    with computed.connect() as conn:
        earlier = analysis_queries.driver_results(conn, PROVIDER, SERVICE, 2022, 2)
    up_to_q2 = raw[(raw["fy"] == 2022) & (raw["fq"] <= 2)]
    assert set(earlier["n"]) == {len(up_to_q2)}


def test_segment_gaps_per_user_group_match_pandas_and_the_z_test(computed, raw):
    with computed.connect() as conn:
        stored = analysis_queries.segment_results(conn, PROVIDER, SERVICE, 2022, 4)
    family = stored[(stored["dimension"] == "UserGroup") & (stored["question"] == "trust")].set_index("segment")
    quarter = raw[(raw["fy"] == 2022) & (raw["fq"] == 4)]
    expected = quarter.groupby("UserGroup")["trust"].agg(agree=lambda s: int((s >= 4).sum()), n="size")
    assert family["n"].to_dict() == expected["n"].to_dict()
    assert family["agree"].to_dict() == expected["agree"].to_dict()
    shown = expected[expected["n"] >= 30]
    pct = shown["agree"] / shown["n"]
    best = pct.idxmax()
    assert family.loc[best, "is_best"] and set(family["best_segment"].dropna()) == {best}
    others = [g for g in shown.index if g != best]
    p = {g: two_proportion_p(shown.loc[g, "agree"], shown.loc[g, "n"], shown.loc[best, "agree"], shown.loc[best, "n"])
         for g in others}
    ordered = sorted(others, key=p.get)  # Holm written out: (m - i) * p, running max, capped at 1
    holm, running = {}, 0.0
    for i, g in enumerate(ordered):
        running = max(running, min(1.0, (len(ordered) - i) * p[g]))
        holm[g] = running
    for g in others:
        assert family.loc[g, "gap"] == pytest.approx(pct[g] - pct[best])
        assert family.loc[g, "p_value"] == pytest.approx(p[g], rel=1e-9)
        assert family.loc[g, "p_adjusted"] == pytest.approx(holm[g], rel=1e-9)
    for g in expected.index.difference(shown.index):
        assert family.loc[g, "suppressed"] and pd.isna(family.loc[g, "pct"])


def test_channel_gaps_on_the_real_quarterly_file(computed):
    """Channels of one real service and quarter, summed from the raw counts."""
    frame = pd.read_csv(QUARTERLY)
    year, quarter = 2022, 4
    rows = frame[(frame["attributes_collection_year"] == year) & (frame["attributes_collection_quarter"] == quarter)]
    counts = rows.assign(agree=rows["attributes_q2_4"] + rows["attributes_q2_5"],
                         n=rows[[f"attributes_q2_{k}" for k in range(1, 6)]].sum(axis=1))
    per_service = counts.groupby(["attributes_service_id", "attributes_channel"])[["agree", "n"]].sum()
    multi = per_service[per_service["n"] > 0].groupby(level=0).filter(lambda f: (f["n"] >= 30).sum() >= 3)
    service_id = multi.index.get_level_values(0)[0]
    name = " ".join(rows.loc[rows["attributes_service_id"] == service_id, "attributes_service_name"].iloc[0].split())
    provider = rows.loc[rows["attributes_service_id"] == service_id, "attributes_service_provider_name"].iloc[0]
    with computed.connect() as conn:
        stored = analysis_queries.segment_results(conn, provider.strip(), name, year, quarter)
    channels = stored[(stored["dimension"] == "channel") & (stored["question"] == "trust")].set_index("segment")
    expected = multi.loc[service_id]
    assert channels["n"].to_dict() == expected["n"].to_dict()
    assert channels["agree"].to_dict() == expected["agree"].to_dict()


def test_trend_points_match_pandas_and_the_z_test(computed, raw):
    with computed.connect() as conn:
        trend = analysis_queries.trend_results(conn, PROVIDER, SERVICE, questions=["trust"])
    per_quarter = raw.groupby(["fy", "fq"])["trust"].agg(agree=lambda s: int((s >= 4).sum()), n="size")
    trend = trend.set_index(["fiscal_year", "fiscal_quarter"])
    assert trend["n"].to_dict() == per_quarter["n"].to_dict()
    assert trend["agree"].to_dict() == per_quarter["agree"].to_dict()
    now, before = per_quarter.loc[(2022, 4)], per_quarter.loc[(2022, 3)]
    assert trend.loc[(2022, 4), "qoq_change"] == pytest.approx(now["agree"] / now["n"] - before["agree"] / before["n"])
    assert trend.loc[(2022, 4), "qoq_p"] == pytest.approx(
        two_proportion_p(now["agree"], now["n"], before["agree"], before["n"]), rel=1e-9)
    assert pd.isna(trend.loc[(2022, 1), "value"])  # 4 responses: suppressed, never compared
    assert pd.isna(trend.loc[(2022, 2), "qoq_change"])
    assert trend.loc[(2022, 4), "trend_quarters"] == 3


def test_checklist_drivers_of_a_v2_upload_match_a_direct_regression(tmp_path, catalogue):
    """Touchpoints v2: trust on the 1-5 form, every option offered (0/1), one option left off
    the form (null). The option that truly moves trust comes first and equals a direct fit."""
    import csv

    import statsmodels.api as sm

    from cxdash.db.engine import make_engine, upgrade
    from cxdash.loaders import a11_responses

    rng = np.random.default_rng(11)
    options = ["positive_effectiveness", "positive_ease", "positive_efficiency", "positive_transparency",
               "positive_humanity", "positive_employee", "positive_other", "negative_effectiveness",
               "negative_ease", "negative_efficiency", "negative_transparency", "negative_humanity",
               "negative_employee", "negative_other"]
    n = 400
    chosen = {o: rng.integers(0, 2, n) for o in options}
    trust = np.clip(np.round(2.6 + 1.4 * chosen["positive_ease"] - 1.0 * chosen["negative_efficiency"]
                             + rng.normal(0, 0.7, n)), 1, 5).astype(int)
    path = tmp_path / "upload.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["external_id", "question_1", *options, "question_4"])
        for i in range(n):
            cells = ["null" if o == "positive_other" else str(chosen[o][i]) for o in options]
            writer.writerow([f"r{i}", str(trust[i]), *cells, ""])
    engine = make_engine(f"sqlite:///{tmp_path / 'v2.db'}")
    upgrade(engine)
    a11_responses.load(engine, path, catalogue, provider=PROVIDER, service=SERVICE, channel="computer",
                       quarter="FY2024Q1", trust_scale="likert")
    compute(engine, catalogue)
    with engine.connect() as conn:
        stored = analysis_queries.driver_results(conn, PROVIDER, SERVICE, 2024, 1).set_index("driver")
    engine.dispose()

    assert "positive_other" not in stored.index  # on no form in the window: no row at all
    used = [o for o in options if o != "positive_other"]
    frame = pd.DataFrame({"trust": trust, **{o: chosen[o] for o in used}})
    fit = sm.OLS(frame["trust"], sm.add_constant(frame[used])).fit()
    for option in used:
        assert stored.loc[option, "importance"] == pytest.approx(fit.params[option], rel=1e-7)
        assert stored.loc[option, "p_value"] == pytest.approx(fit.pvalues[option], rel=1e-6)
    assert stored.loc["positive_ease", "significant"] and stored.loc["negative_efficiency", "significant"]
    estimated = stored[stored["importance"].notna()]
    assert estimated["importance"].abs().idxmax() == "positive_ease"
    assert set(stored["n"]) == {n} and stored["r_squared"].iloc[0] == pytest.approx(fit.rsquared)
