"""'cxdash serve' as a real process: the production server answers with the scorecard."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

from click.testing import CliRunner

from cxdash.cli import main


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_over_http(tmp_path, real_quarterly_path):
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    assert CliRunner().invoke(main, ["init", "--db", url]).exit_code == 0
    assert CliRunner().invoke(main, ["load", "a11-quarterly", str(real_quarterly_path), "--db", url]).exit_code == 0
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "cxdash.cli", "serve", "--port", str(port), "--db", url],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    page = response.read().decode()
                    break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise AssertionError(f"server did not answer: {proc.stdout.read() if proc.poll() is not None else ''}")
                time.sleep(0.3)
        assert "cxdash" in page and "_dash-config" in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_dash-layout", timeout=10) as response:
            assert response.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)
