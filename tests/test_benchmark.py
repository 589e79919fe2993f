"""Benchmarks beside the trust and satisfaction measures: the cross-agency figure checked against
pandas on the raw A-11 quarterly file (every provider's agree counts over every provider's
responses, per quarter), the performance.gov figure against the published file, the rule that a
person without a cross-agency grant sees a sum only over at least three providers, and the review
pack's measure slide carrying both."""
from __future__ import annotations

import pandas as pd
import pytest
from pptx import Presentation

from cxdash.channels import ALL
from cxdash.compute import compute
from cxdash.db import benchmark_queries, published_queries
from cxdash.exports import review_deck
from cxdash.loaders import a11_quarterly, published
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.metrics.names import name_key
from cxdash.permissions import EVERYTHING, Scope
from cxdash.presentation import benchmark
from cxdash.review.assemble import assemble

from .conftest import QUARTERLY, SAMPLE

DETAILS = SAMPLE / "perfgov_hisp_question_details_va_vha.csv"
QUESTION_NUMBERS = {"satisfaction": 1, "trust": 2}  # the A-11 generation-1 questions
VHA = "Veterans Health Administration"


@pytest.fixture
def loaded(engine, catalogue):
    assert a11_quarterly.load(engine, QUARTERLY, catalogue).status == "succeeded"
    assert published.load(engine, DETAILS, "perfgov-hisp-question-details").status == "succeeded"
    compute(engine, catalogue)
    return engine


def _pandas_cross_agency(raw: pd.DataFrame, year: int, quarter: int, question: str) -> tuple[float, float, int, int]:
    """(% agree, mean, responses, providers) of every row of the quarter, summed: the agree
    counts (4 and 5) over all responses, and the points over all responses."""
    q = QUESTION_NUMBERS[question]
    rows = raw[(raw["attributes_collection_year"] == year) & (raw["attributes_collection_quarter"] == quarter)]
    counts = [rows[f"attributes_q{q}_{k}"].fillna(0).astype(int) for k in range(1, 6)]
    answered = sum(counts) > 0
    n = int(sum(c.sum() for c in counts))
    agree = int(counts[3].sum() + counts[4].sum())
    points = int(sum(k * c.sum() for k, c in zip(range(1, 6), counts)))
    providers = rows.loc[answered, "attributes_service_provider_name"].map(name_key).nunique()
    return agree / n, points / n, n, providers


def test_the_cross_agency_figure_is_every_providers_responses_summed(loaded, catalogue):
    raw = pd.read_csv(QUARTERLY)
    counts = benchmark_queries.cross_agency_counts(loaded)
    quarters = sorted({(int(y), int(q)) for y, q in raw[["attributes_collection_year",
                                                          "attributes_collection_quarter"]].itertuples(index=False)})
    assert len(quarters) == 9  # FY2021 Q1 to FY2023 Q1
    for year, number in quarters:
        quarter = FiscalQuarter(year, number)
        for question in QUESTION_NUMBERS:
            agree, mean, n, providers = _pandas_cross_agency(raw, year, number, question)
            found = benchmark.cross_agency(counts, quarter, question, "pct_agree")
            assert found["value"] == pytest.approx(agree, abs=1e-12), (quarter, question)
            assert (found["n"], found["providers"]) == (n, providers), (quarter, question)
            assert found["text"] == f"All loaded agencies (response-weighted): {agree * 100:.1f}%"
            assert benchmark.cross_agency(counts, quarter, question, "mean")["value"] == pytest.approx(mean, abs=1e-12)
    # Not the mean of the providers' percentages: a large provider weighs as much as its responses.
    year, number = quarters[-1]
    rows = raw[(raw["attributes_collection_year"] == year) & (raw["attributes_collection_quarter"] == number)]
    per_provider = rows.groupby("attributes_service_provider_name")[[f"attributes_q2_{k}" for k in range(1, 6)]].sum()
    unweighted = ((per_provider.iloc[:, 3] + per_provider.iloc[:, 4]) / per_provider.sum(axis=1)).mean()
    weighted = benchmark.cross_agency(counts, FiscalQuarter(year, number), "trust")["value"]
    assert abs(weighted - unweighted) > 0.001


def test_the_published_figure_is_the_files(loaded, catalogue):
    file = pd.read_csv(DETAILS)
    values = published_queries.published_values(loaded)
    measure = catalogue.measure("vha-outpatient-trust")  # % agree of trust; performance.gov publishes means
    for row in file[file["question"] == "Trust / Confidence"].itertuples(index=False):
        quarter = FiscalQuarter(int(row.year), int(row.quarter))
        found = benchmark.published(values, catalogue, measure, quarter)
        assert found["value"] == pytest.approx(float(row.average_score)), quarter
        assert found["text"] == f"Published on performance.gov: {float(row.average_score):.2f} (mean, 1-5 scale)"
        assert found["detail"] == f"{VHA} as a whole, {quarter.display}"
    # A later quarter shows the latest published one, saying which; an earlier one nothing.
    latest = file[file["question"] == "Trust / Confidence"].sort_values(["year", "quarter"]).iloc[-1]
    later = benchmark.published(values, catalogue, measure, FiscalQuarter(2023, 1))
    assert later["value"] == pytest.approx(float(latest.average_score))
    assert later["detail"] == (f"{VHA} as a whole, {FiscalQuarter(int(latest.year), int(latest.quarter)).display} "
                               f"(the latest published by {FiscalQuarter(2023, 1).display})")
    assert benchmark.published(values, catalogue, measure, FiscalQuarter(2018, 4)) is None
    # Another provider's measure has no published figure here.
    irs = next(m for m in catalogue.measures if m.params.question == "trust"
               and catalogue.service(m.services[0]).provider != VHA)
    assert benchmark.published(values, catalogue, irs, FiscalQuarter(2020, 1)) is None


def test_a_restricted_person_sees_a_sum_only_over_three_providers_or_more():
    counts = pd.DataFrame([(2023, 1, ALL, "trust", "5pt", 140, 0, 200, 2),
                           (2023, 2, ALL, "trust", "5pt", 150, 0, 200, 3)],
                          columns=["fiscal_year", "fiscal_quarter", "channel", "question", "scale", "agree", "points",
                                   "n", "providers"])
    one = Scope.of([(VHA, ALL)])
    two = FiscalQuarter(2023, 1)
    assert benchmark.cross_agency(counts, two, "trust", scope=EVERYTHING)["value"] == pytest.approx(0.7)
    assert benchmark.cross_agency(counts, two, "trust", scope=one) is None  # two providers: less one's own is the other's
    assert benchmark.cross_agency(counts, FiscalQuarter(2023, 2), "trust", scope=one)["value"] == pytest.approx(0.75)
    assert benchmark.cross_agency(counts, two, "trust", min_n=201) is None  # too few responses
    assert benchmark.cross_agency(counts, two, "trust", scale="binary") is None  # no thumbs answers


def test_the_packs_measure_slide_shows_both(loaded, catalogue, tmp_path):
    raw = pd.read_csv(QUARTERLY)
    agree, *_ = _pandas_cross_agency(raw, 2021, 2, "trust")
    contents = assemble(loaded, catalogue, FiscalQuarter(2021, 2))
    slide = contents.measure("vha-outpatient-trust")
    assert [b.label for b in slide.benchmarks] == [benchmark.CROSS_AGENCY, benchmark.PUBLISHED]
    assert slide.benchmarks[0].value == pytest.approx(agree, abs=1e-12)
    # Measures of other questions carry none.
    assert all(not m.benchmarks for m in contents.measures
               if catalogue.measure(m.measure_id).params.question not in benchmark.QUESTIONS)
    # A pack of one provider: the sum covers more than three providers, so it stays.
    scoped = assemble(loaded, catalogue, FiscalQuarter(2021, 2), provider=VHA)
    assert scoped.measure("vha-outpatient-trust").benchmarks[0].value == pytest.approx(agree, abs=1e-12)
    # The deck: the line under the measure slide's headline, and in its speaker notes.
    path = tmp_path / "pack.pptx"
    path.write_bytes(review_deck.build_deck(contents))
    texts = {}
    for s in Presentation(str(path)).slides:
        for shape in s.shapes:
            if shape.name == "Benchmarks":
                texts[s.shapes.title.text] = shape.text_frame.text
    title = review_deck.measure_title(slide)
    assert texts[title].splitlines() == review_deck.benchmark_lines(slide)
    assert f"All loaded agencies (response-weighted): {agree * 100:.1f}%" in texts[title]
    assert "Published on performance.gov" in texts[title]


def test_a_pack_of_one_of_two_providers_leaves_the_cross_agency_figure_out(engine, catalogue, tmp_path):
    """With two providers loaded, the sum less one's own is the other's figure: a pack of one
    provider (for people granted it) leaves it out, the agency-wide pack keeps it."""
    raw = pd.read_csv(QUARTERLY)
    two = raw[raw["attributes_service_provider_name"].isin([VHA, "Veterans Benefits Administration"])]
    path = tmp_path / "two-providers.csv"
    two.to_csv(path, index=False)
    assert a11_quarterly.load(engine, path, catalogue).status == "succeeded"
    compute(engine, catalogue)
    agree, _mean, _n, providers = _pandas_cross_agency(two, 2023, 1, "trust")
    assert providers == 2
    everything = assemble(engine, catalogue, FiscalQuarter(2023, 1))
    assert [b.value for b in everything.measure("vha-outpatient-trust").benchmarks] == [pytest.approx(agree, abs=1e-12)]
    scoped = assemble(engine, catalogue, FiscalQuarter(2023, 1), provider=VHA)
    assert scoped.measure("vha-outpatient-trust").benchmarks == []
