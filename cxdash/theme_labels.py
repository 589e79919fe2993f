"""Editable names of feedback themes (config/themes.yaml): a theme whose top terms hold every key
word of an entry takes the entry's label, so an agency can name the themes it knows in its own
words. Read and validated like every configuration file; a mistake names the file and the key."""
from __future__ import annotations

import hashlib
import re

from pydantic import Field, field_validator, model_validator

from cxdash import paths
from cxdash.catalogue import _Strict, load_yaml_as

FILE = "themes.yaml"
_KEYWORD = re.compile(r"^[^\W\d_]{2,}$")


class ThemeLabel(_Strict):
    label: str = Field(min_length=1, max_length=80, description="the theme's name as readers see it")
    keywords: list[str] = Field(min_length=1, description="words the theme's top terms must all hold")

    @field_validator("keywords")
    @classmethod
    def _words(cls, keywords: list[str]) -> list[str]:
        bad = [k for k in keywords if not _KEYWORD.match(k) or k != k.lower()]
        if bad:
            raise ValueError(f"keywords {bad} are not single lower-case words of two or more letters "
                             "(theme terms are such words)")
        return keywords


class ThemeLabels(_Strict):
    version: int = Field(1, ge=1, le=1)
    labels: list[ThemeLabel] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> ThemeLabels:
        names = [entry.label for entry in self.labels]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"label(s) {doubled} are given twice; each theme name must be unique")
        return self

    def pairs(self) -> list[tuple[list[str], str]]:
        """(key words, label) in file order, as metrics.themes.find_themes takes them."""
        return [(entry.keywords, entry.label) for entry in self.labels]


def load_theme_labels() -> ThemeLabels:
    """The agency's themes.yaml, else the shipped one; none at all means no configured names."""
    path = paths.config_file(FILE)
    return load_yaml_as(path, ThemeLabels) if path.is_file() else ThemeLabels()


def fingerprint() -> str:
    """Changes when the configured names change, so compute names the themes again."""
    return hashlib.sha256(repr(load_theme_labels().pairs()).encode()).hexdigest()[:16]
