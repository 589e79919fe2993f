"""Build the word lists cxdash.redaction ships (cxdash/wordlists/), once, by hand: the names from
Faker's person providers and its English lorem word list (MIT licence), the English words and proper nouns from SCOWL through
Debian's wamerican package (/usr/share/dict/american-english; permissive licence). Re-running it
changes the lists, so raise cxdash.redaction.VERSION with it.

Run (with Faker installed, and Debian's wamerican): python scripts/build_wordlists.py
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import faker
import faker.providers.person as person
from faker.providers.lorem.en_US import Provider as Lorem

OUT = Path(__file__).resolve().parent.parent / "cxdash" / "wordlists"
DICTIONARY = Path("/usr/share/dict/american-english")
LATIN = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ɏ][A-Za-zÀ-ÖØ-öø-ɏ'’\-]+$")


def names() -> tuple[set[str], set[str], list[str]]:
    first, last, locales = set(), set(), []
    for info in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"faker.providers.person.{info.name}").Provider
        got_first, got_last = set(), set()
        for attribute in ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary"):
            value = getattr(provider, attribute, ())
            got_first |= {str(n) for n in value} if isinstance(value, (tuple, list, dict, set)) else set()
        for attribute in ("last_names", "last_names_male", "last_names_female", "last_names_nonbinary"):
            value = getattr(provider, attribute, ())
            got_last |= {str(n) for n in value} if isinstance(value, (tuple, list, dict, set)) else set()
        got_first = {n for n in got_first if LATIN.match(n)}
        got_last = {n for n in got_last if LATIN.match(n)}
        if got_first or got_last:
            locales.append(info.name)
        first |= got_first
        last |= got_last
    return first, last, sorted(locales)


def main() -> None:
    first, last, locales = names()
    lines = DICTIONARY.read_text(encoding="utf-8").splitlines()
    words = {w for w in lines if w[:1].islower() and not w.endswith("'s")}
    people = {n.lower() for n in first | last}
    proper = {w.lower() for w in lines if w[:1].isupper() and not w.endswith("'s") and len(w) > 1} - people
    header = "# {what}. Built by scripts/build_wordlists.py from {source}; see PROVENANCE.md.\n"
    (OUT / "first_names.txt").write_text(
        header.format(what="First names", source=f"Faker {faker.VERSION}, locales {' '.join(locales)}")
        + "".join(f"{n}\n" for n in sorted(first)), encoding="utf-8")
    (OUT / "surnames.txt").write_text(
        header.format(what="Surnames", source=f"Faker {faker.VERSION}, locales {' '.join(locales)}")
        + "".join(f"{n}\n" for n in sorted(last)), encoding="utf-8")
    (OUT / "frequent_words.txt").write_text(
        header.format(what="Frequent English words (a first name that is one of these is ambiguous)",
                      source=f"Faker {faker.VERSION}, faker/providers/lorem/en_US word_list")
        + "".join(f"{w}\n" for w in sorted({w.lower() for w in Lorem.word_list})), encoding="utf-8")
    (OUT / "english_words.txt").write_text(
        header.format(what="English words (lower-case entries, no possessives)", source="SCOWL via Debian wamerican")
        + "".join(f"{w}\n" for w in sorted(words)), encoding="utf-8")
    (OUT / "proper_nouns.txt").write_text(
        header.format(what="Proper nouns that are no name in the name lists (places, brands, ...), lower-cased",
                      source="SCOWL via Debian wamerican") + "".join(f"{w}\n" for w in sorted(proper)), encoding="utf-8")


if __name__ == "__main__":
    main()
