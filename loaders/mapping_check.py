"""What a mapping makes of a file, before anything is stored: each column of the header read as
which field, ignored, or used by nothing; columns the mapping needs that the file lacks; ``ignore``
entries the file does not have; and a dry run of the loader's own validation over every row."""
from __future__ import annotations

import importlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from cxdash.errors import UserError
from cxdash.loaders.csv_reader import read_header
from cxdash.loaders.fields import DateWindow
from cxdash.loaders.registry import MAPPED_LOADERS
from cxdash.mappings import load_any_mapping


@dataclass
class MappingCheck:
    path: Path
    mapping: str
    kind: str
    columns: list[tuple[str, str]]  # (column, what it becomes), in the header's order
    missing: list[str]  # read by the mapping, absent from the file
    ignored_absent: list[str]  # listed under ignore, absent from the file
    rows_read: int = 0
    rows_good: int = 0
    rejected: Counter = field(default_factory=Counter)  # (field, reason) -> rows
    first_rejections: list = field(default_factory=list)
    dry_run: bool = False

    @property
    def unused(self) -> list[str]:
        return [c for c, what in self.columns if what == NOT_USED]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.ignored_absent

    def lines(self) -> list[str]:
        out = [f"{self.path} through mapping {self.mapping} ({self.kind}):"]
        width = max((len(c) for c, _ in self.columns), default=0)
        out += [f"  {c.ljust(width)}  {what}" for c, what in self.columns]
        if self.missing:
            out.append(f"missing from the file (the mapping reads them): {', '.join(self.missing)}")
        if self.ignored_absent:
            out.append(f"listed under ignore but not in the file: {', '.join(self.ignored_absent)}")
        if self.dry_run:
            out.append(f"dry run: {self.rows_read:,} rows read; {self.rows_good:,} would load; "
                       f"{self.rows_read - self.rows_good:,} would be rejected")
            for (column, reason), n in self.rejected.most_common(10):
                out.append(f"  {n:,} row{'' if n == 1 else 's'}: {column}: {reason}")
            for rejection in self.first_rejections:
                out.append(f"  e.g. line {rejection.line}: {rejection.field}: {rejection.reason}")
        out.append("nothing was stored")
        return out


NOT_USED = "NOT USED: neither read nor ignored (map it, or list it under ignore)"


def roles(mapping) -> dict[str, str]:
    """Each column the mapping reads -> the field it fills (from where the mapping names it)."""
    read = set(mapping.read_columns())
    found: dict[str, str] = {}

    def walk(value, path: list[str]) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key not in ("values", "ignore"):  # a value map's words are values, not columns
                    walk(inner, [*path, str(key)])
        elif isinstance(value, list):
            for inner in value:
                walk(inner, path)
        elif isinstance(value, str) and value in read and path:
            words = [p for p in path if p != "column"] or path
            found.setdefault(value, " ".join(w.replace("_", " ") for w in words))

    walk(mapping.model_dump(mode="json", exclude={"name", "source", "kind"}), [])
    return {column: f"read as {found.get(column, 'data')}" for column in mapping.read_columns()}


def check(path: Path, mapping_name: str, window: DateWindow | None = None, samples: int = 5) -> MappingCheck:
    """The report for one file; the dry run runs for the mapped kinds whose loader reads a file
    with the mapping alone (cases, contacts, feedback, employee, published)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: file not found")
    mapping = load_any_mapping(mapping_name)
    header = read_header(path)
    read = roles(mapping)
    ignored = set(mapping.ignore)
    columns = [(c, read.get(c) or ("ignored" if c in ignored else NOT_USED)) for c in header]
    report = MappingCheck(path, str(mapping_name), mapping.kind, columns,
                          missing=[c for c in read if c not in header],
                          ignored_absent=[c for c in mapping.ignore if c not in header])
    if report.missing or mapping.kind not in MAPPED_LOADERS:
        return report
    module = importlib.import_module(MAPPED_LOADERS[mapping.kind])
    report.dry_run = True
    for chunk in module.chunks(path, mapping, window or DateWindow()):
        report.rows_read += chunk.rows_read
        report.rows_good += len(chunk.rows) + chunk.accepted_without_data
        for rejection in chunk.rejections:
            report.rejected[(rejection.field, _general(rejection.reason))] += 1
            if len(report.first_rejections) < samples:
                report.first_rejections.append(rejection)
    return report


def _general(reason: str) -> str:
    """A reason without the row's own value, so rows rejected for one cause count together."""
    return reason.split(" '", 1)[0].split(' "', 1)[0][:120]
