"""Published aggregate figures (performance.gov, VA VHA, real files), checked against pandas
reading the raw files directly."""
from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cxdash.cli import main
from cxdash.compute import compute
from cxdash.db import queries
from cxdash.db.engine import make_engine, upgrade
from cxdash.db.models import PublishedValue, RejectedRow
from cxdash.loaders import published
from cxdash.mappings import load_any_mapping
from cxdash.presentation.formatting import format_indicator

from .conftest import SAMPLE

VOLUMES = SAMPLE / "perfgov_hisp_quarterly_data_va_vha.csv"
DETAILS = SAMPLE / "perfgov_hisp_question_details_va_vha.csv"
VOLUMES_MAPPING, DETAILS_MAPPING = "perfgov-hisp-quarterly-volumes", "perfgov-hisp-question-details"
PROVIDER = "Veterans Health Administration"
VOLUME_COLUMNS = {"universe": "published_customers_served", "surveyed": "published_surveys_offered",
                  "respondents": "published_survey_respondents", "response_rate": "published_response_rate"}


def _raw(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _stored(eng, source: str) -> pd.DataFrame:
    with eng.connect() as conn:
        return pd.DataFrame(conn.execute(select(PublishedValue).where(PublishedValue.source == source)
                                         .with_only_columns(*PublishedValue.__table__.columns)).mappings().all())


def _expected_volumes() -> pd.DataFrame:
    """Long frame (year, quarter, indicator, value) from the raw file, numbers read by pandas."""
    raw = _raw(VOLUMES)
    parts = []
    for column, indicator in VOLUME_COLUMNS.items():
        text = raw[column].str.replace(",", "", regex=False)
        value = (pd.to_numeric(text.str.rstrip("%")) / 100 if column == "response_rate" else pd.to_numeric(text))
        parts.append(pd.DataFrame({"fiscal_year": raw["year"].astype(int), "fiscal_quarter": raw["quarter"].astype(int),
                                   "indicator": indicator, "value": value.astype(float)}))
    return pd.concat(parts, ignore_index=True)


def _key(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["fiscal_year", "fiscal_quarter", "indicator"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def names() -> dict[str, str]:
    return load_any_mapping(DETAILS_MAPPING).long.names


def test_volumes_load_as_published_with_separators_and_percent_signs(engine):
    report = published.load(engine, VOLUMES, VOLUMES_MAPPING)
    assert report.status == "succeeded" and report.rows_rejected == 0
    stored = _stored(engine, VOLUMES_MAPPING)
    expected = _expected_volumes()
    assert len(stored) == len(expected) == 4 * len(_raw(VOLUMES))
    got = _key(stored[["fiscal_year", "fiscal_quarter", "indicator", "value"]])
    pd.testing.assert_frame_equal(got, _key(expected), check_dtype=False)
    assert set(stored["provider"]) == {PROVIDER}
    assert set(stored["service"]) == set(stored["channel"]) == set(stored["stage"]) == {"all"}
    first = stored[(stored.fiscal_year == 2020) & (stored.fiscal_quarter == 1)].set_index("indicator")
    assert first.loc["published_response_rate", "value"] == pytest.approx(0.17)
    assert first.loc["published_customers_served", "value"] == 8586476
    assert dict(zip(stored["indicator"], stored["unit"]))["published_response_rate"] == "percent"
    assert published.load(engine, VOLUMES, VOLUMES_MAPPING).status == "unchanged"
    assert len(_stored(engine, VOLUMES_MAPPING)) == len(expected)


def test_question_details_store_every_published_mean_and_nothing_for_no_data(sqlite_engine, names):
    report = published.load(sqlite_engine, DETAILS, DETAILS_MAPPING)
    assert report.rows_rejected == 0 and report.rows_read == len(_raw(DETAILS))
    raw = _raw(DETAILS)
    fielded = raw[raw["average_score"] != "No Data"]
    assert len(fielded) < len(raw)  # the file does have unfielded questions
    expected = pd.DataFrame({"fiscal_year": fielded["year"].astype(int), "fiscal_quarter": fielded["quarter"].astype(int),
                             "indicator": fielded["question"].map(names), "value": pd.to_numeric(fielded["average_score"]),
                             "wording": fielded["description"]})
    assert expected["indicator"].notna().all()
    stored = _stored(sqlite_engine, DETAILS_MAPPING)
    assert len(stored) == len(fielded)
    pd.testing.assert_frame_equal(_key(stored[list(expected.columns)]), _key(expected), check_dtype=False)
    assert set(stored["unit"]) == {"points"}
    unfielded = raw[raw["average_score"] == "No Data"]
    for year, quarter, question in zip(unfielded["year"], unfielded["quarter"], unfielded["question"]):
        assert not ((stored.fiscal_year == int(year)) & (stored.fiscal_quarter == int(quarter))
                    & (stored.indicator == names[question])).any()


def test_bad_cells_are_rejected_with_line_and_column_and_the_rest_loads(sqlite_engine, tmp_path, names):
    volumes = _raw(VOLUMES)
    volumes.loc[1, "respondents"] = "31O,992"      # letter O: line 3
    volumes.loc[2, "response_rate"] = "170%"       # line 4
    volumes.loc[3, "quarter"] = "5"                # line 5
    bad_volumes = tmp_path / "volumes.csv"
    volumes.to_csv(bad_volumes, index=False)
    report = published.load(sqlite_engine, bad_volumes, VOLUMES_MAPPING)
    assert {(r.line, r.field) for r in report.rejections} == {(3, "respondents"), (4, "response_rate"), (5, "quarter")}
    assert "outside 0-100" in next(r.reason for r in report.rejections if r.line == 4)
    assert len(_stored(sqlite_engine, VOLUMES_MAPPING)) == 4 * (len(volumes) - 3)

    details = _raw(DETAILS)
    details.loc[0, "average_score"] = "5.7"        # line 2: outside the 1-5 scale
    details.loc[1, "question"] = "Courtesy"        # line 3: not a mapped name
    bad_details = tmp_path / "details.csv"
    details.to_csv(bad_details, index=False)
    report = published.load(sqlite_engine, bad_details, DETAILS_MAPPING)
    assert {(r.line, r.field) for r in report.rejections} == {(2, "average_score"), (3, "question")}
    assert "Satisfaction" in next(r.reason for r in report.rejections if r.line == 3)  # names the known names
    fielded = (details["average_score"] != "No Data").sum()
    assert len(_stored(sqlite_engine, DETAILS_MAPPING)) == fielded - 2
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(RejectedRow.field).where(RejectedRow.line == 3)).scalars().all()


def test_a_changed_file_replaces_the_quarter_including_a_figure_now_missing(sqlite_engine, tmp_path):
    published.load(sqlite_engine, DETAILS, DETAILS_MAPPING)
    details = _raw(DETAILS)
    details.loc[0, "average_score"] = "No Data"    # FY2020 Q1 Satisfaction withdrawn
    details.loc[1, "average_score"] = "4.40"       # FY2020 Q1 Trust revised
    changed = tmp_path / "details.csv"
    details.to_csv(changed, index=False)
    assert published.load(sqlite_engine, changed, DETAILS_MAPPING).status == "succeeded"
    stored = _stored(sqlite_engine, DETAILS_MAPPING)
    assert len(stored) == (details["average_score"] != "No Data").sum()
    q1 = stored[(stored.fiscal_year == 2020) & (stored.fiscal_quarter == 1)].set_index("indicator")["value"]
    assert "published_mean_satisfaction" not in q1.index
    assert q1["published_mean_trust"] == pytest.approx(4.40)


def test_compute_gives_the_published_figures_as_indicators(sqlite_engine, catalogue, names):
    published.load(sqlite_engine, DETAILS, DETAILS_MAPPING)
    published.load(sqlite_engine, VOLUMES, VOLUMES_MAPPING)
    compute(sqlite_engine, catalogue)
    with sqlite_engine.connect() as conn:
        table = queries.indicators(conn)
    mine = table[table.indicator.str.startswith("published_")]
    raw = _raw(DETAILS)
    fielded = raw[raw["average_score"] != "No Data"]
    assert len(mine) == len(fielded) + len(_expected_volumes())  # the stored cells, nothing rolled up
    assert set(mine["n"]) == {0}
    row = mine[(mine.indicator == "published_mean_satisfaction") & (mine.fiscal_year == 2020)
               & (mine.fiscal_quarter == 1)]
    assert len(row) == 1
    first = raw[(raw.year == "2020") & (raw.quarter == "1") & (raw.question == "Satisfaction")]["average_score"]
    assert row.iloc[0]["value"] == pytest.approx(float(first.iloc[0]))
    assert (row.iloc[0]["provider"], row.iloc[0]["service"], row.iloc[0]["unit"]) == (PROVIDER, "all", "points")
    assert format_indicator(row.iloc[0]["value"], "points") == first.iloc[0]
    served = mine[mine.indicator == "published_customers_served"].sort_values(["fiscal_year", "fiscal_quarter"])
    universe = int(_raw(VOLUMES).iloc[0]["universe"].replace(",", ""))  # "8,586,476" in the file
    assert served.iloc[-1]["value"] == universe
    # shown rounded to what an estimate bears: three significant figures from a million
    assert format_indicator(served.iloc[-1]["value"], "people") == f"{float(f'{universe / 1e6:.3g}'):g} million"


def test_cli_loads_published_figures_through_a_mapping(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    eng = make_engine(db)
    upgrade(eng)
    result = CliRunner().invoke(main, ["load", "published", str(DETAILS), "--mapping", DETAILS_MAPPING,
                                       "--no-compute", "--db", db])
    assert result.exit_code == 0, result.output
    try:
        raw = _raw(DETAILS)
        assert len(_stored(eng, DETAILS_MAPPING)) == (raw["average_score"] != "No Data").sum()
    finally:
        eng.dispose()
    wrong = CliRunner().invoke(main, ["load", "published", str(DETAILS), "--mapping", "fevs-index-scores", "--db", db])
    assert wrong.exit_code != 0 and "not 'published'" in wrong.output
