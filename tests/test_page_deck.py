"""Export this page to PowerPoint: the scorecard's and the Service drivers page's short decks,
made on the server inside a signed-in request (the real sign-in guard, the real grants), hold the
page's own view (the numbers checked against pandas on the raw A-11 file) and never another
provider's; signed out, Dash's request is refused."""
from __future__ import annotations

import base64
import io

import pandas as pd
import pytest
from dash import no_update
from pptx import Presentation

from cxdash.dashboard.app import create_app
from cxdash.dashboard.views import page_decks
from cxdash.exports import page_deck, review_deck
from cxdash.metrics.fiscal import FiscalQuarter
from cxdash.review.assemble import assemble

from .conftest import QUARTERLY, quarterly_sqlite
from .signing import add_account
from .test_access import VBA, VHA, _acting, _as, _others

OUTPATIENT = "Receiving outpatient services"


@pytest.fixture(scope="module")
def db(tmp_path_factory, catalogue):
    eng = quarterly_sqlite(tmp_path_factory.mktemp("page-deck") / "cx.db", catalogue, QUARTERLY)
    add_account(eng, "cee.vha", name="Cee Contributor", role="contributor", grants=[(VHA, "all")])
    add_account(eng, "nia.none", name="Nia Nothing", role="viewer", grants=[])
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def app(db, catalogue):
    return create_app(db, catalogue)  # sign-in on, as by default


def _deck(made) -> tuple[str, Presentation]:
    assert made["base64"] is True
    return made["filename"], Presentation(io.BytesIO(base64.b64decode(made["content"])))


def _all_text(prs) -> str:
    parts = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
            if shape.has_chart:
                parts += [str(c) for c in shape.chart.plots[0].categories] + [s.name for s in shape.chart.plots[0].series]
    return "\n".join(parts)


def _titles(prs) -> list[str]:
    return [slide.shapes.title.text for slide in prs.slides]


def _raw_pct_agree(provider: str, service: str, question: int, year: int, quarter: int) -> float:
    """% agree (4-5 of 1-5) of one question of one service in one fiscal quarter, from the CSV."""
    raw = pd.read_csv(QUARTERLY)
    mine = raw[(raw.attributes_service_provider_name == provider) & (raw.attributes_service_name == service)
               & (raw.attributes_collection_year == year) & (raw.attributes_collection_quarter == quarter)]
    agree = (mine[f"attributes_q{question}_4"] + mine[f"attributes_q{question}_5"]).sum()
    return 100 * agree / mine[[f"attributes_q{question}_{p}" for p in range(1, 6)]].sum().sum()


def test_a_page_deck_keeps_only_its_pages_sections(db, catalogue):
    contents = assemble(db, catalogue, FiscalQuarter(2023, 1), VHA, OUTPATIENT)
    whole = Presentation(io.BytesIO(review_deck.build(contents).data))
    scorecard = Presentation(io.BytesIO(page_deck.build(contents, "scorecard")))
    service = Presentation(io.BytesIO(page_deck.build(contents, "service")))
    assert len(scorecard.slides) < len(whole.slides) and len(service.slides) < len(whole.slides)
    assert _titles(scorecard)[0] == f"{catalogue.agency}: CX scorecard"
    assert _titles(service)[0] == f"{catalogue.agency}: Service drivers"
    assert not any(t.startswith("Veterans trust VA") for t in _titles(scorecard))  # no trend slides
    assert any(t.startswith("Veterans trust VA after an outpatient visit") for t in _titles(service))
    with pytest.raises(ValueError, match="no PowerPoint export for page"):
        page_deck.build(contents, "voice")
    with pytest.raises(ValueError, match="unknown deck sections"):
        review_deck.build(contents, sections=("title", "everything"))


def test_exports_hold_the_pages_view_and_never_another_provider(app, db, catalogue):
    others = _others(catalogue)
    client = _as(app, "cee.vha")  # a contributor granted VHA only
    with client:
        _acting(client)
        # Asking for another provider falls back to the person's own scope, as the page does.
        made, said = page_decks.deck_download("scorecard", "FY2023Q1", VBA, None, None)
        name, prs = _deck(made)
        assert name == "veterans-health-administration-scorecard-fy2023-q1.pptx"
        assert said == f"Saved {name}: FY2023 Q1 · {VHA} · All services · all channels."
        text = _all_text(prs)
        assert [n for n in others if n in text] == [] and VHA in text

        made, _ = page_decks.deck_download("service", "FY2023Q1", VHA, OUTPATIENT)
        name, prs = _deck(made)
        assert name == "vha-outpatient-service-fy2023-q1.pptx"
        assert [n for n in others if n in _all_text(prs)] == []
        slide = next(s for s in prs.slides if s.shapes.title.text.startswith("Veterans trust VA after an outpatient"))
        chart = next(shape.chart for shape in slide.shapes if shape.has_chart)
        plot = chart.plots[0]
        values = dict(zip(plot.categories, plot.series[0].values))
        assert values["FY2023 Q1"] == pytest.approx(_raw_pct_agree(VHA, OUTPATIENT, 2, 2023, 1), abs=1e-9)
        assert values["FY2022 Q4"] == pytest.approx(_raw_pct_agree(VHA, OUTPATIENT, 2, 2022, 4), abs=1e-9)


def test_someone_granted_nothing_gets_no_deck(app):
    client = _as(app, "nia.none")
    with client:
        _acting(client)
        for page, values in (("scorecard", ("FY2023Q1", VHA, None, None)), ("service", ("FY2023Q1", VHA, OUTPATIENT))):
            made, said = page_decks.deck_download(page, *values)
            assert made is no_update and said == "There is nothing to export for these filters."


def test_signed_out_exports_are_refused(app):
    client = app.server.test_client()
    layout = client.get("/_dash-dependencies")
    assert layout.status_code == 401  # nothing of the app, the export's callback included
    request = {"output": "..scorecard-pptx-file.data...scorecard-pptx-message.children..",
               "outputs": [{"id": "scorecard-pptx-file", "property": "data"},
                           {"id": "scorecard-pptx-message", "property": "children"}],
               "inputs": [{"id": "scorecard-pptx", "property": "n_clicks", "value": 1}], "changedPropIds": [
                   "scorecard-pptx.n_clicks"], "state": []}
    assert client.post("/_dash-update-component", json=request).status_code == 401
