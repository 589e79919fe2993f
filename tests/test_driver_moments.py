"""Key drivers from sufficient statistics computed by the database (SQLite and PostgreSQL),
checked against statsmodels OLS on the full response-level data and against pandas sums."""
from __future__ import annotations

import csv
import datetime as dt

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from cxdash.analyses import driver_rows
from cxdash.db import analysis_queries, cell_aggregates
from cxdash.loaders import a11_responses
from cxdash.metrics.drivers import (
    complete_cases,
    cross_name,
    key_drivers_from_moments,
    ols_from_moments,
    response_moments,
    sum_name,
)

from .test_loader_a11_responses import CATALOGUE, DRIVERS, HEADER, PROVIDER, SERVICE

OTHER = ("Test Licensing", "Renewing a licence")
QUARTERS = ["FY2024Q1", "FY2024Q2"]


def _upload(folder, name, seed, n, off):
    """n Likert-trust responses; ``off`` options are not on the form (null); returns the raw frame."""
    rng = np.random.default_rng(seed)
    chosen = {d: rng.integers(0, 2, n) for d in DRIVERS}
    trust = np.clip(np.round(2.5 + 1.3 * chosen["positive_ease"] - 0.9 * chosen["negative_efficiency"]
                             + 0.4 * chosen["positive_employee"] + rng.normal(0, 0.8, n)), 1, 5).astype(int)
    path = folder / f"{name}.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(n):
            writer.writerow([f"{name}-{i}", trust[i], *["null" if d in off else chosen[d][i] for d in DRIVERS], ""])
    frame = pd.DataFrame({"trust": trust, **{d: chosen[d] for d in DRIVERS}}).astype(float)
    frame[list(off)] = np.nan
    return frame


@pytest.fixture
def loaded(engine, tmp_path):
    """Two services, two quarters; the second service's form leaves two options off."""
    frames = []
    for i, quarter in enumerate(QUARTERS):
        for j, (provider, service, off) in enumerate([(PROVIDER, SERVICE, ("positive_other",)),
                                                      (*OTHER, ("positive_other", "negative_humanity"))]):
            frame = _upload(tmp_path, f"u{i}{j}", 10 * i + j, 150 + 40 * j, off)
            a11_responses.load(engine, tmp_path / f"u{i}{j}.csv", CATALOGUE, provider=provider, service=service,
                               channel="computer", quarter=quarter, trust_scale="likert")
            frames.append(frame.assign(provider=provider, service=service, quarter=quarter))
    with engine.begin() as conn:
        assert cell_aggregates.refresh(conn) == 4  # every cell the loads touched
    return engine, pd.concat(frames, ignore_index=True)


def test_moments_from_the_database_equal_pandas_sums_over_the_raw_responses(loaded):
    engine, raw = loaded
    with engine.connect() as conn:
        moments = analysis_queries.driver_moments(conn)
    assert set(moments["fiscal_quarter"]) == {1, 2} and len(moments) == 4  # one pattern per cell here
    raw = raw.rename(columns={"trust": "trust@5pt"})
    for (provider, service, quarter), mine in raw.groupby(["provider", "service", "quarter"]):
        cell = moments[(moments["provider"] == provider) & (moments["service"] == service)
                       & (moments["fiscal_quarter"] == int(quarter[-1]))]
        expected = response_moments(mine, ["trust@5pt", *DRIVERS])
        assert list(cell["pattern"]) == list(expected["pattern"])
        for column in expected.columns.drop("pattern"):
            if column in cell:
                assert int(cell[column].iloc[0]) == int(expected[column].iloc[0]), column
            else:  # never answered anywhere (positive_other is on no form): not a column at all
                assert "positive_other" in column and expected[column].iloc[0] == 0
    # an option not on the form is missing, not 0: its column is absent from the pattern and its sums are 0
    other = moments[moments["service"] == OTHER[1]]
    assert "negative_humanity" not in other["pattern"].iloc[0].split("|")
    assert (other[sum_name("negative_humanity")] == 0).all()
    assert (other[cross_name("negative_humanity", "negative_humanity")] == 0).all()


def test_fit_from_database_moments_equals_statsmodels_on_the_full_data(loaded):
    engine, raw = loaded
    with engine.connect() as conn:
        moments = analysis_queries.driver_moments(conn)
    window = moments.groupby("pattern", as_index=False).sum(numeric_only=True)  # every cell: the 'all' scope
    used = [d for d in DRIVERS if d not in ("positive_other",)]
    frame = raw[["trust", *used]].dropna()  # listwise: the second service lacks negative_humanity
    fit = sm.OLS(frame["trust"], sm.add_constant(frame[used])).fit()  # nonrobust (classical) errors
    mine = ols_from_moments(complete_cases(window, ["trust@5pt", *used]))
    assert complete_cases(window, ["trust@5pt", *used]).n == len(frame)
    np.testing.assert_allclose(mine.params, fit.params[used], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mine.bse, fit.bse[used], rtol=1e-10)
    assert mine.rsquared == pytest.approx(fit.rsquared, rel=1e-12)
    assert mine.rsquared_adj == pytest.approx(fit.rsquared_adj, rel=1e-12)

    result = key_drivers_from_moments(window, "trust@5pt", DRIVERS).set_index("driver")
    assert result.loc["positive_other", "note"] == "not asked"
    interval = fit.conf_int().loc[used]
    for driver in used:
        assert result.loc[driver, "importance"] == pytest.approx(fit.params[driver], rel=1e-10)
        assert result.loc[driver, "ci_low"] == pytest.approx(interval.loc[driver, 0], rel=1e-9)
        assert result.loc[driver, "ci_high"] == pytest.approx(interval.loc[driver, 1], rel=1e-9)
        assert result.loc[driver, "p_value"] == pytest.approx(fit.pvalues[driver], rel=1e-8, abs=1e-300)
        offered = raw[driver].dropna()
        assert result.loc[driver, "performance_n"] == len(offered)
        assert result.loc[driver, "performance"] == pytest.approx(offered.mean())


def test_rolling_year_and_scopes_are_sums_of_quarterly_cells(loaded):
    engine, raw = loaded
    with engine.connect() as conn:
        rows = pd.DataFrame(driver_rows(analysis_queries.driver_moments(conn), 30, 0.05, dt.datetime.now(dt.UTC)))
    used = [d for d in DRIVERS if d != "positive_other"]
    for provider, service, quarter, mine in [
        ("all", "all", 2, raw),
        (PROVIDER, "all", 2, raw[raw["provider"] == PROVIDER]),
        (PROVIDER, SERVICE, 1, raw[(raw["service"] == SERVICE) & (raw["quarter"] == "FY2024Q1")]),
        (OTHER[0], OTHER[1], 2, raw[raw["service"] == OTHER[1]]),
    ]:
        stored = rows[(rows["provider"] == provider) & (rows["service"] == service)
                      & (rows["fiscal_quarter"] == quarter)].set_index("driver")
        estimated = [d for d in used if mine[d].notna().any()]
        frame = mine[["trust", *estimated]].dropna()
        fit = sm.OLS(frame["trust"], sm.add_constant(frame[estimated])).fit()
        assert set(stored["n"]) == {len(frame)} and set(stored["scale"]) == {"5pt"}
        assert stored["r_squared"].iloc[0] == pytest.approx(fit.rsquared, rel=1e-10)
        for driver in estimated:
            assert stored.loc[driver, "importance"] == pytest.approx(fit.params[driver], rel=1e-9)
            assert stored.loc[driver, "p_value"] == pytest.approx(fit.pvalues[driver], rel=1e-7, abs=1e-300)
