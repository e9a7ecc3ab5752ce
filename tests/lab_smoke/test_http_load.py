"""The HTTP load generator on its own (no lab): bounded, loopback only, records every answer."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.lab.http_load import HttpLoad, Response, Summary, Target


class _App(BaseHTTPRequestHandler):
    """Answers like the lab app's /health; /boom answers 502 like nginx with FPM gone."""

    def do_GET(self):  # noqa: N802
        status = 502 if self.path == "/boom" else 200
        body = json.dumps({"version": "v1", "release": "r1", "pid": 7}).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _App)
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield Target("local", "127.0.0.1", srv.server_address[1])
    srv.shutdown()
    srv.server_close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once it is closed


def test_a_count_capped_load_stops_by_itself_and_records_every_answer(server):
    load = HttpLoad([server], rate=200, count=25, duration=30).start()
    summary = load.wait()
    assert not load.running
    assert summary.total == 25 and summary.failed == []
    assert summary.by_version() == {"v1": 25} and summary.by_release() == {"r1": 25}
    assert all(r.pid == 7 and r.done >= r.sent for r in summary.responses)


def test_a_duration_capped_load_stops_by_itself(server):
    summary = HttpLoad([server], rate=50, duration=0.3).start().wait()
    assert 1 <= summary.total <= 16  # about 15 ticks in 0.3 s at 50/s; never unbounded


def test_5xx_and_connection_errors_are_failures(server):
    dead = Target("dead", "127.0.0.1", closed_port())
    with HttpLoad([server, dead], rate=100, count=10) as load:
        summary = load.wait()
    assert summary.total == 10
    failed = summary.failed
    assert len(failed) == 5 and {r.target for r in failed} == {"dead"}
    assert all(r.status is None and "ConnectionRefused" in r.error for r in failed)
    boom = HttpLoad([server], rate=100, count=3, path="/boom").start().wait()
    assert [r.status for r in boom.failed] == [502, 502, 502]


def test_only_loopback_targets_are_accepted():
    with pytest.raises(ValueError, match="127.0.0.0/8"):
        HttpLoad([Target("out", "10.0.0.1", 80)])


def test_summary_answers_which_release_served_after_a_moment():
    def r(sent, version, status=200):
        return Response("h1", sent, sent + 0.01, status, None, version, f"rel-{version}", 1)

    s = Summary((r(1.0, "v1"), r(2.0, "v1"), r(3.0, "v2"), r(3.5, "v1", 502), r(4.0, "v2")))
    assert [x.sent for x in s.served_after(2.0, version="v1")] == [2.0]
    assert [x.sent for x in s.served_after(2.5, release="rel-v2")] == [3.0, 4.0]
    assert s.last(version="v1").sent == 2.0
    assert len(s.failed) == 1 and "1 failed" in s.text()
