"""Thumbs-form and Likert-form trust in one portfolio (A-11 v2 allows either): the analyses keep
the two scales apart in every scope they share, on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from alembic import command
from sqlalchemy import text

from cxdash.analyses import analysis_rows
from cxdash.compute import attach_wordings, compute, score_cells
from cxdash.dashboard.app import create_app
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.dashboard.views import service_page
from cxdash.db import analysis_queries, cell_aggregates, queries
from cxdash.db.engine import alembic_config, upgrade
from cxdash.loaders import a11_responses
from cxdash.presentation.scorecard import Filters, all_cards, build_cards

from .conftest import migrated_engine
from .test_loader_a11_responses import CATALOGUE, DRIVERS, PROVIDER, SERVICE, Q, row, write
from .test_service_view import _find, _text

OTHER = ("Test Licensing", "Renewing a licence")
UPLOADS = [  # (provider, service, channel, trust scale, seed)
    (PROVIDER, SERVICE, "computer", "thumbs", 1), (PROVIDER, SERVICE, "phone", "thumbs", 2),
    (*OTHER, "computer", "likert", 3), (*OTHER, "phone", "likert", 4),
]


@pytest.fixture
def mixed(engine, tmp_path):
    frames = []
    for i, (provider, service, channel, scale, seed) in enumerate(UPLOADS):
        rng = np.random.default_rng(seed)
        n = 80 + 20 * i
        ease = rng.integers(0, 2, n)
        if scale == "thumbs":
            trust = (rng.random(n) < 0.35 + 0.4 * ease).astype(int)
        else:
            trust = np.clip(np.round(2.4 + 1.5 * ease + rng.normal(0, 0.9, n)), 1, 5).astype(int)
        efficiency = rng.integers(0, 2, n)
        path = write(tmp_path / f"u{i}.csv", [row(f"r{i}-{k}", str(trust[k]), positive_ease=str(ease[k]),
                                                  positive_efficiency=str(efficiency[k])) for k in range(n)])
        a11_responses.load(engine, path, CATALOGUE, provider=provider, service=service, channel=channel,
                           quarter=Q, trust_scale=scale)
        frames.append(pd.DataFrame({"channel": channel, "scale": "binary" if scale == "thumbs" else "5pt",
                                    "trust": trust, "positive_ease": ease, "positive_efficiency": efficiency}))
    with engine.begin() as conn:
        cell_aggregates.refresh(conn)
    return engine, pd.concat(frames, ignore_index=True)


def test_thumbs_and_likert_trust_sharing_a_channel_are_never_one_family(mixed):
    engine, raw = mixed
    counts = attach_wordings(queries.survey_counts(engine), queries.survey_wordings(engine))
    cells = score_cells(counts, 30, 0.05)
    drivers, segments, trends = analysis_rows(engine, cells, [], 30, 0.05, dt.datetime.now(dt.UTC))

    agree = {"binary": lambda s: int((s == 1).sum()), "5pt": lambda s: int((s >= 4).sum())}
    # channel gaps over the whole portfolio: one family per scale, counted on that scale only
    gaps = pd.DataFrame(segments)
    portfolio = gaps[(gaps["provider"] == "all") & (gaps["question"] == "trust") & (gaps["dimension"] == "channel")]
    assert sorted(portfolio["scale"].unique()) == ["5pt", "binary"]
    for scale, family in portfolio.groupby("scale"):
        mine = raw[raw["scale"] == scale]
        expected = mine.groupby("channel")["trust"].agg(agree=agree[scale], n="size")
        got = family.set_index("segment")
        assert got["n"].to_dict() == expected["n"].to_dict()
        assert got["agree"].to_dict() == expected["agree"].to_dict()
        assert set(got["best_segment"].dropna()) <= set(expected.index)

    # trend points: one per scale in the shared channel
    points = pd.DataFrame(trends)
    shared = points[(points["provider"] == "all") & (points["channel"] == "computer") & (points["question"] == "trust")]
    assert sorted(shared["scale"]) == ["5pt", "binary"]
    for r in shared.itertuples():
        mine = raw[(raw["scale"] == r.scale) & (raw["channel"] == "computer")]["trust"]
        assert (r.n, r.agree) == (len(mine), agree[r.scale](mine))

    # key drivers of trust over the portfolio: one model per scale, each equal to a direct fit
    fitted = pd.DataFrame(drivers)
    overall = fitted[(fitted["provider"] == "all") & (fitted["outcome"] == "trust")]
    assert sorted(overall["scale"].unique()) == ["5pt", "binary"]
    for scale, model in overall.groupby("scale"):
        mine = raw[raw["scale"] == scale]
        used = ["positive_ease", "positive_efficiency"]
        fit = sm.OLS(mine["trust"].astype(float), sm.add_constant(mine[used].astype(float))).fit()
        model = model.set_index("driver")
        assert set(model["n"]) == {len(mine)}
        for driver in used:
            assert model.loc[driver, "importance"] == pytest.approx(fit.params[driver], rel=1e-9)
            assert model.loc[driver, "p_value"] == pytest.approx(fit.pvalues[driver], rel=1e-7)
    assert set(fitted["driver"]) <= set(DRIVERS)


def _from_csvs(folder) -> pd.DataFrame:
    """Each upload's trust answers read back from the CSV file it was loaded from."""
    frames = []
    for i, (provider, service, channel, scale, _seed) in enumerate(UPLOADS):
        upload = pd.read_csv(folder / f"u{i}.csv", dtype={"question_1": "int64"})
        frames.append(pd.DataFrame({"provider": provider, "service": service, "channel": channel,
                                    "scale": "binary" if scale == "thumbs" else "5pt", "trust": upload["question_1"]}))
    return pd.concat(frames, ignore_index=True)


def _agree(answers: pd.DataFrame) -> int:
    """Thumbs up (1) on the binary form, 4 or 5 on the Likert form."""
    return int(((answers["scale"] == "binary") & (answers["trust"] == 1)).sum()
               + ((answers["scale"] == "5pt") & (answers["trust"] >= 4)).sum())


# A trust measure over both services: the portfolio scope holds both forms, each service one.
BOTH = CATALOGUE.model_copy(update={"goals": [CATALOGUE.goals[0].model_copy(update={"objectives": [
    CATALOGUE.goals[0].objectives[0].model_copy(update={"measures": [
        CATALOGUE.goals[0].objectives[0].measures[0].model_copy(update={"services": ["benefits-online", "licence"]})]})]})]})


def test_compute_writes_a_portfolio_with_both_trust_forms(mixed, tmp_path):
    engine, _ = mixed
    report = compute(engine, BOTH)
    assert report.cells > 0 and report.trends > 0
    answers = _from_csvs(tmp_path)
    cells = queries.scores(engine, Q.year, Q.quarter)
    cells = cells[cells["stage"].eq("all") & cells["question"].eq("trust")]

    # Every scope's cells, one per scale it holds, equal the counts from the uploaded files.
    scopes = [("all", "all"), (PROVIDER, "all"), (PROVIDER, SERVICE), (OTHER[0], "all"), OTHER]
    for provider, service in scopes:
        for channel in ("all", "computer", "phone"):
            mine = answers[(answers["provider"].eq(provider) | (provider == "all"))
                           & (answers["service"].eq(service) | (service == "all"))
                           & (answers["channel"].eq(channel) | (channel == "all"))]
            stored = cells[cells["provider"].eq(provider) & cells["service"].eq(service) & cells["channel"].eq(channel)]
            assert sorted(stored["scale"]) == sorted(mine["scale"].unique())
            for r in stored.itertuples():
                same = mine[mine["scale"] == r.scale]
                assert r.n == len(same)
                assert r.pct_agree == pytest.approx(_agree(same) / len(same), rel=1e-12)
                if r.scale == "5pt":
                    assert r.mean == pytest.approx(round(same["trust"].mean() + 1e-12, 2))
                else:
                    assert pd.isna(r.mean)
    both = cells[cells["provider"].eq("all") & cells["channel"].eq("all")]
    assert sorted(both["scale"]) == ["5pt", "binary"]

    # The analyses are stored with their scale: both forms of the portfolio's computer channel.
    with engine.connect() as conn:
        trend = analysis_queries.trend_results(conn, "all", "all", "computer", ["trust"], both_scales=True)
        gaps = analysis_queries.segment_results(conn, "all", "all", Q.year, Q.quarter, both_scales=True)
        models = analysis_queries.driver_results(conn, "all", "all", Q.year, Q.quarter, both_scales=True)
    assert sorted(trend["scale"]) == ["5pt", "binary"]
    assert set(gaps.loc[gaps["question"].eq("trust"), "scale"]) == {"5pt", "binary"}
    assert set(models.loc[models["outcome"].eq("trust"), "scale"]) == {"5pt", "binary"}

    # A scorecard card per service shows its own form's figures; the portfolio's card the form
    # with more responses, and says so.
    quarter = Q.label
    for provider, service in [(PROVIDER, SERVICE), OTHER]:
        results = queries.measure_results(engine, provider=provider, service=service)
        [card] = all_cards(build_cards(BOTH, results, Filters(quarter, provider, service), None))
        mine = answers[answers["service"].eq(service)]
        assert card["n"] == len(mine) and card["value"] == pytest.approx(_agree(mine) / len(mine), rel=1e-12)
        assert card["scale"] == mine["scale"].iloc[0] and card["scale_note"] is None
    [card] = all_cards(build_cards(BOTH, queries.measure_results(engine), Filters(quarter), None))
    sizes = answers.groupby("scale").size()
    larger = sizes.idxmax()
    mine = answers[answers["scale"] == larger]
    assert card["scale"] == larger and card["n"] == len(mine)
    assert card["value"] == pytest.approx(_agree(mine) / len(mine), rel=1e-12)
    assert f"{sizes.min():,} answers in" in card["scale_note"] and card["scale_note"] in card["definition"]

    # The service page of each service: its own form's % agree and n in the trend table.
    app = create_app(engine, BOTH, sign_in=SIGN_IN_OFF)
    with app.server.app_context():
        for provider, service in [(PROVIDER, SERVICE), OTHER]:
            mine = answers[answers["service"].eq(service)]
            *_, content, _query = service_page.update(quarter, provider, service, "trust")
            table = _text(_find(content, "service-trend-data-table"))
            assert f"{_agree(mine) / len(mine) * 100:.1f}%" in table and f"{len(mine):,}" in table
            assert "two forms" not in _text(content)
        # The page shows one service at a time: asked for the portfolio, it opens on a service.
        provider, _options, service, content, _query = service_page.update(quarter, "all", "all", "trust")
        assert (provider, service) in [(PROVIDER, SERVICE), OTHER] and "two forms" not in _text(content)
    # The portfolio's stored trend (what the scorecard's portfolio card reads beside it): the form
    # with more responses, counting the other's answers.
    portfolio = answers[answers["scale"] == larger]
    trend = analysis_queries.trend_results(engine, "all", "all", "all", ["trust"])
    row = trend[(trend["fiscal_year"] == Q.year) & (trend["fiscal_quarter"] == Q.quarter)].iloc[0]
    assert row["scale"] == larger and row["n"] == len(portfolio) and row["other_scale_n"] == sizes.min()
    assert row["agree"] == _agree(portfolio) and row["value"] == pytest.approx(_agree(portfolio) / len(portfolio), rel=1e-12)


# --- an existing database: migration 0010 gives stored rows the scale they have ---------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def at_0009(request, tmp_path):
    """An empty database at revision 0009 (computed keys without the scale)."""
    eng = migrated_engine(request, tmp_path, "0009")
    yield eng
    eng.dispose()


NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _insert(conn, table: str, rows: list[dict]) -> None:
    for values in rows:
        conn.execute(text(f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join(':' + k for k in values)})"),
                     values)


def _cell(year, quarter, provider, service, channel, question, scale, n):
    return {"fiscal_year": year, "fiscal_quarter": quarter, "provider": provider, "service": service,
            "channel": channel, "stage": "all", "question": question, "scale": scale, "n_1": 0, "n_2": 0, "n_3": 0,
            "n_4": 0, "n_5": 0, "n_yes": 0, "n_no": 0, "n": n, "suppressed": False, "computed_at": NOW}


def _trend(year, quarter, provider, channel, n):
    return {"provider": provider, "service": "all", "channel": channel, "question": "trust", "fiscal_year": year,
            "fiscal_quarter": quarter, "agree": 1, "n": n, "suppressed": False, "computed_at": NOW}


def _segment(year, quarter, dimension, question, segment, n):
    return {"fiscal_year": year, "fiscal_quarter": quarter, "provider": "all", "service": "all",
            "dimension": dimension, "question": question, "segment": segment, "agree": 1, "n": n,
            "suppressed": False, "is_best": False, "computed_at": NOW}


def _driver(year, quarter, provider, driver, n=50):
    return {"provider": provider, "service": "all", "fiscal_year": year, "fiscal_quarter": quarter, "first_year": year,
            "first_quarter": 1, "outcome": "trust", "driver": driver, "method": "ols", "n": n, "performance_n": n,
            "quadrant": "", "computed_at": NOW}


def test_a_computed_database_upgrades_with_each_rows_scale_and_downgrades(at_0009):
    """Until 0010 a quarter held one scale of a question (thumbs in FY2024 Q1, Likert in Q2 here):
    each trend point, segment and driver row takes its quarter's scale; a driver row that no score
    cell names goes; downgrade keeps the larger of two scales' rows of one old key."""
    with at_0009.begin() as conn:
        _insert(conn, "score_cell", [_cell(2024, 1, "all", "all", "all", "trust", "binary", 90),
                                     _cell(2024, 1, "all", "all", "web", "trust", "binary", 90),
                                     _cell(2024, 2, "all", "all", "all", "trust", "5pt", 80),
                                     _cell(2024, 2, "all", "all", "web", "trust", "5pt", 80)])
        _insert(conn, "trend_result", [_trend(2024, 1, "all", "web", 90), _trend(2024, 2, "all", "web", 80)])
        _insert(conn, "segment_result", [_segment(2024, 1, "channel", "trust", "web", 90),
                                         _segment(2024, 2, "region", "trust", "north", 80),
                                         _segment(2024, 2, "channel", "on_time_rate", "web", 70)])
        _insert(conn, "driver_result", [_driver(2024, 2, "all", "ease"), _driver(2024, 3, "all", "ease"),
                                        _driver(2024, 2, "Nobody", "ease")])
    upgrade(at_0009)

    def stored(table, columns):
        with at_0009.connect() as conn:
            return sorted(tuple(r) for r in conn.execute(text(f"SELECT {columns}, scale FROM {table}")))
    assert stored("trend_result", "fiscal_quarter") == [(1, "binary"), (2, "5pt")]
    assert sorted(stored("segment_result", "question, segment"), key=str) == sorted(
        [("on_time_rate", "web", None), ("trust", "north", "5pt"), ("trust", "web", "binary")], key=str)
    assert stored("driver_result", "provider, fiscal_quarter") == [("all", 2, "5pt"), ("all", 3, "5pt")]

    # Both scales of one key now coexist; downgrade keeps the one with more responses.
    with at_0009.begin() as conn:
        _insert(conn, "score_cell", [{**_cell(2024, 2, "all", "all", "all", "trust", "binary", 120)}])
        _insert(conn, "trend_result", [{**_trend(2024, 2, "all", "web", 120), "scale": "binary"}])
    command.downgrade(alembic_config(at_0009), "0009")
    with at_0009.connect() as conn:
        cells = sorted(tuple(r) for r in conn.execute(text(
            "SELECT fiscal_quarter, channel, scale, n FROM score_cell WHERE channel = 'all'")))
        trends = sorted(tuple(r) for r in conn.execute(text("SELECT fiscal_quarter, n FROM trend_result")))
    assert cells == [(1, "all", "binary", 90), (2, "all", "binary", 120)]
    assert trends == [(1, 90), (2, 120)]
    upgrade(at_0009)  # and up again
