"""What the web tier's e2e tests share: the lab's inventory with `application.web`, a fleet on v1
with workers running, the lab's nginx switched to `$document_root` for a block, and a ship under
HTTP load with jobs flowing, measured from outside (tests/lab/http_load.py, the job ledger)."""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.lab.http_load import HttpLoad, Summary
from tests.lab.web_conf import FPM_SOCKET, WEB_PORT

from .conftest import Shipped, job_stream, ship, write_inventory

WEB = {"socket": FPM_SOCKET, "url": f"http://{{address}}:{WEB_PORT}"}
# how the lab's FPM is reloaded by the deploy user: through supervisord, which owns it
RELOAD = ["supervisorctl", "signal", "USR2", "php-fpm"]
FIGURES = os.environ.get("DEPLOYTOOL_WEB_FIGURES")  # a JSON-lines file for measured figures


def web_inventory(lab, path: Path, drain: dict | None = None, **web) -> Path:
    return write_inventory(
        lab,
        path,
        migrations={"policy": "off"},
        web={**WEB, **web},
        **({"drain": drain} if drain else {}),
    )


def v1_fleet(lab, inv: Path) -> None:
    """A fresh fleet (reset_app_state puts the lab's own web settings back), v1 shipped with
    `inv`, the workers running."""
    lab.reset_app_state()
    first = ship(inv, "--ref", "v1")
    assert first.code == 0, first
    lab.start_workers()


def nginx_root(lab, root: str) -> None:
    """Every host's nginx passing `$<root>_root` (a live HUP where it differs)."""
    for h in lab.hosts:
        if lab.web.settings(h).web_root != root:
            lab.web.reconfigure(h, web_root=root)


def versions(lab) -> tuple[str, str]:
    """(what the fleet serves now, the other tag): the tests ship back and forth between v1 and
    v2 on one fleet instead of building a fresh one each time."""
    now = lab.web.health("h1")["version"]
    return now, "v1" if now == "v2" else "v2"


@contextmanager
def lab_web_back(lab):
    """The block may change the hosts' web settings; afterwards they are the lab's own again."""
    try:
        yield
    finally:
        lab.web.reset()


@dataclass
class LoadedShip:
    result: Shipped
    load: Summary
    account: object  # ledger.Account of the jobs dispatched during the ship
    done_at: float  # when the ship said it was done (ShipFinished.at)

    def at(self, kind: str, step: str = "", last: bool = False) -> float:
        hits = [e for e in self.result.of(kind) if not step or e.get("step") == step]
        return hits[-1 if last else 0]["at"]


def ship_under_load(
    lab, inv: Path, ref: str, path: str = "/sleep/50", rate: float = 30
) -> LoadedShip:
    """Ship `ref` while HTTP load runs on every host's nginx and jobs flow; the load runs on
    two seconds past the ship's end."""
    with HttpLoad(lab.web.targets(), rate=rate, duration=240, path=path) as load:
        time.sleep(0)  # the load's thread has started; its first requests go out at once
        start = max((r.seq for r in lab.ledger()), default=0) + 1
        with job_stream(lab, 2, 1.0, 1.0, start=start) as dispatched:
            result = ship(inv, "--ref", ref)
        finished = result.of("ShipFinished")
        done_at = finished[0]["at"] if finished else time.time()
        while time.time() < done_at + 2:
            time.sleep(0.1)
    account = lab.wait_for_ledger(dispatched, timeout=120)
    return LoadedShip(result, load.summary(), account, done_at)


def flip_figures(s: LoadedShip, old_version: str, new_version: str) -> dict:
    """Per host: ms from the end of the switch to the first request answered by the new code,
    and to the last one answered by the old code (negative: none after the switch)."""
    switched = s.at("StepFinished", "switch", last=True)
    out = {}
    for host in sorted({r.target for r in s.load.responses}):
        mine = [r for r in s.load.responses if r.target == host and not r.failed]
        new = [r.sent for r in mine if r.version == new_version and r.sent >= switched - 5]
        old = [r.sent for r in mine if r.version == old_version]
        out[host] = {
            "first_new_ms": round((min(new) - switched) * 1000) if new else None,
            "last_old_ms": round((max(old) - switched) * 1000) if old else None,
        }
    return out


def record(kind: str, **figures) -> None:
    if FIGURES:
        with open(FIGURES, "a") as fh:
            fh.write(json.dumps({"kind": kind, "at": time.time(), **figures}) + "\n")
