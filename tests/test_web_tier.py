"""A web tier that only serves (issue 15): a chart download never renders a figure the browser
sends (a crafted figure whose images point at file:// and at a server on 127.0.0.1, with 100k
points, is answered with words only, and nothing is fetched); expensive endpoints are rate
limited per signed-in user (chart and CSV downloads, pack requests) and per address (sign-in),
with a message in the page for Dash callbacks and a 429 for the sign-in form."""
from __future__ import annotations

import http.server
import importlib
import json
import re
import threading
from pathlib import Path

import plotly.graph_objects as go
import pytest

from cxdash.dashboard.app import create_app
from cxdash.dashboard.views import review_page
from cxdash.db import review_queries

from .signing import add_account, form_token, signed_in_client

CHART = "scorecard-status"  # the scorecard's status chart: its downloads are on the first page


@pytest.fixture(scope="module")
def db(computed_sqlite):
    add_account(computed_sqlite, role="review_lead")  # builds packs (the pack-request limit)
    add_account(computed_sqlite, "second.analyst", name="Second Analyst")
    return computed_sqlite


@pytest.fixture
def listener():
    """An HTTP server on 127.0.0.1 that records every request made to it."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def _crafted_figure(url: str) -> dict:
    figure = go.Figure(go.Scattergl(x=list(range(100_000)), y=list(range(100_000))))
    for source in (f"{url}/secret.png", "file:///etc/passwd", "file:///etc/hostname"):
        figure.add_layout_image(source=source, x=0, y=1, sizex=1, sizey=1, xref="paper", yref="paper")
    figure.add_trace(go.Image(source=f"{url}/trace.png"))
    return figure.to_dict()


def _export_output(client) -> str:
    return next(d["output"] for d in client.get("/_dash-dependencies").json if "chart-request" in str(d["inputs"]))


def _download_request(output: str, fmt: str, spec: dict) -> dict:
    chart = {"chart": CHART}
    return {"output": output,
            "outputs": [{"id": {**chart, "type": t}, "property": p}
                        for t, p in (("chart-file", "data"), ("chart-image", "data"), ("chart-message", "children"))],
            "inputs": [{"id": {**chart, "type": "chart-request"}, "property": "data",
                        "value": {"format": fmt, "chart": CHART, "path": "/", "search": "?quarter=FY2023Q1", "at": 1}}],
            "state": [{"id": {**chart, "type": "chart-spec"}, "property": "data", "value": spec}],
            "changedPropIds": [json.dumps({**chart, "type": "chart-request"}, separators=(",", ":")) + ".data"]}


def test_a_crafted_figure_sent_with_a_download_is_never_rendered(db, catalogue, listener):
    url, hits = listener
    app = create_app(db, catalogue)
    client = signed_in_client(app)
    output = _export_output(client)
    spec = {"title": "Where the measures stand", "takeaway": "Of 10 measures.", "rows": [["a"], ["b"]],
            "figure": _crafted_figure(url)}
    for fmt in ("png", "svg"):
        answer = client.post("/_dash-update-component", json=_download_request(output, fmt, spec))
        assert answer.status_code == 200, answer.text[:500]
        image = answer.json["response"][json.dumps({"chart": CHART, "type": "chart-image"}, separators=(",", ":"))]
        # Words for the browser's own export, from server state; no image, no figure.
        assert set(image["data"]) == {"chart", "format", "filename", "title", "takeaway", "footer", "width",
                                      "height", "at"}
        assert image["data"]["filename"] == "where-the-measures-stand-fy2023-q1"
        assert "Data as of 31 Dec 2022" in image["data"]["footer"]
        assert "secret" not in answer.text and "passwd" not in answer.text and "iVBOR" not in answer.text
        assert len(answer.data) < 5_000
    # The request of the callback that rendered the figure sent (one output: the file) finds no
    # callback to answer it now.
    old = {**_download_request(output, "png", spec), "output": '{"chart":["MATCH"],"type":"chart-file"}.data'}
    old["outputs"] = old["outputs"][0]
    refused = client.post("/_dash-update-component", json=old)
    assert "iVBOR" not in refused.text and "base64" not in refused.text, refused.text[:300]
    assert hits == []  # nothing on this machine was asked for anything
    # Nor can a later change quietly render one: no module of cxdash calls plotly's image renderer.
    folders = [Path(importlib.import_module(name).__file__).parent
               for name in ("cxdash", "cxdash.dashboard", "cxdash.loaders", "cxdash.metrics")]
    renders = [p.name for folder in folders for p in folder.rglob("*.py")
               if re.search(r"\b(to_image|write_image|kaleido)\b", p.read_text(encoding="utf-8"))]
    assert renders == []


def test_chart_and_csv_downloads_are_limited_per_signed_in_user(db, catalogue, monkeypatch):
    monkeypatch.setenv("CXDASH_RATELIMIT_EXPORTS", "3 per minute")
    app = create_app(db, catalogue)
    client = signed_in_client(app)
    output = _export_output(client)
    spec = {"title": "Status", "takeaway": "", "rows": [["Status", "Measures"], ["On track", 3]]}
    answers = [client.post("/_dash-update-component", json=_download_request(output, "csv", spec)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200] * 4  # a Dash callback: the page keeps working
    message = json.dumps({"chart": CHART, "type": "chart-message"}, separators=(",", ":"))
    files = json.dumps({"chart": CHART, "type": "chart-file"}, separators=(",", ":"))
    assert all(a.json["response"][files]["data"]["content"].startswith("Status,Measures") for a in answers[:3])
    last = answers[3].json["response"]
    assert files not in last and "Too many chart downloads" in last[message]["children"]
    # Another person is counted apart.
    other = signed_in_client(app, "second.analyst")
    assert files in other.post("/_dash-update-component", json=_download_request(output, "csv", spec)).json["response"]


def test_pack_requests_are_limited_per_signed_in_user(db, catalogue, monkeypatch):
    engine = db
    monkeypatch.setenv("CXDASH_RATELIMIT_PACK_BUILDS", "2 per minute")
    app = create_app(engine, catalogue)
    client = signed_in_client(app)
    with app.server.test_request_context("/review", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                         headers={"Cookie": _cookie(client)}):
        assert app.server.preprocess_request() is None  # the sign-in guard: signed in
        answers = [review_page.start_build({"quarter": "FY2023Q1"}, fmt) for fmt in ("pptx", "pdf", "pptx")]
    assert [a[0] for a in answers[:2]] == [p["id"] for p in reversed(review_queries.packs(engine, 2023, 1))]
    assert "Too many review pack requests" in str(answers[2][3]) and answers[2][0] is review_page.no_update


def _cookie(client) -> str:
    cookie = client.get_cookie("cxdash_session")
    return f"cxdash_session={cookie.value}"


def test_sign_in_attempts_are_limited_per_address(db, catalogue, monkeypatch):
    monkeypatch.setenv("CXDASH_RATELIMIT_SIGN_IN", "3 per minute")
    app = create_app(db, catalogue)
    client = app.server.test_client()
    token = form_token(client.get("/sign-in").text)
    wrong = {"csrf_token": token, "username": "analyst", "password": "not the password", "next": "/"}
    assert [client.post("/sign-in", data=wrong).status_code for _ in range(3)] == [401] * 3
    limited = client.post("/sign-in", data={**wrong, "password": "test-only password, not a secret"})
    assert limited.status_code == 429 and 0 < int(limited.headers["Retry-After"]) <= 60
    assert "Too many attempts" in limited.text
    assert client.get("/sign-in").status_code == 200  # the page itself still opens
    elsewhere = app.server.test_client()  # another address is counted apart
    page = elsewhere.get("/sign-in", environ_base={"REMOTE_ADDR": "10.0.0.7"})
    answer = elsewhere.post("/sign-in", data={**wrong, "csrf_token": form_token(page.text)},
                            environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert answer.status_code == 401
