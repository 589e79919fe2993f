"""Build evaluation.jsonl from the marked-up evaluation.txt: each text with its personal details
as character spans and categories, and its split (a fixed quarter, chosen by a hash of the text,
is held out from rule development; the texts after a line "# split: NAME" were written after the
rules were frozen, later held-out parts). Run: python tests/data/redaction/make_jsonl.py"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

HERE = Path(__file__).parent
CATEGORIES = ("name", "email", "phone", "address", "dob", "id", "ssn")
_MARK = re.compile(r"\{\{(" + "|".join(CATEGORIES) + r"):(.+?)\}\}")


def parse(line: str) -> tuple[str, list[dict]]:
    """'Mr. {{name:Okonkwo}} called' -> ('Mr. Okonkwo called', [{start 4, end 11, name}])."""
    line = line.replace("\\n", "\n")
    text, details, at = "", [], 0
    for m in _MARK.finditer(line):
        text += line[at:m.start()]
        details.append({"start": len(text), "end": len(text) + len(m.group(2)), "category": m.group(1),
                        "detail": m.group(2)})
        text += m.group(2)
        at = m.end()
    text += line[at:]
    if "{{" in text or "}}" in text:
        raise ValueError(f"unparsed mark in {line!r}")
    return text, details


def split_of(text: str) -> str:
    return "heldout" if int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % 4 == 0 else "dev"


def records(source: Path = HERE / "evaluation.txt") -> list[dict]:
    out, later = [], None
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.startswith("# split: "):
            later = line.split(":", 1)[1].strip()  # written after the rules were frozen: a later held-out part
        if not line.strip() or line.startswith("#"):
            continue
        text, details = parse(line)
        out.append({"id": f"r{len(out) + 1:03d}", "split": later or split_of(text), "text": text,
                    "details": details})
    return out


def render(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


if __name__ == "__main__":
    (HERE / "evaluation.jsonl").write_text(render(records()), encoding="utf-8")
