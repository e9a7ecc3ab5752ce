"""Notifications: a Slack-compatible webhook told when a ship starts, succeeds or fails.

The payload is what Slack's incoming webhooks read (`text`, plus one legacy attachment with a
colour and fields); Mattermost, Rocket.Chat and Discord's /slack endpoint read the same. A
webhook that fails (refused, slow, 500) is reported on stderr and never fails or slows the ship
by more than TIMEOUT: the start message is sent in the background, the final one waits at most
TIMEOUT. The URL is a credential (Slack's carry the token in the path): it is a Secret, redacted
from every output, and never printed, not even in an error.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Sequence

from . import events as ev
from .config.durations import format_duration
from .redaction import redact
from .ui.summary import Summary

TIMEOUT = 5.0
COLOR = {"start": "#439FE0", "success": "good", "failure": "danger"}


def post_json(url: str, payload: dict, timeout: float = TIMEOUT) -> None:
    if not url.startswith(("https://", "http://")):
        raise ValueError("the webhook must be an http(s) URL")
    import urllib.request  # here, not at the top: 50-250 ms of every start-up, for a webhook only

    req = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "deploytool"},
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - scheme checked above
        resp.read()


def payload(kind: str, s: Summary, deployer: str = "") -> dict:
    if kind == "start":
        text = (
            f":rocket: {s.command} *{s.stage}* `{s.ref}` started"
            + (f" by {deployer}" if deployer else "")
            + f" on {len(s.hosts)} host(s)"
        )
    elif kind == "success":
        text = (
            f":white_check_mark: {s.command} *{s.stage}* `{s.ref}`: shipped `{s.release}` in "
            f"{format_duration(s.duration)}"
        )
    else:
        text = f":x: {s.headline()}"
    fields = [
        {"title": "stage", "value": s.stage, "short": True},
        {"title": "ref", "value": s.ref, "short": True},
        {"title": "hosts", "value": ", ".join(s.hosts), "short": False},
    ]
    if s.release:
        fields.append({"title": "release", "value": s.release, "short": True})
    if s.commit:
        fields.append({"title": "commit", "value": s.commit[:12], "short": True})
    if kind != "start":
        if s.steps:
            fields.append(
                {
                    "title": "steps",
                    "value": ", ".join(
                        f"{n} {format_duration(d)}" + ("" if ok else " FAILED")
                        for n, d, ok in s.steps
                    ),
                    "short": False,
                }
            )
        if s.drain_line():
            fields.append({"title": "drain", "value": s.drain_line(), "short": False})
        if kind == "failure" and s.hint:
            fields.append({"title": "next", "value": s.hint, "short": False})
    return {
        "text": text,
        "attachments": [
            {
                "color": COLOR[kind],
                "fallback": text,
                "fields": fields,
                **({"footer": deployer} if deployer else {}),
            }
        ],
    }


class Webhook:
    """A bus subscriber. `post` and `warn` are injected so tests can watch without a network."""

    def __init__(
        self,
        url: str,
        on: Sequence[str] = ("start", "success", "failure"),
        deployer: str = "",
        post: Callable[[str, dict], None] = post_json,
        warn: Callable[[str], None] | None = None,
    ):
        self.url, self.on, self.deployer = url, tuple(on), deployer
        self.post = post
        self.warn = warn or (lambda m: sys.stderr.write(f"deploytool: warning: {m}\n"))
        self.summary = Summary()
        self.pending: list[threading.Thread] = []

    def __call__(self, e: ev.Event) -> None:
        self.summary(e)
        if isinstance(e, ev.ShipStarted) and "start" in self.on:
            t = threading.Thread(
                target=self.send, args=("start",), name="deploytool-notify", daemon=True
            )
            t.start()
            self.pending.append(t)
        elif isinstance(e, ev.ShipFinished):
            kind = "success" if e.ok else "failure"
            if kind in self.on:
                self.close()  # the start message goes first
                self.send(kind)

    def send(self, kind: str) -> None:
        try:
            self.post(self.url, payload(kind, self.summary, self.deployer))
        except Exception as e:  # a notification never fails the ship
            self.warn(
                f"the {kind} notification was not delivered ({self._describe(e)}); the ship is "
                "not affected"
            )

    def _describe(self, e: Exception) -> str:
        import urllib.error

        if isinstance(e, urllib.error.HTTPError):
            text = f"HTTP {e.code}"
        elif isinstance(e, urllib.error.URLError):
            text = str(e.reason)
        else:
            text = str(e) or type(e).__name__
        return redact(text, [self.url])

    def close(self) -> None:
        for t in self.pending:
            t.join(TIMEOUT)
        self.pending = []


def subscribe(
    bus, inventory, deployer: str = "", warn: Callable[[str], None] | None = None
) -> Webhook | None:
    """Subscribe the inventory's webhook, if it has one. `warn` is where a failed delivery is
    said (the command's stderr: not an event, since it is said from inside a bus callback)."""
    n = inventory.application.notify
    if n is None:
        return None
    hook = Webhook(str(n.webhook), n.on, deployer, warn=warn)
    bus.subscribe(hook)
    return hook
