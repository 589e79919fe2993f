"""What a mapping makes of a file, before anything is stored: each column of the header read as
which field, ignored, or used by nothing; columns the mapping needs that the file lacks; ``ignore``
entries the file does not have; what its rules do to the rows (values and blank cells sent to
not_reported or a default, the statuses that end cases, the unit of time to complete); and a dry
run of the loader's own validation over every row."""
from __future__ import annotations

import importlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from cxdash.channels import NOT_REPORTED
from cxdash.errors import UserError
from cxdash.kinds import NOT_COMPLETED
from cxdash.loaders.csv_reader import Unreadable, iter_records, read_header
from cxdash.loaders.fields import DateWindow
from cxdash.loaders.registry import MAPPED_LOADERS
from cxdash.mappings import load_any_mapping
from cxdash.metrics.operations import in_hours, weighted_percentile


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
    effects: list[str] = field(default_factory=list)  # what the mapping's rules do, one line each

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
        if self.effects:
            out.append("what the mapping's rules do to the rows:")
            out += self.effects
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
                if key not in ("values", "ignore", "terminal_statuses"):  # words of values, not columns
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
    report.effects = rule_effects(path, header, mapping)
    module = importlib.import_module(MAPPED_LOADERS[mapping.kind])
    report.dry_run = True
    minutes: dict[tuple[str, str], list[int]] = {}
    for chunk in module.chunks(path, mapping, window or DateWindow()):
        report.rows_read += chunk.rows_read
        report.rows_good += len(chunk.rows) + chunk.accepted_without_data
        for row in chunk.rows:
            if row.get("minutes_to_close") is not None and row.get("outcome") not in NOT_COMPLETED:
                minutes.setdefault((row["provider"], row["service"]), []).append(row["minutes_to_close"])
        for rejection in chunk.rejections:
            report.rejected[(rejection.field, _general(rejection.reason))] += 1
            if len(report.first_rejections) < samples:
                report.first_rejections.append(rejection)
    if getattr(mapping, "time_unit", None) is not None:
        report.effects.append(_time_unit(mapping.time_unit, minutes))
    return report


SOURCE_FIELDS = ("provider", "service", "channel", "stage", "feedback_kind")


def rule_effects(path: Path, header: list[str], mapping) -> list[str]:
    """Lines saying what the mapping's value maps, blank-cell values and terminal statuses do to
    the file's rows: '  channel: 24 rows -> not_reported (21 UNKNOWN, 3 blank cells)'."""
    watched = {name: source for name in SOURCE_FIELDS
               if (source := getattr(mapping, name, None)) is not None and source.column
               and (source.blank is not None or NOT_REPORTED in (source.values or {}).values())}
    status = getattr(mapping, "status", None) if getattr(mapping, "terminal_statuses", None) else None
    columns = {source.column for source in watched.values()} | ({status} if status else set())
    if not columns:
        return []
    index = {c: header.index(c) for c in columns if c in header}
    seen: dict[str, Counter] = {c: Counter() for c in index}
    for _, cells in iter_records(path):
        if isinstance(cells, Unreadable) or len(cells) != len(header):
            continue
        for column, at in index.items():
            seen[column][cells[at].strip()] += 1
    lines = []
    for name, source in watched.items():
        counts = seen.get(source.column, Counter())
        reported = [(raw, n) for raw, n in counts.items() if raw and (source.values or {}).get(raw) == NOT_REPORTED]
        blank = counts.get("", 0) if source.blank is not None else 0
        if source.blank == NOT_REPORTED or reported:
            parts = [f"{n:,} {raw}" for raw, n in sorted(reported)] + ([f"{blank:,} blank cells"] if blank else [])
            total = sum(n for _, n in reported) + blank
            lines.append(f"  {name}: {total:,} rows -> {NOT_REPORTED}" + (f" ({', '.join(parts)})" if parts else ""))
        if source.blank is not None and source.blank != NOT_REPORTED:
            lines.append(f"  {name}: {blank:,} blank cells -> {source.blank}")
    if status:
        ended = Counter()
        still_open = Counter()
        for raw, n in seen.get(status, Counter()).items():
            outcome = mapping.terminal_statuses.get(raw)
            (ended if outcome else still_open)[outcome or raw or "(blank)"] += n
        words = [f"{n:,} {outcome}" for outcome, n in ended.most_common()]
        open_words = ", ".join(f"{raw} {n:,}" for raw, n in still_open.most_common())
        lines.append(f"  {status}: rows end their case as " + (", ".join(words) or "nothing")
                     + (f"; open: {open_words}" if open_words else ""))
    return lines


def _time_unit(setting: str, minutes: dict[tuple[str, str], list[int]]) -> str:
    """The unit time to complete is counted in, per the mapping's time_unit (auto: per service)."""
    if setting != "auto":
        return f"  time to complete: in {setting} (time_unit: {setting})"
    hourly = sorted(s for (_, s), values in minutes.items() if in_hours(weighted_percentile(values, [1] * len(values), 50)))
    named = ", ".join(hourly[:5]) + (f" and {len(hourly) - 5} more" if len(hourly) > 5 else "")
    return (f"  time to complete (time_unit: auto): in hours for {len(hourly)} of {len(minutes)} services whose "
            f"median completed case took under two days" + (f" ({named})" if hourly else "") + "; the others in days")


def _general(reason: str) -> str:
    """A reason without the row's own value, so rows rejected for one cause count together."""
    return reason.split(" '", 1)[0].split(' "', 1)[0][:120]
