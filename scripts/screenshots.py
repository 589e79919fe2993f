"""Make the README's pictures from the sample data: every page at 1440 px (its first screens;
Operations from the city 311 example, whose catalog names the case records' services) and slide
2 of the review pack, rendered through LibreOffice.

    .venv/bin/python scripts/screenshots.py [--out docs]

Needs what the browser tests need (Chromium and chromedriver, the test extra) and LibreOffice.
Runs 'cxdash demo --no-serve' into a temporary folder, serves it without sign-in on a free port
of this computer only, and writes the PNG files to --out.
"""
from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

# The journey of the sample service with several stages (each real A-11 service reports one stage).
JOURNEY = "/journey?quarter=FY2022Q4&provider=Synthetic+example+provider&service=Example+web+contact+form+%28synthetic%29"
PAGES = {"scorecard": "/", "journey": JOURNEY, "service": "/service",
         "voice": "/voice", "equity": "/equity", "review": "/review", "portfolio": "/portfolio",
         "maturity": "/maturity", "data": "/data"}
CITY_PAGES = {"operations": "/operations?quarter=FY2018Q1&provider=Office+of+Community+Beautification&service=Graffiti+Removal"}
WIDTH, HEIGHT = 1440, 1800  # a wide screen, and as much of the page as a reader sees in two screens
SLIDE_SCALE = 1.5  # 13.33 x 7.5 in at 72 dpi x 1.5: 1440 px wide


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cxdash(*args: str) -> None:
    subprocess.run([str(Path(sys.executable).with_name("cxdash")), *args], check=True)


def pages(url: str, out: Path, shown: dict[str, str]) -> None:
    from selenium import webdriver
    options = webdriver.ChromeOptions()
    for flag in ("--headless", "--no-sandbox", "--hide-scrollbars"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options)
    try:
        driver.set_window_size(WIDTH, HEIGHT)
        for name, path in shown.items():
            driver.get(url + path)
            time.sleep(2)
            driver.execute_script("return new Promise(r => { const wait = () => document.querySelector("
                                  "'._dash-loading') ? setTimeout(wait, 200) : setTimeout(r, 1500); wait(); });")
            driver.save_screenshot(str(out / f"{name}.png"))
            print("wrote", out / f"{name}.png")
    finally:
        driver.quit()


def slide_two(db: str, folder: Path, out: Path) -> None:
    import pypdfium2
    cxdash("review-pack", "--format", "pdf", "--out", str(folder), "--db", db)
    pdf = pypdfium2.PdfDocument(next(folder.glob("*.pdf")))
    pdf[1].render(scale=SLIDE_SCALE).to_pil().save(out / "slide-2.png")
    print("wrote", out / "slide-2.png")


def demo_pages(folder: Path, out: Path, shown: dict[str, str], example: str | None = None) -> str:
    """Load a demo (the federal sample, or a shipped example) into ``folder``, serve it and take
    ``shown``; the database's URL."""
    from cxdash import paths
    db = f"sqlite:///{folder / 'cx.db'}"
    config = ["--config-dir", str(paths.example_dir(example))] if example else []
    cxdash("demo", "--no-serve", "--db", db, *(["--example", example] if example else []))
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).with_name("cxdash")), *config, "serve", "--db", db,
                               "--no-sign-in", "--port", str(port)])
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(60):
            try:
                urllib.request.urlopen(url + "/", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        pages(url, out, shown)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        db = demo_pages(Path(folder), out, PAGES)
        slide_two(db, Path(folder), out)
    with tempfile.TemporaryDirectory() as folder:  # case records: the city example's catalog names their services
        demo_pages(Path(folder), out, CITY_PAGES, example="city")


if __name__ == "__main__":
    main()
