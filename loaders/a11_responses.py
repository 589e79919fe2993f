"""Generation-2 A-11: the Touchpoints A-11 v2 response-level upload (FY2024 on).

One CSV row is one response with exactly 17 columns: ``external_id``, ``question_1`` (the
trust question: 1 thumbs up / 0 thumbs down on the thumbs form, or 1-5 on the Likert form),
fourteen driver checklist cells (``positive_*`` / ``negative_*``: 1 selected, 0 offered but not
selected, ``null`` or empty when the option was not on the form) and ``question_4``, free text.

The file names no service, channel or date, so the caller supplies them. Trust is stored as
question "trust" (scale "binary" or "5pt"); each driver under its column name with scale
"binary". An option not offered has no answer row: it is missing, not a 0. ``question_4`` is
never read into the database, not even into a rejected row, because free text can carry
personal data.
"""
from __future__ import annotations

from collections.abc import Iterator
from itertools import islice, repeat
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from cxdash.catalogue import Catalogue
from cxdash.channels import TOUCHPOINTS_CHANNELS, normalise_channel
from cxdash.errors import UserError
from cxdash.loaders.csv_reader import Unreadable, delimiter_hint, iter_records, read_header
from cxdash.loaders.responses_store import CELL_KEY, KEY_LENGTH, ResponseBatch, write_responses
from cxdash.loaders.runner import Chunk, LoadReport, Rejection, run_load
from cxdash.metrics.a11_scores import BINARY, LIKERT
from cxdash.metrics.fiscal import FiscalQuarter

KIND = "a11-responses"
CHUNK_ROWS = 20000
TRUST = "question_1"
FREE_TEXT = "question_4"
DRIVER_OPTIONS = ("effectiveness", "ease", "efficiency", "transparency", "humanity", "employee", "other")
DRIVER_COLUMNS = tuple(f"{side}_{option}" for side in ("positive", "negative") for option in DRIVER_OPTIONS)
COLUMNS = ("external_id", TRUST, *DRIVER_COLUMNS, FREE_TEXT)
TRUST_SCALES = ("thumbs", "likert", "auto")


NOT_OFFERED = "null"
TRUST_VALUES = {"thumbs": {"0": 0, "1": 1}, "likert": {str(k): k for k in range(1, 6)}}
DRIVER_VALUES = {"0": 0, "1": 1}


_DRIVER_CELLS = {"0": (0, None), "1": (1, None), "": (None, None), "null": (None, None), "NULL": (None, None)}
# Read as columns: the answer columns in stored order, each cell as a small integer code.
ANSWERED = (TRUST, *DRIVER_COLUMNS)
UNREAD, NOT_ANSWERED = -2, -1  # a spelling left to parse_row; no answer row (not offered)
DRIVER_CODES = {cell: NOT_ANSWERED if value is None else value for cell, (value, _) in _DRIVER_CELLS.items()}


def _driver(value: str) -> tuple[int | None, str | None]:
    """'1' selected, '0' offered but not selected; 'null' or blank: the option was not offered.
    Returns (value, None) or (None, why it is refused)."""
    known = _DRIVER_CELLS.get(value)  # nearly every cell of a real upload: one lookup
    if known is not None:
        return known
    value = value.strip()
    if value in DRIVER_VALUES:
        return DRIVER_VALUES[value], None
    if not value or value.casefold() == NOT_OFFERED:
        return None, None
    return None, f"expected 1 (selected), 0 (offered, not selected) or null (not offered), got {value!r}"


def _key(value: str) -> tuple[str | None, str | None]:
    value = value.strip()
    if not value:
        return None, "missing external_id: every response needs one"
    if len(value) > KEY_LENGTH:
        return None, f"external_id longer than {KEY_LENGTH} characters"
    return value, None


def _trust(value: str, trust_scale: str) -> tuple[int | None, str | None]:
    value = value.strip()
    allowed = TRUST_VALUES[trust_scale]
    if value in allowed:
        return allowed[value], None
    thumbs = trust_scale == "thumbs"
    expected = "1 (thumbs up) or 0 (thumbs down)" if thumbs else "a whole number from 1 to 5"
    if not value:
        return None, f"missing trust answer: expected {expected}"
    return None, f"expected {expected} on the {'thumbs' if thumbs else 'Likert'} form, got {value!r}"


def check_header(path: Path, header: list[str]) -> None:
    """The upload has exactly the 17 Touchpoints columns; anything else is the wrong file."""
    missing = [c for c in COLUMNS if c not in header]
    unexpected = [c for c in header if c not in COLUMNS]
    doubled = sorted({c for c in header if header.count(c) > 1})
    if missing or unexpected or doubled:
        problems = []
        if missing:
            problems.append(f"missing column(s) {', '.join(missing)}")
        if unexpected:
            problems.append(f"unexpected column(s) {', '.join(repr(c) for c in unexpected)}")
        if doubled:
            problems.append(f"column(s) named twice: {', '.join(doubled)}")
        raise UserError(f"{path}: not a Touchpoints A-11 v2 response upload: {'; '.join(problems)} "
                        f"(expected exactly the 17 columns {', '.join(COLUMNS)}){delimiter_hint(path)}")


def detect_trust_scale(path: Path, header: list[str]) -> str:
    """'auto': thumbs if question_1 holds a 0, Likert if it holds a 2-5.

    A file holding only 1s cannot be told apart (thumbs up or 'strongly disagree'), nor can a
    file holding both 0 and 2-5; guessing would invert or corrupt the score, so both are
    refused and the caller must say which form it was.
    """
    index = header.index(TRUST)
    seen = set()
    for _line, values in iter_records(path):
        if index < len(values):
            seen.add(values[index].strip())
    zero, likert_only = "0" in seen, bool(seen & {"2", "3", "4", "5"})
    if zero and likert_only:
        raise UserError(f"{path}: {TRUST} holds both 0 and values 2-5, so the trust scale cannot be detected; "
                        "say which form was used (trust scale 'thumbs' or 'likert')")
    if zero:
        return "thumbs"
    if likert_only or "1" not in seen:
        return "likert"
    raise UserError(f"{path}: every {TRUST} value is 1, which reads as thumbs up on the thumbs form but "
                    "'strongly disagree' on the Likert form; say which form was used (trust scale 'thumbs' or 'likert')")


def _safe_raw(header: list[str], values: list[str]) -> dict:
    """The row as kept with a rejection: never the free text, and only aligned cells."""
    if len(values) != len(header):
        return {"external_id": values[header.index("external_id")] if "external_id" in header and values else None}
    return {c: v for c, v in zip(header, values) if c != FREE_TEXT}


def parse_row(line: int, header: list[str], values: list[str], trust_scale: str,
              common: dict) -> tuple[dict | None, list[Rejection]]:
    """Validate one record; return the response with its answers, or why it was kept aside
    (one rejection per refused cell, in column order). Plain lookups, not a model per row: a
    large agency's uploads run to millions of rows."""
    if isinstance(values, Unreadable):  # a huge value, a NUL byte, a cut-off last row: nothing of it is kept
        return None, [Rejection(line, values.field, values.reason, {})]
    if len(values) != len(header):
        return None, [Rejection(line, "(row)", f"expected {len(header)} values, got {len(values)}",
                                _safe_raw(header, values))]
    cells = dict(zip(header, values))
    problems = []
    key, problem = _key(cells["external_id"])
    if problem:
        problems.append(("external_id", problem))
    trust, problem = _trust(cells[TRUST], "thumbs" if trust_scale == "thumbs" else "likert")
    if problem:
        problems.append((TRUST, problem))
    answers = [{"question": "trust", "scale": BINARY if trust_scale == "thumbs" else LIKERT, "value": trust}]
    for column in DRIVER_COLUMNS:
        value, problem = _driver(cells[column])
        if problem:
            problems.append((column, problem))
        elif value is not None:  # not offered: no row (missing, not 0)
            answers.append({"question": column, "scale": BINARY, "value": value})
    if problems:
        raw = _safe_raw(header, values)
        return None, [Rejection(line, column, reason, raw) for column, reason in problems]
    return {**common, "response_key": key, "line": line, "answers": answers}, []


def _codes(column, codes: dict) -> np.ndarray:
    """A column's cells as small integers through ``codes``; UNREAD for any other spelling."""
    return np.fromiter(map(codes.get, column, repeat(UNREAD)), dtype=np.int8, count=len(column))


def _chunk(records: list[tuple[int, list[str]]], header: list[str], trust_scale: str, common: dict,
           first_seen: dict[str, int]) -> tuple[Chunk, np.ndarray, np.ndarray, list[str]]:
    """Validate a slice of records as columns: the chunk with its rejections, and which rows are
    good, their answer codes (one column per ANSWERED, NOT_ANSWERED where no answer is stored)
    and keys. Cells in their usual spelling (trust and driver codes, a key of allowed length)
    are read by lookup; a row with any other cell, or of the wrong width, goes through
    ``parse_row``, which accepts it or names its line and field exactly as row by row."""
    n, width = len(records), len(header)
    chunk = Chunk(rows_read=n)
    key_index = header.index("external_id")
    keys = [values[key_index].strip() if key_index < len(values) else "" for _, values in records]
    duplicate_of = {}
    for i, ((line, _), key) in enumerate(zip(records, keys)):  # in file order, across chunks
        if key and first_seen.setdefault(key, line) != line:
            duplicate_of[i] = first_seen[key]
    codes = np.full((n, len(ANSWERED)), UNREAD, dtype=np.int8)
    aligned = np.fromiter((len(values) == width for _, values in records), dtype=bool, count=n)
    if aligned.any():
        columns = list(zip(*(values for _, values in records if len(values) == width)))
        trust = TRUST_VALUES["thumbs" if trust_scale == "thumbs" else "likert"]
        codes[aligned] = np.column_stack([_codes(columns[header.index(c)], trust if c == TRUST else DRIVER_CODES)
                                          for c in ANSWERED])
    lengths = np.fromiter(map(len, keys), dtype=np.int64, count=n)
    good = (codes[:, 0] >= 0) & (codes >= NOT_ANSWERED).all(axis=1) & (lengths > 0) & (lengths <= KEY_LENGTH)
    for i in sorted(set(np.flatnonzero(~good).tolist()) | duplicate_of.keys()):  # the rows to read one by one
        line, values = records[i]
        good[i] = False
        if i in duplicate_of:
            chunk.rejections.append(Rejection(line, "external_id", f"duplicate external_id {keys[i]!r}, first on line "
                                              f"{duplicate_of[i]}", _safe_raw(header, values)))
            continue
        row, rejections = parse_row(line, header, values, trust_scale, common)
        chunk.rejections.extend(rejections)
        if row:
            good[i] = True
            codes[i] = NOT_ANSWERED
            for answer in row["answers"]:
                codes[i, ANSWERED.index(TRUST if answer["question"] == "trust" else answer["question"])] = answer["value"]
    return chunk, good, codes, keys


def chunks(path: Path, trust_scale: str, common: dict, as_of) -> Iterator[Chunk]:
    header = read_header(path)
    check_header(path, header)
    if trust_scale == "auto":
        trust_scale = detect_trust_scale(path, header)
    cell = tuple(common[c] for c in CELL_KEY)
    questions = [("trust", BINARY if trust_scale == "thumbs" else LIKERT, ""), *((c, BINARY, "") for c in DRIVER_COLUMNS)]
    first_seen: dict[str, int] = {}
    records = iter_records(path)
    while part := list(islice(records, CHUNK_ROWS)):
        chunk, good, codes, keys = _chunk(part, header, trust_scale, common, first_seen)
        rows = np.flatnonzero(good)
        if len(rows):
            answered = codes[rows]
            owner, column = np.nonzero(answered >= 0)  # by response, then column: the stored order
            chunk.rows = ResponseBatch(keys=[keys[i] for i in rows.tolist()],
                                       lines=np.array([part[i][0] for i in rows.tolist()], dtype=np.int64),
                                       cells=[cell], cell_index=np.zeros(len(rows), dtype=np.int64),
                                       questions=questions, answer_response=owner, answer_question=column,
                                       answer_value=answered[owner, column].astype(np.int64))
            chunk.as_of = as_of
        yield chunk


def resolve_target(catalogue: Catalogue, provider: str, service: str, channel: str,
                   stage: str | None) -> dict:
    """The response columns the caller supplies, checked against the catalogue."""
    entry = catalogue.find_service(provider, service)
    if entry is None:
        known = "; ".join(f"{s.provider} / {s.name}" for s in catalogue.services)
        raise UserError(f"service {service!r} of provider {provider!r} is not in the catalog; known services: {known}")
    normalised = normalise_channel(channel or "")
    if normalised is None:
        raise UserError(f"unknown channel {channel!r}; expected a Touchpoints channel: {', '.join(TOUCHPOINTS_CHANNELS)}")
    if stage is None:
        stage = entry.default_stage or entry.stages[-1]
    elif stage not in entry.stages:
        raise UserError(f"stage {stage!r} is not a stage of {entry.name!r}; its stages: {', '.join(entry.stages)}")
    return {"agency": entry.agency, "provider": entry.provider, "service": entry.name,
            "channel": normalised, "stage": stage}


def load(engine: Engine, path: Path, catalogue: Catalogue, *, provider: str, service: str, channel: str,
         quarter: FiscalQuarter | str, stage: str | None = None, source: str = KIND,
         trust_scale: str = "auto") -> LoadReport:
    """Load one A-11 v2 upload for the given service, channel and fiscal quarter.

    ``stage`` defaults to the service's default stage (its last stage if it has none).
    ``trust_scale`` is "thumbs", "likert" or "auto" (see ``detect_trust_scale``).
    A response is its ``external_id`` within the given provider and service (the file names no
    service, and its ids are only unique within one form): loading it again, under any source
    name, replaces it. rows_loaded counts responses.
    """
    if trust_scale not in TRUST_SCALES:
        raise UserError(f"unknown trust scale {trust_scale!r}; expected one of {', '.join(TRUST_SCALES)}")
    if isinstance(quarter, str):
        try:
            quarter = FiscalQuarter.parse(quarter)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    common = {**resolve_target(catalogue, provider, service, channel, stage), "submitted_at": None,
              "fiscal_year": quarter.year, "fiscal_quarter": quarter.quarter}
    parameters = {**common, "trust_scale": trust_scale}
    return run_load(engine, source=source, kind=KIND, path=Path(path), parameters=parameters,
                    chunks=lambda p: chunks(p, trust_scale, common, quarter.end),
                    write=lambda conn, run_id, rows: write_responses(conn, source, run_id, rows))
