"""The e2e ring: `deploytool ship` as a subprocess against the real lab fleet.

One lab per test session (sshd hosts in namespaces, supervisord workers, Redis, MariaDB), on
its own loopback addresses and ports so it never collides with a developer's `invoke lab.up`.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from tests.lab.lab import Lab
from tests.lab.procs import wait_until
from tests.lab.slots import slot

# Several developers (and CI) may run labs side by side: each picks its own addresses and ports.
# With pytest-xdist every worker gets its own lab (tests/lab/slots.py).
E2E_ROOT, E2E_PREFIX, E2E_REDIS, E2E_MARIADB = slot(
    Path(os.environ.get("DEPLOYTOOL_E2E_LAB", "/tmp/deploytool-e2e")),
    os.environ.get("DEPLOYTOOL_E2E_PREFIX", "127.22.0"),
    int(os.environ.get("DEPLOYTOOL_E2E_REDIS", "6393")),
    int(os.environ.get("DEPLOYTOOL_E2E_MARIADB", "3393")),
)


@pytest.fixture(scope="session")
def lab():
    lab = Lab(
        E2E_ROOT,
        hosts=3,
        workers=2,
        address_prefix=E2E_PREFIX,
        redis_port=E2E_REDIS,
        mariadb_port=E2E_MARIADB,
    )
    drop_stale_firewall_rules(E2E_PREFIX)
    if lab.is_up():
        lab.down()
    lab.up()
    try:
        yield lab
    finally:
        lab.down()


def drop_stale_firewall_rules(prefix: str) -> None:
    """Fault tests add iptables rules for lab addresses and remove them in `finally`; a test run
    killed mid-test cannot, and its DROP would keep the next lab's sshd unreachable."""
    for chain in ("INPUT", "OUTPUT"):
        listed = subprocess.run(["iptables", "-S", chain], capture_output=True, text=True)
        for rule in listed.stdout.splitlines():
            if rule.startswith("-A ") and f"-d {prefix}." in rule:
                subprocess.run(["iptables", "-D", *rule.split()[1:]], capture_output=True)


# The lab's long-running processes as worker kinds (tests/lab/README.md, "Process kinds"): the
# queue workers, the scheduler, the long command it runs, the daemon that traps SIGTERM.
LAB_KINDS = [
    {
        "name": "queue",
        "pattern": "artisan queue:work",
        "restart": "queue:restart",
        "user": "deploy",
    },
    {"name": "scheduler", "pattern": "artisan schedule:work", "restart": "TERM", "user": "deploy"},
    {
        "name": "scheduled",
        "pattern": "artisan ledger:long",
        "restart": "none",
        "user": "deploy",
        "drain": {"deadline": "90s", "on_timeout": "abort"},
    },
    {"name": "daemon", "pattern": "artisan lab:daemon", "restart": "TERM", "user": "deploy"},
]


def write_inventory(lab: Lab, path: Path, **overrides) -> Path:
    """The lab's inventory with application-level overrides (dicts merge one level deep)."""
    data = yaml.safe_load(lab.inventory_path.read_text())
    app = data["application"]
    for key, value in overrides.items():
        if key == "ssh":
            data["stages"]["lab"]["ssh"].update(value)
        elif isinstance(value, dict) and isinstance(app.get(key), dict):
            app[key] = {**app[key], **value}
        else:
            app[key] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


class Shipped:
    """A finished `deploytool ...` run: exit code, output, and the parsed JSON events."""

    def __init__(self, proc: subprocess.CompletedProcess):
        self.code = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.events = []
        for line in proc.stdout.splitlines():
            if line.startswith("{") and line.endswith(
                "}"
            ):  # event lines; a pretty JSON document is not
                self.events.append(json.loads(line))

    def of(self, kind: str) -> list[dict]:
        return [e for e in self.events if e["event"] == kind]

    @property
    def release(self) -> str:
        return next((e["release"] for e in self.of("ReleaseResolved")), "")

    def __repr__(self) -> str:
        # what a failing assertion needs first: how it ended and what it warned, then the tail
        said = [
            f"{e['event']}: {e.get('host', '')} {e.get('message', '')} {e.get('hint', '')}"
            for e in self.of("ShipFinished") + self.of("Warning") + self.of("DrainNotice")
        ]
        return (
            f"<exit {self.code}\n" + "\n".join(said)[:3000] + f"\nstdout:\n{self.stdout[-3000:]}"
            f"\nstderr:\n{self.stderr[-3000:]}>"
        )


AUDIT_LOG = E2E_ROOT.parent / (E2E_ROOT.name + "-audit.log")


def deploytool(*args: str, timeout: float = 300, env: dict | None = None) -> Shipped:
    proc = subprocess.run(
        [sys.executable, "-m", "deploytool.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "CI": "1", "DEPLOYTOOL_AUDIT_LOG": str(AUDIT_LOG), **(env or {})},
    )
    return Shipped(proc)


def ship(inventory: Path, *args: str, **kw) -> Shipped:
    return deploytool("ship", "lab", "-i", str(inventory), "--json", *args, **kw)


def current_of(lab: Lab) -> dict[str, str]:
    return {
        h.name: os.readlink(h.app_dir / "current").rsplit("/", 1)[-1]
        if os.path.lexists(h.app_dir / "current")
        else ""
        for h in lab.hosts
    }


def releases_of(lab: Lab) -> dict[str, list[str]]:
    return {
        h.name: sorted(p.name for p in (h.app_dir / "releases").iterdir())
        if (h.app_dir / "releases").exists()
        else []
        for h in lab.hosts
    }


@pytest.fixture
def fresh(lab, tmp_path):
    """A clean fleet with v1 shipped and workers running; yields the inventory path."""
    lab.reset_app_state()
    inv = write_inventory(lab, tmp_path / "inventory.yml")
    first = ship(inv, "--ref", "v1")
    assert first.code == 0, first
    lab.start_workers()
    return inv


@contextmanager
def job_stream(
    lab: Lab,
    batch: int,
    seconds: float,
    every: float,
    *also: Callable[[threading.Event], None],
    start: int = 1,
):
    """Dispatch `batch` jobs of `seconds` every `every` s (plus run each of `also(stop)` in its own
    thread) until the block ends; yields the list of dispatched seqs, which keeps growing. The
    block starts once the first job has started on a worker. Seqs count from `start` (a fleet
    that is not reset between tests keeps its ledger)."""
    stop = threading.Event()
    dispatched: list[int] = []

    def stream():
        seq = start
        while not stop.is_set():
            dispatched.extend(lab.dispatch(batch, seconds, start=seq))
            seq += batch
            stop.wait(every)

    threads = [
        threading.Thread(target=stream),
        *(threading.Thread(target=fn, args=(stop,)) for fn in also),
    ]
    for t in threads:
        t.start()
    try:
        wait_until(
            lambda: any(r.started_at and r.seq >= start for r in lab.ledger()),
            30,
            "the first job to start",
        )
        yield dispatched
    finally:
        stop.set()
        for t in threads:
            t.join()


@contextmanager
def untouched_port():
    """A real listening socket standing in for a host: yields its port, and the block fails if
    anything connected to it by the end."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    srv.settimeout(0.5)
    try:
        yield srv.getsockname()[1]
        with pytest.raises(socket.timeout):
            srv.accept()
    finally:
        srv.close()
