"""dashboard.components: tested on the component trees they return, plus the
vendored USWDS assets and our stylesheet."""

import pathlib
import re

import pandas as pd
import plotly.graph_objects as go
import pytest
from dash import dcc, html

from cxdash import paths
from cxdash.dashboard.components import (
    chart_with_table,
    data_table,
    gov_banner,
    identifier,
    measure_card,
    site_header,
    skip_link,
    sparkline,
    sparkline_figure,
    status_tag,
    takeaway,
)
from cxdash.presentation.formatting import MINUS, format_value
from cxdash.presentation.formatting import MISSING as MISSING_TEXT

ROOT = pathlib.Path(__file__).resolve().parents[1]

ASSETS = paths.assets_dir()
USWDS = ASSETS / "uswds"
OUR_CSS = ASSETS / "zz-cxdash" / "cxdash.css"


# --- walking component trees -------------------------------------------------

def props(c) -> dict:
    return c.to_plotly_json()["props"] if hasattr(c, "to_plotly_json") else {}


def walk(c):
    """Every node of a tree, depth first; strings and numbers are leaves."""
    yield c
    children = getattr(c, "children", None) if hasattr(c, "to_plotly_json") else None
    if children is None:
        return
    for child in children if isinstance(children, (list, tuple)) else [children]:
        yield from walk(child)


def classes(c) -> set:
    return set((props(c).get("className") or "").split())


def hidden_from_sight(c) -> bool:
    return "usa-sr-only" in classes(c)


def hidden_from_at(c) -> bool:
    return props(c).get("aria-hidden") == "true"


def text(c, skip=lambda node: False) -> str:
    if isinstance(c, (str, int, float)):
        return str(c)
    if c is None or skip(c):
        return ""
    children = getattr(c, "children", None)
    if children is None:
        return ""
    return "".join(text(x, skip) for x in (children if isinstance(children, (list, tuple)) else [children]))


def visible_text(c) -> str:
    """What a sighted reader sees (no usa-sr-only)."""
    return text(c, hidden_from_sight)


def spoken_text(c) -> str:
    """What a screen reader reads (no aria-hidden)."""
    return text(c, hidden_from_at)


def find(c, cls=None, type_=None):
    return [
        n for n in walk(c)
        if hasattr(n, "to_plotly_json")
        and (cls is None or cls in classes(n))
        and (type_ is None or isinstance(n, type_))
    ]


def one(c, cls=None, type_=None):
    found = find(c, cls, type_)
    assert len(found) == 1, f"expected one {cls or type_}, found {len(found)}"
    return found[0]


# --- status tag ---------------------------------------------------------------

@pytest.mark.parametrize(
    "status, modifier, icon, words",
    [
        ("on_track", "on-track", "✓", "On track"),
        ("at_risk", "at-risk", "▲", "At risk"),
        ("off_track", "off-track", "✕", "Off track"),
        ("no_data", "no-data", "–", "No data"),
    ],
)
def test_status_tag_has_class_icon_and_words(status, modifier, icon, words):
    tag = status_tag(status)
    assert isinstance(tag, html.Span)
    assert {"cx-status", f"cx-status--{modifier}"} <= classes(tag)
    icon_node = one(tag, "cx-status__icon")
    assert icon_node.children == icon
    assert hidden_from_at(icon_node)  # the icon is not read out ...
    assert visible_text(tag) == f"{icon}{words}"  # ... but seen, next to the words
    assert spoken_text(tag) == f"Status: {words}"


def test_status_tags_differ_by_more_than_colour():
    icons = {one(status_tag(s), "cx-status__icon").children for s in ("on_track", "at_risk", "off_track", "no_data")}
    assert len(icons) == 4


@pytest.mark.parametrize("bad", ["ok", "", None, "On track"])
def test_status_tag_rejects_unknown_status(bad):
    with pytest.raises(ValueError):
        status_tag(bad)


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(ch * 2 for ch in h)
    rgb = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_helper_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#757575", "#ffffff") == pytest.approx(4.61, abs=0.01)


@pytest.mark.parametrize("modifier", ["on-track", "at-risk", "off-track", "no-data"])
def test_status_tag_colours_meet_wcag_aa_text_contrast(modifier):
    css = OUR_CSS.read_text()
    rule = re.search(rf"\.cx-status--{modifier}\s*\{{([^}}]*)\}}", css)
    assert rule, f"no rule for .cx-status--{modifier}"
    bg = re.search(r"background-color:\s*(#[0-9a-fA-F]{3,6})", rule.group(1)).group(1)
    fg = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", rule.group(1)).group(1)
    assert contrast(bg, fg) >= 4.5


# --- small pieces ---------------------------------------------------------------

def test_takeaway():
    p = takeaway("Trust rose to 82.4%.", id="trust-takeaway")
    assert isinstance(p, html.P)
    assert classes(p) == {"cx-takeaway"}
    assert p.id == "trust-takeaway"
    assert p.children == "Trust rose to 82.4%."
    assert "id" not in props(takeaway("No id."))
    with pytest.raises(ValueError):
        takeaway("  ")


def test_skip_link():
    link = skip_link()
    assert isinstance(link, html.A)
    assert link.href == "#main-content"
    assert "usa-skipnav" in classes(link)
    assert skip_link("content").href == "#content"


def test_banner_text_and_accordion_wiring():
    banner = gov_banner()
    assert "usa-banner" in classes(banner)
    assert props(banner)["aria-label"] == "Official website of the United States government"
    assert "An official website of the United States government" in visible_text(banner)
    button = one(banner, "usa-banner__button")
    assert isinstance(button, html.Button)
    assert {"usa-accordion__button"} <= classes(button)
    assert props(button)["aria-expanded"] == "false"
    content = one(banner, "usa-banner__content")
    assert props(button)["aria-controls"] == content.id
    assert content.hidden is True  # closed until the button opens it
    said = visible_text(content)
    assert "Official websites use .gov" in said and "Secure .gov websites use HTTPS" in said
    assert find(banner, "usa-accordion")


def test_banner_images_are_vendored():
    images = find(gov_banner(), type_=html.Img)
    assert len(images) == 4
    for img in images:
        assert img.src.startswith("/assets/uswds/img/")
        assert (ASSETS / img.src.removeprefix("/assets/")).is_file(), img.src
        # decorative images are silent; the lock carries meaning and is described
        assert img.alt == "" or img.alt == "Locked padlock icon"


def test_header_marks_the_current_page():
    header = site_header([("Scorecard", "/", True), ("Trends", "/trends", False)])
    assert "cxdash — CX performance" in visible_text(header)
    assert one(header, "usa-header")
    nav = one(header, type_=html.Nav)
    assert props(nav)["aria-label"] == "Primary navigation"
    links = find(nav, "usa-nav-link")
    assert [link.href for link in links] == ["/", "/trends"]
    current, other = links
    assert "usa-current" in classes(current) and props(current)["aria-current"] == "page"
    assert "usa-current" not in classes(other) and "aria-current" not in props(other)
    assert visible_text(other) == "Trends"
    assert one(header, "usa-menu-btn")  # narrow screens


def test_identifier_default_links_point_in_app():
    footer = identifier()
    assert "usa-identifier" in classes(footer)
    links = find(footer, "usa-identifier__required-link")
    labels = [visible_text(a) for a in links]
    assert labels == ["About cxdash", "Accessibility statement", "FOIA requests", "Privacy policy"]
    for a in links:
        assert a.href.startswith("/") and a.href != "/" and "#" not in a.href
    assert "Visit USA.gov" in visible_text(footer)


def test_identifier_custom_links_and_rejects_placeholders():
    footer = identifier("VA", links=[("About VA", "https://www.va.gov/about")])
    assert [a.href for a in find(footer, "usa-identifier__required-link")] == ["https://www.va.gov/about"]
    assert "VA" in visible_text(one(footer, "usa-identifier__identity-domain"))
    assert visible_text(find(identifier("VA"), "usa-identifier__required-link")[0]) == "About VA"
    for bad in ["#", "#privacy", "", "javascript:void(0)"]:
        with pytest.raises(ValueError):
            identifier(links=[("Privacy policy", bad)])


# --- data table ------------------------------------------------------------------

ROWS = [
    {"quarter": "FY2022 Q4", "value": 0.803, "n": 1100},
    {"quarter": "FY2023 Q1", "value": 0.824, "n": None},
    {"quarter": "FY2023 Q2", "value": float("nan"), "n": 980},
]
COLUMNS = [
    ("quarter", "Quarter", None),
    ("value", "Trust", lambda v: f"{v * 100:.1f}%"),
    ("n", "Responses", lambda n: f"{int(n):,}"),
]


@pytest.mark.parametrize("source", [ROWS, pd.DataFrame(ROWS)], ids=["records", "dataframe"])
def test_data_table_structure_and_formatting(source):
    block = data_table(source, COLUMNS, "Trust in VA by quarter", "trust")
    table = one(block, type_=html.Table)
    assert "usa-table" in classes(table)
    assert table.id == "trust-table"
    assert visible_text(one(table, type_=html.Caption)) == "Trust in VA by quarter"
    ths = find(table, type_=html.Th)
    assert [th.children for th in ths] == ["Quarter", "Trust", "Responses"]
    assert all(th.scope == "col" for th in ths)
    rows = find(one(table, type_=html.Tbody), type_=html.Tr)
    assert len(rows) == 3
    cells = [[td.children for td in find(r, type_=html.Td)] for r in rows]
    assert cells[0] == ["FY2022 Q4", "80.3%", "1,100"]
    assert cells[1] == ["FY2023 Q1", "82.4%", "—"]  # missing, not formatted as 0 or nan
    assert cells[2] == ["FY2023 Q2", "—", "980"]
    # the scroll wrapper is a named, keyboard-reachable region
    assert props(block)["role"] == "region" and props(block)["aria-label"] == "Trust in VA by quarter"


def test_data_table_needs_caption_and_tabular_input():
    with pytest.raises(ValueError):
        data_table(ROWS, COLUMNS, "", "x")
    with pytest.raises(TypeError):
        data_table("not rows", COLUMNS, "Caption", "x")


def test_data_table_empty_has_headers_and_no_rows():
    table = one(data_table([], COLUMNS, "Nothing yet", "e"), type_=html.Table)
    assert len(find(table, type_=html.Th)) == 3
    assert find(one(table, type_=html.Tbody), type_=html.Tr) == []


# --- chart with table ---------------------------------------------------------------

def test_chart_with_table():
    fig = go.Figure(go.Bar(x=["Q1", "Q2"], y=[1, 2]))
    table = data_table(ROWS, COLUMNS, "Trust by quarter", "trust")
    block = chart_with_table(fig, table, "Trust rose to 82.4%.", "trust-chart", "Trust in VA")
    assert isinstance(block, html.Figure)
    heading = one(block, type_=html.H2)
    assert heading.children == "Trust in VA"
    tk = one(block, "cx-takeaway")
    assert tk.children == "Trust rose to 82.4%."
    graph = one(block, type_=dcc.Graph)
    assert graph.id == "trust-chart"
    assert graph.figure is fig
    assert graph.config["displaylogo"] is False and graph.config["responsive"] is True
    wrapper = one(block, "cx-chart__graph")
    assert graph in list(walk(wrapper))
    assert "role" not in props(wrapper)  # the toolbar's buttons must not sit inside an "image"
    assert props(block)["aria-describedby"] == tk.id
    assert props(block)["aria-labelledby"] == heading.id
    details = one(block, type_=html.Details)
    summary = one(details, type_=html.Summary)
    assert summary.children == "View as table"
    assert table in list(walk(details))
    # order: heading, takeaway, graph, table
    order = [n for n in walk(block) if n in (heading, tk, wrapper, details)]
    assert order == [heading, tk, wrapper, details]


def test_chart_with_table_heading_level():
    block = chart_with_table(go.Figure(), html.P("t"), "Takeaway.", "c", "Title", heading_level=3)
    assert one(block, type_=html.H3).children == "Title"
    with pytest.raises(ValueError):
        chart_with_table(go.Figure(), html.P("t"), "Takeaway.", "c", "Title", heading_level=1)


# --- sparkline -----------------------------------------------------------------------

POINTS = [
    {"label": "FY2022 Q2", "value": 0.80},
    {"label": "FY2022 Q3", "value": None},
    {"label": "FY2022 Q4", "value": 0.803},
    {"label": "FY2023 Q1", "value": 0.824},
]


def test_sparkline_figure_shape():
    fig = sparkline_figure(POINTS, "percent", target=0.85)
    assert isinstance(fig, go.Figure)
    assert fig.layout.height <= 80
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    line, last = fig.data
    assert list(line.y) == [0.80, None, 0.803, 0.824]  # the missing quarter is a gap, not 0
    assert line.connectgaps is False and "markers" in line.mode
    assert list(last.x) == ["FY2023 Q1"] and list(last.text) == ["82.4%"]
    (target_line,) = fig.layout.shapes
    assert target_line.y0 == target_line.y1 == 0.85 and target_line.line.dash == "dash"
    lo, hi = fig.layout.yaxis.range
    assert lo < 0.80 and hi > 0.85  # the target line is inside the visible range


def test_sparkline_figure_without_target_and_points_unit():
    fig = sparkline_figure([{"label": "A", "value": 4.4}, {"label": "B", "value": 4.52}], "points")
    assert fig.layout.shapes == ()
    assert list(fig.data[-1].text) == ["4.52"]


def test_sparkline_last_label_skips_trailing_gap():
    fig = sparkline_figure(POINTS + [{"label": "FY2023 Q2", "value": None}], "percent")
    assert list(fig.data[-1].x) == ["FY2023 Q1"]


def test_sparkline_block_is_static_with_text_alternative():
    block = sparkline(POINTS, "percent", target=0.85, id="trust-trend")
    assert block.id == "trust-trend"
    graph = one(block, type_=dcc.Graph)
    assert graph.config["staticPlot"] is True
    assert graph.responsive is True  # fits narrow cards
    sr = one(block, "usa-sr-only")
    items = [li.children for li in find(sr, type_=html.Li)]
    assert items == ["FY2022 Q2: 80.0%", "FY2022 Q3: no data", "FY2022 Q4: 80.3%", "FY2023 Q1: 82.4%"]
    assert "target 85.0%" in spoken_text(sr)
    assert visible_text(sr) == ""
    assert hidden_from_at(one(block, "cx-sparkline__graph"))  # the list says it all, once
    assert visible_text(one(block, "cx-sparkline__range")) == "FY2022 Q2 – FY2023 Q1"


def test_sparkline_block_without_data():
    block = sparkline([{"label": "FY2023 Q1", "value": None}], "percent")
    assert find(block, type_=dcc.Graph) == []
    assert "No trend data" in visible_text(block)


# --- measure card ------------------------------------------------------------------

def make_card(**overrides) -> dict:
    card = {
        "measure_id": "va-trust",
        "name": "Veterans trust VA after contacting it",
        "definition": "Share of survey respondents who agree or strongly agree (4-5).",
        "unit": "percent",
        "direction": "higher",
        "value": 0.824, "ci_low": 0.81, "ci_high": 0.84, "n": 1234,
        "suppressed": False, "min_n": 30,
        "target": 0.85, "status": "at_risk",
        "change": 0.021, "p_value": 0.003, "significant": True, "prev_label": "FY2022 Q4",
        "quarter_label": "FY2023 Q1",
        "sparkline": [{"label": "FY2022 Q3", "value": 0.79}, {"label": "FY2022 Q4", "value": 0.803},
                      {"label": "FY2023 Q1", "value": 0.824}],
        "owner": "Chief Veterans Experience Officer, VA",
        "as_of": "2022-12-31",
        "wordings": ["I trust VA to fulfill our country's commitment to Veterans."],
        "href": "/?measure=va-trust",
    }
    card.update(overrides)
    return card


def line(card_tree, cls) -> str:
    return visible_text(one(card_tree, cls))


def test_measure_card_root():
    card = measure_card(make_card())
    assert card.id == "card-va-trust"
    assert {"usa-card", "cx-measure-card"} <= classes(card)
    assert props(card)["data-status"] == "at_risk"
    assert one(card, "usa-card__container")


def test_measure_card_content():
    card = measure_card(make_card())
    h3 = one(card, type_=html.H3)
    assert visible_text(h3) == "Veterans trust VA after contacting it"
    assert one(h3, type_=html.A).href == "/?measure=va-trust"
    assert visible_text(one(card, "cx-measure-card__number")) == "82.4%"
    assert "FY2023 Q1" in line(card, "cx-measure-card__value")
    assert line(card, "cx-measure-card__stats") == "95% CI 81.0%–84.0% · n = 1,234"
    assert line(card, "cx-measure-card__target") == "Target 85.0% or higher · 2.6 points below target"
    assert visible_text(one(card, "cx-status")).endswith("At risk")
    assert one(card, "cx-sparkline")
    everything = visible_text(card)
    assert "Owner: Chief Veterans Experience Officer, VA" in everything
    assert "Data as of 31 Dec 2022" in everything
    assert "Share of survey respondents" in everything
    trend, wording = find(card, type_=html.Details)
    assert one(trend, type_=html.Summary).children == "Trend and statistical detail"
    # p-values and the year-ago change are analyst detail: inside the collapsed detail only
    assert "p = 0.003" in visible_text(trend) and "p = 0.003" not in visible_text(card).replace(visible_text(trend), "")
    trend_rows = find(one(trend, type_=html.Tbody), type_=html.Tr)
    assert len(trend_rows) == len(make_card()["sparkline"])
    last = make_card()["sparkline"][-1]
    assert visible_text(trend_rows[-1]) == last["label"] + format_value(last["value"], "percent")
    assert one(wording, type_=html.Summary).children == "Question wording"
    assert visible_text(wording).endswith("commitment to Veterans.")


def test_measure_card_shows_the_quarters_review_commentary():
    note = {"what_happened": "Trust rose.", "why": "", "what_next": "Keep same-day calls.", "author": "CX office"}
    card = measure_card(make_card(commentary=note))
    details = next(d for d in find(card, type_=html.Details) if getattr(d, "id", None) == "card-va-trust-commentary")
    assert one(details, type_=html.Summary).children == "Review commentary"
    assert [visible_text(d) for d in find(details, type_=html.Dt)] == ["What happened", "What next"]
    assert [visible_text(d) for d in find(details, type_=html.Dd)] == ["Trust rose.", "Keep same-day calls."]
    assert "By CX office" in visible_text(details)
    # the one line of why / what next is on the card's face, not only behind the link
    assert line(card, "cx-measure-card__why") == "Next: Keep same-day calls."
    assert all(getattr(d, "id", None) != "card-va-trust-commentary"
               for d in find(measure_card(make_card()), type_=html.Details))


def test_measure_card_change_up_significant():
    change = one(measure_card(make_card()), "cx-measure-card__change")
    # significant and at least the default practical threshold (1 point): a clear change, no p-value
    assert visible_text(change) == "▲ Up 2.1 points since FY2022 Q4: clear change"
    assert spoken_text(change) == "Up 2.1 points since FY2022 Q4: clear change"


def test_measure_card_a_significant_change_below_the_practical_threshold_is_normal_variation():
    # +0.3 points on n = 485,157 is significant (p < 0.001) but smaller than 1 point
    change = one(measure_card(make_card(change=0.003, p_value=0.0001, significant=True)), "cx-measure-card__change")
    assert visible_text(change) == "▲ Up 0.3 points since FY2022 Q4: within normal variation"
    wider = make_card(change=0.021, significant=True, practical_change=0.03)  # the catalogue's own threshold
    assert visible_text(one(measure_card(wider), "cx-measure-card__change")).endswith("within normal variation")


def test_measure_card_change_down_not_significant():
    change = one(measure_card(make_card(change=-0.004, significant=False, p_value=0.41)), "cx-measure-card__change")
    assert visible_text(change) == "▼ Down 0.4 points since FY2022 Q4: within normal variation"
    assert spoken_text(change).startswith("Down 0.4 points")
    assert MINUS not in visible_text(change)


def test_measure_card_change_missing_or_zero():
    card = measure_card(make_card(change=None, p_value=None, significant=None, prev_label=None))
    assert line(card, "cx-measure-card__change") == "No previous quarter to compare"
    card = measure_card(make_card(change=0.0001, significant=False))
    assert line(card, "cx-measure-card__change") == "No change since FY2022 Q4: within normal variation"


def test_measure_card_points_unit():
    card = measure_card(make_card(unit="points", value=4.523, ci_low=4.41, ci_high=4.63, target=4.3,
                                  change=0.05, significant=None, p_value=None, direction="lower",
                                  sparkline=[{"label": "FY2023 Q1", "value": 4.523}]))
    assert visible_text(one(card, "cx-measure-card__number")) == "4.52"
    assert "out of 5" in line(card, "cx-measure-card__value")
    assert "95% CI 4.41–4.63" in line(card, "cx-measure-card__stats")
    assert line(card, "cx-measure-card__target") == "Target 4.30 or lower · 0.22 points above target"
    assert line(card, "cx-measure-card__change") == "▲ Up 0.05 points since FY2022 Q4 (not tested)"


def test_measure_card_suppressed_shows_no_number():
    card = measure_card(make_card(value=0.0, ci_low=0.0, ci_high=0.0, n=12, suppressed=True,
                                  status="no_data", change=-0.8, significant=True))
    value_line = line(card, "cx-measure-card__value")
    assert value_line.startswith("Suppressed (n < 30)")
    assert find(card, "cx-measure-card__number") == []
    assert find(card, "cx-measure-card__stats") == []
    everything = visible_text(card) + spoken_text(card)
    assert "0.0%" not in everything and "n = 12" not in everything and "80.0" not in everything
    assert line(card, "cx-measure-card__change") == "No comparison this quarter"
    assert props(card)["data-status"] == "no_data"


def test_measure_card_no_data_and_sparse_optional_fields():
    card = measure_card(make_card(value=None, ci_low=None, ci_high=None, n=None, target=None,
                                  status="no_data", change=None, owner=None, as_of=None,
                                  wordings=[], href=None, definition=None, sparkline=[]))
    assert visible_text(one(card, "cx-measure-card__value")).startswith("No data")
    assert line(card, "cx-measure-card__target") == "No target set"
    assert find(card, type_=html.Details) == []
    assert find(one(card, type_=html.H3), type_=html.A) == []
    everything = visible_text(card)
    assert "Owner:" not in everything and "Data date not recorded" in everything
    assert "nan" not in everything.lower() and "None" not in everything


def test_measure_card_rejects_bad_status_and_unit():
    with pytest.raises(ValueError):
        measure_card(make_card(status="green"))
    with pytest.raises(ValueError):
        measure_card(make_card(unit="ratio"))


# --- vendored USWDS and our stylesheet ----------------------------------------------------

def test_vendored_uswds_files_exist():
    for rel in ["css/uswds.min.css", "js/uswds.min.js", "LICENSE.md", "README.md"]:
        assert (USWDS / rel).is_file(), rel
    assert re.search(r"USWDS 3\.\d+\.\d+", (USWDS / "README.md").read_text())
    script = ROOT / "scripts" / "vendor_uswds.sh"
    assert script.is_file() and script.stat().st_mode & 0o111


def test_every_css_url_resolves_to_a_vendored_file():
    """We vendor every local file uswds.min.css references (all its fonts and
    icons), so every relative url() must exist on disk."""
    css_path = USWDS / "css" / "uswds.min.css"
    urls = set(re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css_path.read_text()))
    local = {u.split("?")[0].split("#")[0] for u in urls if not u.startswith(("data:", "http:", "https:", "//"))}
    assert any("fonts/source-sans-pro/" in u for u in local)
    assert any("fonts/merriweather/" in u for u in local)
    missing = [u for u in sorted(local) if not (css_path.parent / u).resolve().is_file()]
    assert missing == []


def test_vendored_assets_stay_small():
    total = sum(p.stat().st_size for p in USWDS.rglob("*") if p.is_file())
    assert total < 3 * 1024 * 1024
    assert not list(USWDS.rglob("*.map")) and not list(USWDS.rglob("*.ttf"))


def _index_html(**dash_kwargs) -> str:
    import dash

    app = dash.Dash("cxdash_asset_order_test", assets_folder=str(ASSETS), **dash_kwargs)
    app.layout = html.Div()
    return app, app.server.test_client().get("/").get_data(as_text=True)


def test_our_stylesheet_loads_after_uswds():
    _app, page = _index_html()
    uswds_at = page.index("/assets/uswds/css/uswds.min.css")
    ours_at = page.index("/assets/zz-cxdash/cxdash.css")
    assert uswds_at < ours_at


def test_uswds_js_deferred_wiring():
    """The recommended wiring: Dash skips uswds.min.js, our loader injects it
    after render, and the file is still served."""
    app, page = _index_html(assets_ignore=r"uswds\.min\.js$")
    assert "/assets/zz-cxdash/uswds-loader.js" in page
    assert "/assets/uswds/js/uswds.min.js" not in page
    assert app.server.test_client().get("/assets/uswds/js/uswds.min.js").status_code == 200


@pytest.mark.browser
def test_uswds_js_works_on_dash_rendered_markup(dash_duo):
    """In a real browser: "Here's how you know" opens the banner, and the mobile
    "Menu" opens the nav and moves focus into it without a JS error (needs the
    deferred loader: USWDS builds the menu's focus trap in init())."""
    import dash

    app = dash.Dash("cxdash_uswds_js_test", assets_folder=str(ASSETS), assets_ignore=r"uswds\.min\.js$")
    app.layout = html.Div([
        skip_link(), gov_banner(), site_header([("Scorecard", "/", True), ("About", "/about", False)]),
        html.Main(html.H1("Page"), id="main-content"),
    ])
    dash_duo.start_server(app)
    dash_duo.driver.set_window_size(800, 900)  # below USWDS's 64em desktop breakpoint
    dash_duo.wait_for_element(".usa-banner__button")
    dash_duo.driver.execute_script(
        "return new Promise(r => { const t = () => window.uswdsPresent ? r() : setTimeout(t, 50); t(); })"
    )
    button = dash_duo.find_element(".usa-banner__button")
    content = dash_duo.find_element("#gov-banner")
    assert not content.is_displayed()
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert content.is_displayed()
    button.click()
    assert button.get_attribute("aria-expanded") == "false"
    assert not content.is_displayed()

    # USWDS binds its behaviours a moment after its script starts (uswdsPresent is set first),
    # so give the menu button up to a few seconds to answer a click.
    from selenium.webdriver.support.ui import WebDriverWait

    def menu_opens(driver):
        if not dash_duo.find_element(".usa-nav").is_displayed():
            dash_duo.find_element(".usa-menu-btn").click()
        return dash_duo.find_element(".usa-nav").is_displayed()

    WebDriverWait(dash_duo.driver, 5, poll_frequency=0.5).until(menu_opens)
    assert "usa-nav__close" in dash_duo.driver.switch_to.active_element.get_attribute("class")
    assert [entry for entry in dash_duo.get_logs() or [] if entry["level"] == "SEVERE"] == []


def test_measure_card_without_this_quarters_figure_shows_the_last_known_value_and_the_next_due_date():
    card = measure_card(make_card(value=None, ci_low=None, ci_high=None, n=None, status="no_data", change=None,
                                  p_value=None, significant=None, last_value=0.813, last_label="FY2022 Q4",
                                  next_label="FY2023 Q2", next_due="2023-05-15", target=0.86))
    value_line = line(card, "cx-measure-card__value")
    assert value_line.startswith("No data")
    assert "Last known: 81.3% in FY2022 Q4" in value_line
    assert "Next figure (FY2023 Q2) due by 15 May 2023" in value_line
    assert line(card, "cx-measure-card__target") == "Target 86.0% or higher · Last known 4.7 points below target"
    assert line(card, "cx-measure-card__change") == "No comparison this quarter"


def test_bottom_line_table_component():
    from cxdash.dashboard.components import bottom_line_table
    rows = [{"measure_id": "a", "status": "off_track", "status_text": "✕ Off track", "name": "A", "value_text": "74.2%",
             "target_text": "80.0%", "gap_text": "5.8 points below", "change_text": "▼ Down 2.1 points: clear change",
             "owner": "Office of CX", "note": "Why: Waits. Next: Staff."},
            {"measure_id": "b", "status": "no_data", "status_text": "– Without data", "name": "B",
             "value_text": "None for FY2023 Q1", "target_text": "80.0%", "gap_text": MISSING_TEXT,
             "change_text": MISSING_TEXT, "owner": "X", "note": MISSING_TEXT}]
    section = bottom_line_table(rows, "Of 2 measures ...", caption="Every measure")
    assert section.id == "bottom-line"
    table = one(section, type_=html.Table)
    assert "usa-table--stacked" in classes(table)
    headers = [visible_text(th) for th in find(one(table, type_=html.Thead), type_=html.Th)]
    assert headers[-1] == "Why / what next" and headers[0] == "Status"
    body = find(one(table, type_=html.Tbody), type_=html.Tr)
    assert [props(r)["data-status"] for r in body] == ["off_track", "no_data"]
    first = body[0]
    assert visible_text(one(first, "cx-status")).endswith("Off track")  # words, not colour alone
    assert one(first, type_=html.A).href == "#card-a"
    cells = [c for c in walk(first) if isinstance(c, (html.Td, html.Th))]
    assert [props(c)["data-label"] for c in cells] == headers  # each stacked cell names its column
    # Without any commentary the column is left out rather than shown empty.
    quiet = bottom_line_table([{**r, "note": MISSING_TEXT} for r in rows], "s", caption="c")
    assert "Why / what next" not in visible_text(one(quiet, type_=html.Thead))
    with pytest.raises(ValueError):
        bottom_line_table(rows, "s", caption="")
