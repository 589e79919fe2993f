"""Tests that start a real server process: a free port, and the first page once it answers."""
from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 30) -> tuple[int, str]:
    """GET as a browser asks for a page (Accept: text/html): signed out, a page redirects to sign-in."""
    request = urllib.request.Request(url, headers={"Accept": "text/html,*/*;q=0.8"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read().decode()


def first_page(url: str, proc: subprocess.Popen, timeout: float = 90,
               output: Callable[[], str] = lambda: "") -> tuple[int, str]:
    """GET url as soon as the server answers; fail with its output if it died or never answered."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return get(url, timeout=5)
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the server at {url} did not answer: {output()}") from None
            time.sleep(0.3)
