"""The webhook, received by a real HTTP server on 127.0.0.1: start, success and failure messages
in Slack's shape; a failing webhook never fails the ship and never shows its URL."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading

import pytest

from deploytool.config import load_inventory
from deploytool.events import Bus
from deploytool.notify import Webhook, subscribe

from .events import failed, shipped

TOKEN = "T000/B000/very-secret-token"


class Hook:
    """An HTTP server on 127.0.0.1 that records POSTed JSON and answers with `status`."""

    def __init__(self, status: int = 200):
        self.status, self.bodies = status, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.bodies.append((self.path, self.headers["Content-Type"], json.loads(body)))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/{TOKEN}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook():
    h = Hook()
    yield h
    h.close()


def play(events, sub):
    bus = Bus()
    bus.subscribe(sub)
    for e in events:
        bus.emit(e)
    sub.close()


def test_start_and_success_arrive_in_slack_shape(hook):
    play(shipped(), Webhook(hook.url, deployer="alice@ci"))
    assert [(p, t) for p, t, _ in hook.bodies] == [(f"/services/{TOKEN}", "application/json")] * 2
    start, done = (b for _, _, b in hook.bodies)
    assert start["text"] == ":rocket: ship *production* `v2` started by alice@ci on 3 host(s)"
    assert (
        done["text"]
        == ":white_check_mark: ship *production* `v2`: shipped `20260101T000000Z-e3bbaff` in 9.7s"
    )
    fields = {f["title"]: f["value"] for f in done["attachments"][0]["fields"]}
    assert done["attachments"][0]["color"] == "good"
    assert fields["drain"] == "6.1s, 4 old worker(s), waited for 1 job(s) in progress"
    assert fields["steps"].startswith("pull 400ms, install 900ms")


def test_failure_carries_the_step_the_error_and_what_next(hook):
    play(failed(), Webhook(hook.url, on=("failure",)))
    ((_, _, body),) = hook.bodies  # only what was asked for
    assert body["text"].startswith(
        ":x: ship production v3: FAILED at install (exit 1): h1: install:"
    )
    assert body["attachments"][0]["color"] == "danger"
    assert {f["title"]: f["value"] for f in body["attachments"][0]["fields"]}[
        "next"
    ] == "fix composer.lock, then ship again"


@pytest.mark.parametrize("broken", ["http-500", "refused"])
def test_a_failing_webhook_never_fails_the_ship_and_never_shows_its_url(broken):
    warnings = []
    if broken == "http-500":
        server = Hook(status=500)
        url = server.url
    else:
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            url = f"http://127.0.0.1:{s.getsockname()[1]}/services/{TOKEN}"
        server = None
    try:
        play(shipped(), Webhook(url, warn=warnings.append))
    finally:
        if server:
            server.close()
    assert len(warnings) == 2 and all("the ship is not affected" in w for w in warnings)
    assert all(TOKEN not in w and url not in w for w in warnings)
    assert (
        ("HTTP 500" in warnings[0]) if broken == "http-500" else ("refused" in warnings[0].lower())
    )


INVENTORY = """\
application:
  name: shop
  repository: /nowhere.git
  deploy_path: /srv/app
  notify: {{webhook: "${{env:DT_TEST_HOOK}}"}}
stages:
  production:
    confirm: true
    ssh: {{user: deploy, connect_timeout: 2s, known_hosts: /dev/null}}
    hosts: [{{address: 127.0.0.1, port: {port}, migrate: true}}]
"""


def test_a_real_ship_notifies_start_and_failure_and_never_prints_the_url(hook, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: connect is refused
    inv = tmp_path / "inventory.yml"
    inv.write_text(INVENTORY.format(port=port))
    env = {**os.environ, "CI": "1", "DT_TEST_HOOK": hook.url}
    proc = subprocess.run(
        [sys.executable, "-m", "deploytool.cli", "ship", "production", "-i", str(inv)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 4, proc.stderr  # UNREACHABLE; no prompt without a TTY
    texts = [b["text"] for _, _, b in hook.bodies]
    assert texts[0].startswith(":rocket: ship *production*") and texts[1].startswith(
        ":x: ship production"
    )
    assert TOKEN not in proc.stdout + proc.stderr


def test_config_makes_the_url_a_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("DT_TEST_HOOK", f"https://hooks.example.com/services/{TOKEN}")
    inv = tmp_path / "inventory.yml"
    inv.write_text(INVENTORY.format(port=22))
    loaded = load_inventory(inv)
    assert loaded.application.notify.on == ("start", "success", "failure")
    assert f"https://hooks.example.com/services/{TOKEN}" in loaded.secrets()
    assert TOKEN not in repr(loaded.application.notify)
    bus = Bus()
    assert isinstance(subscribe(bus, loaded), Webhook)
