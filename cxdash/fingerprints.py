"""Fingerprints of the code behind a computed result, so compute keeps a stored result only while
the code that made it is the code installed (an upgrade that changes it recomputes it)."""
from __future__ import annotations

import hashlib
import importlib
from pathlib import Path


def code(*modules: str) -> str:
    """A short hash of these modules' source files."""
    digest = hashlib.sha256()
    for name in modules:
        digest.update(Path(importlib.import_module(name).__file__).read_bytes())
    return digest.hexdigest()[:16]
