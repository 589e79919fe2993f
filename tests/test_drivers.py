"""Key-driver analysis checked against direct statsmodels fits and numpy least squares."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from cxdash.metrics.a11_scores import DRIVERS
from cxdash.metrics.drivers import (
    drivers_sentence,
    importance_performance,
    key_drivers,
)

from .conftest import SAMPLE

RENAME = {
    "Satisfaction": "satisfaction", "Trust/Confidence": "trust", "Effectiveness/Quality": "effectiveness",
    "Ease/Simplicity": "ease", "Efficiency/Speed": "efficiency", "Equity/Transparency": "transparency",
    "Helpfulness": "employee",
}


@pytest.fixture(scope="module")
def example() -> pd.DataFrame:
    raw = pd.read_csv(SAMPLE / "a11_v2_response_level_SYNTHETIC.csv")
    return raw[list(RENAME)].rename(columns=RENAME).astype(float)


def by_driver(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("driver")


@pytest.mark.parametrize("outcome", ["trust", "satisfaction"])
def test_format_example_matches_formula_api_and_numpy_standardised_betas(example, outcome):
    result = by_driver(key_drivers(example, outcome, DRIVERS))
    assert len(result) == 5 and result["note"].isna().all()
    assert (result["method"] == "standardised OLS").all()
    assert (result["n"] == 639).all()

    # (a) the formula API on the same frame: raw coefficients, intervals, p-values, R squared
    direct = smf.ols(f"{outcome} ~ " + " + ".join(DRIVERS), data=example).fit()
    scale = example[list(DRIVERS)].std() / example[outcome].std()
    assert np.allclose(result.loc[list(DRIVERS), "importance"] / scale, direct.params[list(DRIVERS)])
    interval = direct.conf_int().loc[list(DRIVERS)]
    assert np.allclose(result.loc[list(DRIVERS), "ci_low"] / scale, interval[0])
    assert np.allclose(result.loc[list(DRIVERS), "ci_high"] / scale, interval[1])
    assert np.allclose(result.loc[list(DRIVERS), "p_value"], direct.pvalues[list(DRIVERS)])
    assert list(result.loc[list(DRIVERS), "significant"]) == list(direct.pvalues[list(DRIVERS)] < 0.05)
    assert np.allclose(result["r_squared"], direct.rsquared)
    assert np.allclose(result["adj_r_squared"], direct.rsquared_adj)

    # (b) standardised betas from least squares on z-scored columns, no statsmodels involved
    z = (example - example.mean()) / example.std()
    betas, *_ = np.linalg.lstsq(z[list(DRIVERS)].to_numpy(), z[outcome].to_numpy(), rcond=None)
    assert np.allclose(result.loc[list(DRIVERS), "importance"], betas)

    # performance: share answering 4 or 5, counted directly
    for driver in DRIVERS:
        agree = sum(1 for v in example[driver] if v in (4.0, 5.0))
        assert result.loc[driver, "performance"] == pytest.approx(agree / 639)
        assert result.loc[driver, "performance_n"] == 639


def test_rows_sorted_by_importance_with_missing_estimates_last_in_request_order(example):
    frame = example.assign(unused=np.nan, flat=3.0)
    result = key_drivers(frame, "trust", ["unused", *DRIVERS, "flat"])
    estimated = result["importance"].dropna()
    assert list(estimated) == sorted(estimated, reverse=True)
    assert list(result["driver"].iloc[5:]) == ["unused", "flat"]
    assert list(result["note"].iloc[5:]) == ["not asked", "no variation"]
    assert math.isnan(result["performance"].iloc[5]) and result["performance_n"].iloc[5] == 0
    assert result["performance"].iloc[6] == 0.0  # every answer is 3: nobody agrees


def test_known_truth_strong_driver_first_noise_not_significant_and_interval_covers():
    rng = np.random.default_rng(20240501)
    n = 600
    strong, weak, noise = (rng.integers(1, 6, n).astype(float) for _ in range(3))
    sigma = 1.0
    outcome = 0.8 * strong + 0.2 * weak + rng.normal(0, sigma, n)
    frame = pd.DataFrame({"trust": outcome, "strong": strong, "weak": weak, "noise": noise})
    result = key_drivers(frame, "trust", ["noise", "weak", "strong"])
    assert result["driver"].iloc[0] == "strong" and result["significant"].iloc[0]
    row = by_driver(result)
    # uniform on 1..5 has variance 2; the drivers are independent
    true_sd_y = math.sqrt(0.8**2 * 2 + 0.2**2 * 2 + sigma**2)
    true_beta = 0.8 * math.sqrt(2) / true_sd_y
    assert row.loc["strong", "ci_low"] < true_beta < row.loc["strong", "ci_high"]
    assert not row.loc["noise", "significant"] and row.loc["noise", "p_value"] >= 0.05
    quadrants = by_driver(importance_performance(result))["quadrant"]
    assert quadrants["noise"] == "Not significant"


@pytest.fixture
def checklist() -> pd.DataFrame:
    """Two forms: form A offers ease, efficiency and 'other' (never ticked); form B only ease and efficiency
    on half its responses. Humanity is offered on neither form."""
    rng = np.random.default_rng(7)
    n = 240
    ease = rng.integers(0, 2, n).astype(float)
    efficiency = rng.integers(0, 2, n).astype(float)
    trust = (rng.random(n) < 0.3 + 0.4 * ease + 0.1 * efficiency).astype(float)
    form_a = np.arange(n) < 100
    efficiency[~form_a & (np.arange(n) % 2 == 0)] = np.nan
    other = np.where(form_a, 0.0, np.nan)
    return pd.DataFrame({
        "trust": trust, "positive_ease": ease, "positive_efficiency": efficiency,
        "positive_humanity": np.nan, "positive_other": other,
    })


def test_checklist_drivers_not_asked_no_variation_and_direct_fit(checklist):
    drivers = ["positive_ease", "positive_efficiency", "positive_humanity", "positive_other"]
    result = by_driver(key_drivers(checklist, "trust", drivers))
    assert result.loc["positive_humanity", "note"] == "not asked"
    assert result.loc["positive_other", "note"] == "no variation"
    assert result.loc[["positive_ease", "positive_efficiency"], "note"].isna().all()
    assert (result.loc[["positive_ease", "positive_efficiency"], "method"] == "OLS coefficient").all()

    used = checklist[["trust", "positive_ease", "positive_efficiency"]].dropna()
    assert len(used) == 170 and (result["n"] == len(used)).all()
    direct = sm.OLS(used["trust"], sm.add_constant(used[["positive_ease", "positive_efficiency"]])).fit(
    )
    for driver in ["positive_ease", "positive_efficiency"]:
        assert result.loc[driver, "importance"] == pytest.approx(direct.params[driver])
        assert result.loc[driver, "p_value"] == pytest.approx(direct.pvalues[driver])
    assert result.loc["positive_ease", "r_squared"] == pytest.approx(direct.rsquared)

    offered = checklist["positive_efficiency"].dropna()
    assert result.loc["positive_efficiency", "performance_n"] == len(offered) == 170
    assert result.loc["positive_efficiency", "performance"] == pytest.approx((offered == 1).sum() / len(offered))
    assert result.loc["positive_other", "performance"] == 0.0


def test_one_differing_response_is_estimated_with_classical_errors(checklist):
    """HC3 was undefined here (leverage 1); classical errors are not, and equal statsmodels'."""
    frame = checklist.assign(positive_employee=0.0)
    frame.loc[5, "positive_employee"] = 1.0
    result = by_driver(key_drivers(frame, "trust", ["positive_ease", "positive_employee"]))
    assert result["note"].isna().all()
    used = frame[["trust", "positive_ease", "positive_employee"]].dropna()
    direct = sm.OLS(used["trust"], sm.add_constant(used[["positive_ease", "positive_employee"]])).fit()
    for driver in ["positive_ease", "positive_employee"]:
        assert result.loc[driver, "importance"] == pytest.approx(direct.params[driver], rel=1e-9)
        assert result.loc[driver, "p_value"] == pytest.approx(direct.pvalues[driver], rel=1e-8)


def test_collinear_driver_is_reported_not_fitted(example):
    frame = example.assign(ease_copy=2 * example["ease"] - 1)
    result = by_driver(key_drivers(frame, "trust", [*DRIVERS, "ease_copy"]))
    assert result.loc["ease_copy", "note"] == "collinear with other drivers"
    direct = smf.ols("trust ~ " + " + ".join(DRIVERS), data=example).fit()
    assert result.loc["ease", "p_value"] == pytest.approx(direct.pvalues["ease"])


def test_too_few_responses_give_no_estimates_but_keep_performance(example):
    frame = example.copy()
    frame.loc[frame.index[25:], "trust"] = np.nan  # 25 complete cases; drivers still answered by 639
    result = key_drivers(frame, "trust", DRIVERS)
    assert result[["importance", "ci_low", "ci_high", "p_value", "r_squared"]].isna().all().all()
    assert (result["note"] == "too few responses (n < 30)").all()
    assert (result["n"] == 25).all() and not result["significant"].any()
    assert result["performance"].notna().all()
    small = key_drivers(example.iloc[:20], "trust", DRIVERS)
    assert small["performance"].isna().all() and (small["performance_n"] == 20).all()
    assert drivers_sentence(small, "trust", "FY2022 Q4 for Example service") == (
        "Too few responses in FY2022 Q4 for Example service to estimate what moves trust (n = 20).")


def test_importance_performance_quadrants_on_a_hand_made_frame():
    frame = pd.DataFrame({
        "driver": ["a", "b", "c", "d", "e", "f"],
        "importance": [0.50, 0.40, 0.20, 0.10, 0.30, np.nan],
        "performance": [0.30, 0.80, 0.40, 0.90, 0.10, 0.50],
        "significant": [True, True, True, True, False, False],
    })
    # significant: a, b, c, d. Median importance (0.40 + 0.20) / 2 = 0.30; median performance (0.40 + 0.80) / 2 = 0.60
    quadrants = dict(zip(frame["driver"], importance_performance(frame)["quadrant"]))
    assert quadrants == {
        "a": "Fix first", "b": "Keep it up", "c": "Monitor", "d": "Maintain", "e": "Not significant", "f": "No estimate",
    }


def test_sentence_names_the_top_driver_n_and_r_squared(example):
    result = key_drivers(example, "trust", DRIVERS)
    sentence = drivers_sentence(result, "trust", "FY2022 Q4 for Example service")
    direct = smf.ols("trust ~ " + " + ".join(DRIVERS), data=example).fit()
    z = (example - example.mean()) / example.std()
    betas = pd.Series(np.linalg.lstsq(z[list(DRIVERS)].to_numpy(), z["trust"].to_numpy(), rcond=None)[0], DRIVERS)
    top = betas[direct.pvalues[list(DRIVERS)] < 0.05].abs().idxmax()
    not_significant = int((direct.pvalues[list(DRIVERS)] >= 0.05).sum())
    assert sentence.startswith(f"In FY2022 Q4 for Example service, {top} moves trust most ({betas[top]:.2f} standardized, 95% CI ")
    assert f"n = 639, R\u00b2 = {direct.rsquared:.2f}" in sentence
    assert sentence.endswith(f"{not_significant} of 5 drivers are not significant.")


def test_sentence_for_checklist_replaces_underscores_and_counts_missing(checklist):
    drivers = ["positive_ease", "positive_efficiency", "positive_humanity"]
    result = key_drivers(checklist, "trust", drivers)
    sentence = drivers_sentence(result, "trust", "FY2025 Q1 for Example service")
    ease = result.set_index("driver").loc["positive_ease"]
    assert ease["significant"]
    assert f"positive ease moves trust most ({ease['importance']:.2f} when selected" in sentence
    assert sentence.endswith("; 1 could not be estimated.")


def test_outcome_without_variation_gives_no_estimates_and_says_why(checklist):
    thumbs_up = checklist[checklist["trust"] == 1]  # positive options shown only after a thumbs up
    result = key_drivers(thumbs_up, "trust", ["positive_ease", "positive_efficiency"])
    assert (result["note"] == "no variation in the outcome").all() and result["importance"].isna().all()
    assert (result["n"] == len(thumbs_up[["trust", "positive_ease", "positive_efficiency"]].dropna())).all()
    assert drivers_sentence(result, "trust", "FY2025 Q1 for Example service") == (
        "In FY2025 Q1 for Example service, no driver of trust could be estimated (no variation in the outcome).")


@pytest.mark.parametrize("outcome", ["trust", "satisfaction"])
def test_classical_errors_against_hc3_on_the_format_example(example, outcome):
    """The stated method (classical OLS errors, from aggregates) beside HC3 robust errors on the
    full data: same estimates, standard errors within 15%, interval ends within 0.02 standardised
    units, the same drivers significant."""
    result = by_driver(key_drivers(example, outcome, DRIVERS))
    model = smf.ols(f"{outcome} ~ " + " + ".join(DRIVERS), data=example)
    classical, hc3 = model.fit(), model.fit(cov_type="HC3", use_t=True)
    scale = example[list(DRIVERS)].std() / example[outcome].std()
    assert np.allclose(result.loc[list(DRIVERS), "p_value"], classical.pvalues[list(DRIVERS)], rtol=1e-8)
    ratio = classical.bse[list(DRIVERS)] / hc3.bse[list(DRIVERS)]
    assert ((ratio > 0.85) & (ratio < 1.15)).all()
    ends = (classical.conf_int() - hc3.conf_int()).loc[list(DRIVERS)].abs().max(axis=1) * scale
    assert (ends < 0.02).all()
    assert list(result.loc[list(DRIVERS), "significant"]) == list(hc3.pvalues[list(DRIVERS)] < 0.05)
