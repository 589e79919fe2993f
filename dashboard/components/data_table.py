"""Accessible HTML table: the "view as table" alternative of a chart."""

from collections.abc import Callable, Mapping, Sequence

from dash import html

from cxdash.presentation.formatting import MISSING, is_missing


def data_table(frame_or_records, columns, caption: str, id_prefix: str) -> html.Div:
    """A real <table> (usa-table) with a caption and column headers, so screen
    readers announce each cell with its header, and the numbers behind a chart
    can be read, copied and checked without hovering.

    frame_or_records: pandas DataFrame or list of dicts.
    columns: list of (key, header_label, formatter or None); a formatter turns the
        raw value into text; missing values (None/NaN) show as "—" unformatted.
    Wrapped in usa-table-container--scrollable so a wide table scrolls on phones.
    """
    if not caption:
        raise ValueError("a data table needs a caption")
    records = _records(frame_or_records)
    head = html.Thead(
        html.Tr([html.Th(label, scope="col") for _key, label, _fmt in columns])
    )
    body = html.Tbody(
        [
            html.Tr([html.Td(_cell(rec.get(key), fmt)) for key, _label, fmt in columns])
            for rec in records
        ]
    )
    table = html.Table(
        [html.Caption(caption), head, body],
        className="usa-table usa-table--borderless usa-table--compact cx-data-table",
        id=f"{id_prefix}-table",
    )
    return html.Div(
        table,
        className="usa-table-container--scrollable",
        tabIndex="0",  # lets keyboard users scroll a wide table
        **{"aria-label": caption},
        role="region",
    )


def _records(frame_or_records) -> list[Mapping]:
    if hasattr(frame_or_records, "to_dict") and hasattr(frame_or_records, "columns"):
        return frame_or_records.to_dict("records")
    if isinstance(frame_or_records, Sequence) and not isinstance(frame_or_records, (str, bytes)):
        return list(frame_or_records)
    raise TypeError("expected a pandas DataFrame or a list of dicts")


def _cell(value, fmt: Callable | None) -> str:
    if is_missing(value):
        return MISSING
    return fmt(value) if fmt is not None else str(value)
