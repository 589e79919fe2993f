"""'cxdash serve' and 'cxdash demo' as real processes: the production server answers with the
scorecard, and a port already taken is one line before anything is built or loaded."""
from __future__ import annotations

import os
import subprocess
import sys

from click.testing import CliRunner

from cxdash.cli import main
from cxdash.db.engine import make_engine

from .serving import first_page, free_port, get
from .signing import add_account, http_sign_in

SECRET = "test-only-secret-key-of-this-suite"


def test_serve_answers_over_http(tmp_path, real_quarterly_path):
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    assert CliRunner().invoke(main, ["init", "--db", url]).exit_code == 0
    assert CliRunner().invoke(main, ["load", "a11-quarterly", str(real_quarterly_path), "--db", url]).exit_code == 0
    engine = make_engine(url)
    add_account(engine)
    engine.dispose()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "cxdash.cli", "serve", "--port", str(port), "--threads", "2",
                             "--db", url],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "CXDASH_SECRET_KEY": SECRET})
    try:
        _, page = first_page(f"http://127.0.0.1:{port}/", proc, 60,
                             lambda: proc.stdout.read() if proc.poll() is not None else "")
        assert "cxdash" in page and 'id="sign-in-form"' in page  # anonymous: sent to sign in
        signed_in = http_sign_in(f"http://127.0.0.1:{port}")
        with signed_in.open(f"http://127.0.0.1:{port}/", timeout=30) as response:
            assert "_dash-config" in response.read().decode()
        with signed_in.open(f"http://127.0.0.1:{port}/_dash-layout", timeout=30) as response:
            assert response.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_serve_on_a_busy_port_is_one_line(tmp_path, busy_port):
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    assert CliRunner().invoke(main, ["init", "--db", url]).exit_code == 0
    done = subprocess.run([sys.executable, "-m", "cxdash.cli", "serve", "--port", str(busy_port), "--db", url],
                          capture_output=True, text=True, timeout=120, env={**os.environ, "CXDASH_SECRET_KEY": SECRET})
    assert done.returncode == 1
    assert done.stderr.strip() == (f"Error: port {busy_port} on 127.0.0.1 is already in use: stop what is using it, "
                                   "or choose another with --port")


def test_demo_checks_the_port_before_loading_anything(tmp_path, busy_port):
    done = subprocess.run([sys.executable, "-m", "cxdash.cli", "demo", "--port", str(busy_port)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "already in use" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == "" and list(tmp_path.iterdir()) == []  # nothing loaded, no database made


def test_serve_without_a_secret_key_or_off_loopback_without_sign_in_is_one_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    assert CliRunner().invoke(main, ["init", "--db", url]).exit_code == 0
    env = {k: v for k, v in os.environ.items() if k != "CXDASH_SECRET_KEY"}
    done = subprocess.run([sys.executable, "-m", "cxdash.cli", "serve", "--port", str(free_port()), "--db", url],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 1 and done.stderr.startswith("Error: CXDASH_SECRET_KEY is not set: ")
    assert len(done.stderr.strip().splitlines()) == 1
    done = subprocess.run([sys.executable, "-m", "cxdash.cli", "serve", "--no-sign-in", "--host", "0.0.0.0",
                           "--port", str(free_port()), "--db", url], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.startswith(
        "Error: --no-sign-in lets anyone who reaches the server change the review record: it listens only on "
        "this computer (--host 127.0.0.1), not on 0.0.0.0")


def test_serve_without_sign_in_says_so_on_every_page(tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    assert CliRunner().invoke(main, ["init", "--db", url]).exit_code == 0
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "CXDASH_SECRET_KEY"}  # not needed without sign-in
    proc = subprocess.Popen([sys.executable, "-m", "cxdash.cli", "serve", "--no-sign-in", "--port", str(port),
                             "--db", url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        _, page = first_page(f"http://127.0.0.1:{port}/", proc, 60)
        assert "_dash-config" in page
        status, layout = get(f"http://127.0.0.1:{port}/_dash-layout")
        assert status == 200 and "Sign-in is off: anyone on this computer can change the review record." in layout
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert "Sign-in is off: anyone on this computer can change the review record." in proc.stdout.read()


def test_demo_serves_and_says_where(tmp_path):
    """From an empty folder: every shipped source loads, then the printed address answers, and
    the demo's account (its password printed) signs in."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "cxdash.cli", "demo", "--port", str(port)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        printed = []
        for line in proc.stdout:  # the server prints where to go once it is about to listen
            printed.append(line)
            if "cxdash serving" in line:
                break
        opened = f"cxdash serving: open http://127.0.0.1:{port}/ in a browser (Ctrl+C to stop)"
        assert printed and printed[-1].strip() == opened, "".join(printed)
        assert not any(": failed;" in line for line in printed), "".join(printed)
        status, page = first_page(f"http://127.0.0.1:{port}/", proc, 60)
        assert status == 200 and "cxdash" in page
        assert (tmp_path / "var" / "cxdash.db").is_file()
        told = next(line for line in printed if line.startswith("sign in as 'demo' with the password "))
        signed_in = http_sign_in(f"http://127.0.0.1:{port}", "demo", told.split()[7])
        with signed_in.open(f"http://127.0.0.1:{port}/_dash-layout", timeout=30) as response:
            assert response.status == 200 and "Demo administrator" in response.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
