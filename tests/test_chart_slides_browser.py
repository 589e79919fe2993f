"""Every chart a page offers for download, laid out for a 1920 x 1080 slide by the browser code the
download uses (assets/zz-cxdash/chart-slide.js) and measured in headless Chromium: the title, the
takeaway, the footer and every label lie inside the image, none is cut by the plot area, and
no text sits on another. Each chart's CSV holds numbers with their
units in the header, never a number written out in words."""
from __future__ import annotations

import importlib
import urllib.parse

import pytest

from cxdash.dashboard.app import create_app
from cxdash.dashboard.callbacks import filters_text
from cxdash.dashboard.navigation import NAV
from cxdash.dashboard.sign_in import SIGN_IN_OFF
from cxdash.exports.chart_image import SLIDE, ChartContext
from cxdash.initiatives import load_register, sync
from cxdash.loaders import maturity as maturity_loader

from . import boston
from .conftest import CONFIG, QUARTERLY, SAMPLE, configured_sources
from .test_equity_view import SYNTHETIC
from .waiting import wait_until

pytestmark = pytest.mark.browser

# Every page with a downloadable chart, at a view that draws each of its charts (grep
# chart_with_table in dashboard/: scorecard, service trend, drivers, importance x performance and
# channels, equity, operations' four, voice's three, portfolio, maturity, the journey heat map).
PAGES = [
    ("/", {"quarter": "FY2023Q1"}, ["scorecard-status"]),
    ("/service", {"quarter": "FY2022Q4", "provider": SYNTHETIC[0], "service": SYNTHETIC[1]},
     ["service-trend", "service-drivers", "service-ip"]),
    ("/service", {"quarter": "FY2023Q1", "provider": "Veterans Benefits Administration",
                  "service": "Contacting the Benefits Administration contact center"},
     ["service-trend"]),  # nine quarters, a target step, a long takeaway and a legend
    ("/service", {"quarter": "FY2021Q2", "provider": "Veterans Benefits Administration",
                  "service": "Contacting the Benefits Administration contact center", "outcome": "ease"},
     ["service-channels"]),
    ("/equity", {"quarter": "FY2022Q4", "service": SYNTHETIC[1], "dimension": "UserGroup"}, ["equity-family-chart"]),
    ("/operations", {"quarter": "FY2019Q3", "provider": boston.PROVIDER, "service": boston.SERVICE},
     ["operations-channels", "operations-time", "operations-backlog"]),
    ("/operations", {"quarter": "FY2022Q1", "provider": SYNTHETIC[0], "service": SYNTHETIC[1]},
     ["operations-contacts"]),
    ("/voice", {"quarter": "FY2022Q2"}, ["voice-themes-chart", "voice-stages-chart", "voice-trend-chart"]),
    ("/portfolio", {"quarter": "FY2023Q1"}, ["portfolio-chart"]),
    ("/maturity", {"year": "FY2023"}, ["maturity-profile-chart"]),
    ("/journey", {"quarter": "FY2019Q3", "provider": boston.PROVIDER, "service": boston.SERVICE}, ["journey-stages"]),
]
MEASURE = """
var done = arguments[arguments.length - 1];
var holder = document.getElementById(arguments[0]);
var gd = holder.classList.contains('js-plotly-plot') ? holder : holder.querySelector('.js-plotly-plot');
window.cxSlide.draw(gd, arguments[1]).then(function (div) {
    var found = window.cxSlide.boxes(div);
    window.Plotly.purge(div); div.remove();
    done(found);
}).catch(function (e) { done(String(e)); });
"""


@pytest.fixture(scope="module")
def city(catalogue):
    """A catalogue that names the Boston service, so Operations and Journey offer its cases."""
    return boston.city_catalogue(catalogue)


@pytest.fixture(scope="module")
def engine(tmp_path_factory, city):
    catalogue = city
    folder = tmp_path_factory.mktemp("chart-slides")
    eng, _ = configured_sources(folder, catalogue, [
        {"name": "a11", "kind": "a11-quarterly", "cadence": "quarterly", "location": {"files": str(QUARTERLY)}},
        {"name": "responses", "kind": "survey-responses", "mapping": "touchpoints-form-a11", "cadence": "weekly",
         "location": {"files": str(SAMPLE / "a11_v2_response_level_SYNTHETIC.csv")}},
        boston.source("311"),
        {"name": "contact-centre", "kind": "contacts", "mapping": "example-contact-centre", "cadence": "daily",
         "location": {"files": str(SAMPLE / "contact_centre_SYNTHETIC.csv")}},
        {"name": "complaints", "kind": "feedback", "mapping": "example-complaints", "cadence": "weekly",
         "location": {"files": str(SAMPLE / "complaints_SYNTHETIC.csv")}},
    ])
    maturity_loader.load(eng, SAMPLE / "maturity_self_assessment_SYNTHETIC.csv")
    sync(eng, load_register(CONFIG / "initiatives.yaml", catalogue))
    yield eng
    eng.dispose()


def overlaps(a: dict, b: dict, slack: float = 1.0) -> bool:
    return (min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > slack
            and min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > slack)


def problems(found: list[dict], size: tuple[int, int] = SLIDE) -> list[str]:
    """What is wrong with a slide's text boxes: outside the image, cut by the plot area, or on top
    of another text."""
    width, height = size
    out = []
    for box in found:
        if box["x0"] < 0 or box["y0"] < 0 or box["x1"] > width or box["y1"] > height:
            out.append(f"{box['kind']} {box['text']!r} is cut by the image's edge: {box}")
        clip = box.get("clip")
        if clip and (box["x0"] < clip["x0"] - 1 or box["x1"] > clip["x1"] + 1
                     or box["y0"] < clip["y0"] - 1 or box["y1"] > clip["y1"] + 1):
            out.append(f"{box['kind']} {box['text']!r} is cut by the plot area: {box}")
    # No two texts overlap, but two labels of one trace (bars' and points' own labels may touch
    # their neighbours only where the chart draws them so).
    for i, a in enumerate(found):
        for b in found[i + 1:]:
            if a["kind"] == b["kind"] == "trace" or a["kind"] == b["kind"] == "title":
                continue
            if overlaps(a, b):
                out.append(f"{a['kind']} {a['text']!r} overlaps {b['kind']} {b['text']!r}")
    return out


def test_problems_finds_what_it_is_meant_to_find():
    """The checker itself: an edge, a plot-area cut and an overlap are each reported."""
    box = {"kind": "label", "text": "x", "x0": 10, "y0": 10, "x1": 50, "y1": 30, "clip": None}
    assert problems([box]) == []
    assert problems([{**box, "x1": SLIDE[0] + 5}])
    assert problems([{**box, "kind": "trace", "clip": {"x0": 20, "y0": 0, "x1": 100, "y1": 100}}])
    assert problems([box, {**box, "kind": "footer", "x0": 40, "x1": 90}])
    assert not problems([box, {**box, "kind": "footer", "x0": 60, "x1": 90}])


def test_every_chart_export_keeps_its_text_inside_and_apart(dash_duo, engine, city):
    catalogue = city
    dash_duo.start_server(create_app(engine, catalogue, sign_in=SIGN_IN_OFF))
    seen, failures = [], []
    for path, query, charts in PAGES:
        search = "?" + urllib.parse.urlencode(query)
        dash_duo.driver.get(dash_duo.server_url + path + search)
        for chart in charts:
            wait_until(lambda chart=chart: dash_duo.driver.execute_script(
                "var h = document.getElementById(arguments[0]);"
                "return !!(h && window.cxSlide && (h.classList.contains('js-plotly-plot') ? h"
                " : h.querySelector('.js-plotly-plot')));", chart),
                f"{path}{search}: no chart #{chart}", timeout=30)
            title = dash_duo.find_element(f"#{chart}-title").text
            takeaway = dash_duo.find_element(f"#{chart}-takeaway").text
            # The footer as the server writes it, with the longest filter words the page can have.
            footer = ChartContext(title, takeaway, f"cxdash, {catalogue.agency}", "31 Dec 2022",
                                  filters_text(search)).footer()
            found = dash_duo.driver.execute_async_script(MEASURE, chart, {
                "title": title, "takeaway": takeaway, "footer": footer, "width": SLIDE[0], "height": SLIDE[1]})
            assert isinstance(found, list), f"{chart}: {found}"
            kinds = {b["kind"] for b in found}
            assert {"title", "footer", "label"} <= kinds, (chart, kinds)
            assert any(title[:30] in b["text"] for b in found if b["kind"] == "title")
            # measured in the font the PNG is painted in: a system font, never the page's web font
            assert {b["font"].split(",")[0].strip("\"' ") for b in found} == {"Arial"}, chart
            failures += [f"{chart}: {p}" for p in problems(found)]
            seen.append(chart)
    assert seen == [c for _, _, charts in PAGES for c in charts]
    assert failures == [], "\n".join(failures)


def _specs(node, found: dict) -> dict:
    if isinstance(getattr(node, "id", None), dict) and node.id.get("type") == "chart-spec":
        found[node.id["chart"]] = node.data
    children = getattr(node, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and not isinstance(child, (str, int, float)):
            _specs(child, found)
    return found


WORDS_IN_NUMBERS = ("%", " pts", "(significant", "(not significant", "Suppressed", "\u2212", " days", " cases", " calls")


def test_every_chart_csv_is_numbers_with_units_in_the_header(engine, city):
    catalogue = city
    app = create_app(engine, catalogue, sign_in=SIGN_IN_OFF)
    assert {href for _, href in NAV} >= {path for path, _, _ in PAGES}
    views = {"/": "scorecard_page", "/service": "service_page", "/equity": "equity_page",
             "/operations": "operations_page", "/voice": "voice_page", "/portfolio": "portfolio_page",
             "/maturity": "maturity_page", "/journey": "journey_page"}
    seen = []
    with app.server.test_request_context("/"):
        for path, query, charts in PAGES:
            specs = _specs(importlib.import_module(f"cxdash.dashboard.views.{views[path]}").layout(query), {})
            for chart in charts:
                header, *rows = specs[chart]["rows"]
                assert all(isinstance(h, str) and h for h in header), (chart, header)
                assert rows, chart
                for row in rows:
                    assert len(row) == len(header), (chart, row)
                    for value in row:
                        assert value is None or isinstance(value, (int, float)) or not any(
                            w in value for w in WORDS_IN_NUMBERS), (chart, header, row)
                # every column of numbers says its unit: (%), (points), (n), (cases), (days)... or p-value
                numeric = {h for i, h in enumerate(header) if any(isinstance(r[i], (int, float)) for r in rows)}
                assert all("(" in h or "p-value" in h or h == "Rank" for h in numeric), (chart, numeric)
                seen.append(chart)
    assert seen == [c for _, _, charts in PAGES for c in charts]
