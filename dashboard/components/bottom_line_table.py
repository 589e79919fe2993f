"""The bottom line up front: every measure in scope in one compact table, worst first."""

from dash import html

from cxdash.dashboard.components.status_tag import status_tag
from cxdash.dashboard.components.takeaway import takeaway
from cxdash.presentation.bottom_line import COLUMNS
from cxdash.presentation.formatting import MISSING


def bottom_line_table(rows: list[dict], sentence: str, caption: str, id_prefix: str = "bottom-line") -> html.Section:
    """A heading, the one sentence saying what changed, and the table of ``rows``
    (cxdash.presentation.bottom_line.rows: already sorted off track, at risk, on track, without
    data). The "Why / what next" column is left out while no row has commentary (as on slide 2).
    Status is a tag with an icon and words (colour only repeats them); each measure links
    to its card. Cells wrap at word boundaries; under 480 px the table stacks (USWDS
    usa-table--stacked: each cell is labelled with its column), so nothing is clipped on a phone.

    Root: a <section> with id "{id_prefix}"; the sentence has id "{id_prefix}-sentence", the
    table id "{id_prefix}-table" and each row data-measure and data-status attributes.
    """
    if not caption:
        raise ValueError("a bottom-line table needs a caption")
    columns = COLUMNS
    if rows and all(row.get("note") in (None, "", MISSING) for row in rows):
        columns = [c for c in COLUMNS if c[0] != "note"]  # no commentary recorded yet: no empty column
    headers = dict(columns)
    head = html.Thead(html.Tr([html.Th(label, scope="col") for _key, label in columns]))
    body = []
    for row in rows:
        cells = []
        for key, _label in columns:
            if key == "status_text":
                content = status_tag(row["status"])
            elif key == "name":
                content = html.A(row["name"], href=f"#card-{row['measure_id']}", className="usa-link")
            else:
                content = row[key]
            cell = html.Th if key == "name" else html.Td
            kwargs = {"scope": "row"} if key == "name" else {}
            cells.append(cell(content, className=f"cx-bottom-line__{key}", **{"data-label": headers[key]}, **kwargs))
        body.append(html.Tr(cells, **{"data-measure": row["measure_id"], "data-status": row["status"]}))
    table = html.Table(
        [html.Caption(caption), head, html.Tbody(body)],
        className="usa-table usa-table--borderless usa-table--compact usa-table--stacked cx-bottom-line__table",
        id=f"{id_prefix}-table",
    )
    return html.Section(
        [
            html.H2("Bottom line", id=f"{id_prefix}-title", className="cx-bottom-line__title"),
            takeaway(sentence, id=f"{id_prefix}-sentence"),
            table,
        ],
        id=id_prefix,
        className="cx-bottom-line",
        **{"aria-labelledby": f"{id_prefix}-title"},
    )
