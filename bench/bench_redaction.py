"""Redaction benchmark: recall and precision of cxdash.redaction on the labelled evaluation set
(tests/data/redaction/evaluation.jsonl, synthetic, written for this project).

Recall, per category of detail: a labelled detail counts as removed when none of its characters
other than white space survive, i.e. every one of them lies inside a span the redactor replaces.
Precision, per kind of placeholder: the share of replaced spans that overlap some labelled detail
(of any category: an email redacted as a name is still removed). Also: of the characters outside
every label (the sentence people meant to keep), the share removed.

Run: .venv/bin/python bench/bench_redaction.py [--split dev|heldout|all] [--misses] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

EVALUATION = Path(__file__).resolve().parent.parent / "tests" / "data" / "redaction" / "evaluation.jsonl"
CATEGORIES = ("name", "email", "phone", "address", "dob", "id", "ssn")


def load(path: Path = EVALUATION) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def removed(text: str, detail: dict, spans: list[tuple[int, int, str]]) -> bool:
    covered = set()
    for start, end, _ in spans:
        covered.update(range(start, end))
    return all(i in covered for i in range(detail["start"], detail["end"]) if not text[i].isspace())


def score(rows: list[dict], find) -> dict:
    """Counts per category (labelled, removed) and per placeholder kind (spans, spans on a label),
    the characters outside labels and how many of them were removed, and every miss."""
    labelled, hit = Counter(), Counter()
    spans_by_kind, true_by_kind = Counter(), Counter()
    kept_chars = wrongly_removed = 0
    misses, false_spans = [], []
    for row in rows:
        text = row["text"]
        spans = find(text)
        for detail in row["details"]:
            labelled[detail["category"]] += 1
            if removed(text, detail, spans):
                hit[detail["category"]] += 1
            else:
                misses.append((row["id"], detail["category"], detail["detail"], text))
        inside = set()
        for detail in row["details"]:
            inside.update(range(detail["start"], detail["end"]))
        for start, end, kind in spans:
            spans_by_kind[kind] += 1
            if any(i in inside for i in range(start, end)):
                true_by_kind[kind] += 1
            else:
                false_spans.append((row["id"], kind, text[start:end], text))
        outside = [i for i in range(len(text)) if i not in inside and not text[i].isspace()]
        kept_chars += len(outside)
        wrongly_removed += sum(1 for i in outside if any(s <= i < e for s, e, _ in spans))
    return {"labelled": labelled, "removed": hit, "spans": spans_by_kind, "true_spans": true_by_kind,
            "outside_chars": kept_chars, "outside_removed": wrongly_removed, "misses": misses,
            "false_spans": false_spans, "texts": len(rows)}


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:6.1f}%" if b else "     - "


def report(name: str, result: dict) -> list[str]:
    lab, hit = result["labelled"], result["removed"]
    lines = [f"{name}: {result['texts']} texts, {sum(lab.values())} labelled details",
             "  recall (detail removed: none of its characters survive)"]
    for category in CATEGORIES:
        if lab[category]:
            lines.append(f"    {category:<8} {hit[category]:>4} / {lab[category]:<4} {_pct(hit[category], lab[category])}")
    lines.append(f"    {'all':<8} {sum(hit.values()):>4} / {sum(lab.values()):<4} {_pct(sum(hit.values()), sum(lab.values()))}")
    lines.append("  precision (replaced spans that overlap a labelled detail)")
    spans, true = result["spans"], result["true_spans"]
    for kind in sorted(spans):
        lines.append(f"    {kind:<14} {true[kind]:>4} / {spans[kind]:<4} {_pct(true[kind], spans[kind])}")
    lines.append(f"    {'all':<14} {sum(true.values()):>4} / {sum(spans.values()):<4} "
                 f"{_pct(sum(true.values()), sum(spans.values()))}")
    lines.append(f"  characters outside every label that were removed: {result['outside_removed']} of "
                 f"{result['outside_chars']} ({_pct(result['outside_removed'], result['outside_chars']).strip()})")
    return lines


# Shapes that make a careless pattern quadratic (each start position scanning to the end).
HOSTILE = {"a-a-a": "a-", "a.a.a": "a.", "a dot a dot": "a dot ", "x at x at": "x at ", "Aaa Aaa": "Aaa ",
           "1 1 1": "1 ", "five five": "five ", "prose": "the office was slow and Nobody called Kevin back "}


def hostile(find, chars: int = 20_000) -> list[str]:
    """Time of one text of each shape at ``chars`` and at ten times that: the ratio is about 10 when
    the time grows linearly with the text."""
    lines = [f"long texts ({chars:,} and {10 * chars:,} characters; ratio about 10 = linear)"]
    for name, unit in HOSTILE.items():
        times = []
        for size in (chars, 10 * chars):
            text = unit * (size // len(unit))
            started = time.perf_counter()
            find(text)
            times.append(time.perf_counter() - started)
        lines.append(f"    {name:<12} {times[0]:6.2f} s  {times[1]:7.2f} s  ratio {times[1] / max(times[0], 1e-9):5.1f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default=None,
                        help="one part only: dev, heldout, fresh, fresh2 or all (default: each, then all)")
    parser.add_argument("--misses", action="store_true", help="list each detail that survives and each span replaced wrongly")
    parser.add_argument("--json", type=Path, help="write the figures as JSON")
    parser.add_argument("--long", action="store_true", help="also time long texts of hostile shapes (a few minutes)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(EVALUATION.parents[3]))
    from cxdash import redaction

    rows = load()
    started = time.perf_counter()
    redaction.engines()
    built = time.perf_counter() - started
    parts = [args.split] if args.split else list(dict.fromkeys(r["split"] for r in rows)) + ["all"]
    out, results = [f"cxdash redaction benchmark: rules version {redaction.VERSION}; engines built in {built:.1f} s"], {}
    for part in parts:
        chosen = [r for r in rows if part == "all" or r["split"] == part]
        started = time.perf_counter()
        result = score(chosen, redaction.find)
        elapsed = time.perf_counter() - started
        results[part] = result
        out += report(f"{part} ({elapsed:.2f} s, {1000 * elapsed / max(1, len(chosen)):.1f} ms a text)", result)
        if args.misses:
            out += [f"    MISSED {i} {c}: {d!r} in {t!r}" for i, c, d, t in result["misses"]]
            out += [f"    WRONGLY {i} {k}: {d!r} in {t!r}" for i, k, d, t in result["false_spans"]]
    if args.long:
        out += hostile(redaction.find)
    print("\n".join(out))
    if args.json:
        args.json.write_text(json.dumps({part: {k: v for k, v in r.items()} for part, r in results.items()},
                                        indent=1, default=list))
    return 0


if __name__ == "__main__":
    sys.exit(main())
