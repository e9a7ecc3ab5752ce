"""A bounded HTTP load generator for the lab's web tier: loopback only, stops by itself.

    with HttpLoad(lab.web.targets(), rate=20, duration=60) as load:
        ...  # deploytool ship, a reload, a switch by hand
    s = load.summary()
    s.failed                             # 5xx answers and connection errors
    s.served_after(switched_at, "v1")    # responses the old code gave after a moment

Requests go round-robin over the targets at `rate` per second (open loop: a slow answer does
not slow the schedule, up to `concurrency` requests in flight), each on a fresh connection, until
`duration` seconds or `count` requests, whichever comes first, or stop(). Every response is
recorded: when it was sent and answered, the target, the status or the connection error, and
the version, release and FPM pid from the app's JSON (/health, /sleep/{ms}).
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import threading
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

MAX_DURATION = 600.0  # s: no load runs longer, whatever the caller asks
MAX_RATE = 500.0  # requests per second


@dataclass(frozen=True)
class Target:
    name: str  # the lab host, h1
    address: str  # 127.x.y.z
    port: int


@dataclass(frozen=True)
class Response:
    target: str
    sent: float  # Unix time the request was sent
    done: float  # Unix time the answer (or the error) came
    status: int | None  # None: no HTTP answer at all
    error: str | None  # the connection error, or why the body was not the app's JSON
    version: str | None = None
    release: str | None = None
    pid: int | None = None  # the FPM worker that answered (inside its host)

    @property
    def failed(self) -> bool:
        """A 5xx or no answer: what a user of the site would have seen break."""
        return self.status is None or self.status >= 500


@dataclass(frozen=True)
class Summary:
    responses: tuple[Response, ...]

    @property
    def total(self) -> int:
        return len(self.responses)

    @property
    def failed(self) -> list[Response]:
        return [r for r in self.responses if r.failed]

    def by_version(self) -> Counter:
        return Counter(r.version for r in self.responses if not r.failed)

    def by_release(self) -> Counter:
        return Counter(r.release for r in self.responses if not r.failed)

    def served_after(
        self, moment: float, version: str | None = None, release: str | None = None
    ) -> list[Response]:
        """Answers to requests sent at or after `moment` (Unix time) by that version/release."""
        return [
            r
            for r in self.responses
            if r.sent >= moment
            and not r.failed
            and version in (None, r.version)
            and release in (None, r.release)
        ]

    def last(self, version: str | None = None, release: str | None = None) -> Response | None:
        """The latest-sent answer from that version/release."""
        hits = self.served_after(0, version, release)
        return max(hits, key=lambda r: r.sent) if hits else None

    def text(self) -> str:
        """One line for a test's failure message or a report."""
        errors = Counter(r.error or str(r.status) for r in self.failed)
        return (
            f"{self.total} requests, {len(self.failed)} failed {dict(errors)}, "
            f"by version {dict(self.by_version())}"
        )


def _loopback(address: str) -> str:
    if not ipaddress.ip_address(address).is_loopback:
        raise ValueError(f"http_load only talks to 127.0.0.0/8, not {address}")
    return address


def request(target: Target, path: str, timeout: float) -> Response:
    """One GET on a fresh connection, recorded whatever happens."""
    sent = time.time()
    conn = http.client.HTTPConnection(target.address, target.port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close", "Host": target.name})
        resp = conn.getresponse()
        body = resp.read()
    except (OSError, http.client.HTTPException) as exc:
        return Response(target.name, sent, time.time(), None, f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()
    done = time.time()
    try:
        data = json.loads(body)
        return Response(
            target.name,
            sent,
            done,
            resp.status,
            None,
            data.get("version"),
            data.get("release"),
            data.get("pid"),
        )
    except (ValueError, AttributeError):
        return Response(target.name, sent, done, resp.status, f"not JSON: {body[:80]!r}")


class HttpLoad:
    def __init__(
        self,
        targets: Iterable[Target],
        rate: float = 20,
        duration: float = 30,
        count: int | None = None,
        path: str = "/health",
        timeout: float = 10,
        concurrency: int = 16,
    ):
        self.targets = [Target(t.name, _loopback(t.address), t.port) for t in targets]
        if not self.targets:
            raise ValueError("http_load needs at least one target")
        if not 0 < rate <= MAX_RATE:
            raise ValueError(f"rate must be in (0, {MAX_RATE:g}] requests/s, not {rate}")
        self.rate, self.path, self.timeout = rate, path, timeout
        self.duration = min(duration, MAX_DURATION)
        self.count = count
        self.concurrency = concurrency
        self._responses: list[Response] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.started: float | None = None

    def start(self) -> HttpLoad:
        self.started = time.time()
        self._thread = threading.Thread(target=self._run, name="http-load", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> Summary:
        """Stop sending; wait for the requests in flight (each bounded by `timeout`)."""
        self._stop.set()
        if self._thread:
            self._thread.join(self.duration + self.timeout + 5)
        return self.summary()

    def wait(self) -> Summary:
        """Wait until the load ends by itself (duration or count)."""
        if self._thread:
            self._thread.join(self.duration + self.timeout + 5)
        return self.summary()

    def __enter__(self) -> HttpLoad:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return bool(self._thread and self._thread.is_alive())

    def summary(self) -> Summary:
        with self._lock:
            return Summary(tuple(sorted(self._responses, key=lambda r: r.sent)))

    def _record(self, target: Target) -> None:
        r = request(target, self.path, self.timeout)
        with self._lock:
            self._responses.append(r)

    def _run(self) -> None:
        begin = time.monotonic()
        gate = threading.Semaphore(self.concurrency)
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="http-load") as pool:
            i = 0
            while not self._stop.is_set() and (self.count is None or i < self.count):
                due = begin + i / self.rate
                if due - begin >= self.duration:
                    break
                if self._stop.wait(max(0.0, due - time.monotonic())):
                    break
                target = self.targets[i % len(self.targets)]
                i += 1
                if not gate.acquire(timeout=self.timeout):
                    continue  # every slot busy past the timeout: skip this tick
                pool.submit(self._record, target).add_done_callback(lambda _: gate.release())
