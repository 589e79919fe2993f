"""Waiting in browser tests: poll until the page shows what a step expects, or fail saying what
never came. A stale element (Dash re-rendered the part under us) counts as 'not yet'."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from selenium.common.exceptions import StaleElementReferenceException


def wait_until(check: Callable[[], object], failure: str | Callable[[], str], timeout: float = 15.0,
               interval: float = 0.2):
    """check()'s first truthy result; else an AssertionError with ``failure`` (or its result)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = check()
        except StaleElementReferenceException:
            result = None
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(failure() if callable(failure) else failure)


def downloaded(folder: Path, suffix: str, timeout: float = 40.0) -> Path:
    """The file with ``suffix`` that Chromium finished downloading into ``folder``."""
    def finished():
        files = list(folder.iterdir())
        done = [p for p in files if p.suffix == suffix]
        return done[0] if done and not any(p.suffix == ".crdownload" for p in files) else None
    return wait_until(finished, f"no {suffix} file downloaded into {folder}", timeout, 0.25)
