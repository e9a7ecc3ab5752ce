"""What the drain's e2e tests share: the lab fleet shipped to v1 with every worker running, and an
inventory with a drain policy (test_drain.py: the escalation ladder; test_drain_modes.py: the
restart that never reaches a host and the rolling signal mode; test_drain_status.py and
test_kinds.py use them too)."""

from __future__ import annotations

from pathlib import Path

from .conftest import ship, write_inventory

DEPLOY = "/var/www/app"
# Gating migrations is not what these tests are about: keep the ships short.
BASE = {"migrations": {"policy": "off"}}


def fleet_on_v1(lab, tmp_path: Path, before_ship=None) -> tuple[Path, str]:
    """A clean fleet with v1 shipped and every worker running; -> (inventory, v1 release)."""
    # Stop first: reset_app_state flushes Redis, which drops the queue:restart key, so every worker
    # restarts at the very moment supervisord is asked to stop it, and a worker caught in that race
    # holds the stop for stopwaitsecs (40 s). Stopped first, the reset takes ~3 s.
    lab.stop_workers()
    lab.reset_app_state(drop_schema=False)
    if before_ship is not None:
        before_ship()
    inv = write_inventory(lab, tmp_path / "v1.yml", **BASE)
    first = ship(inv, "--ref", "v1")
    assert first.code == 0, first
    lab.start_workers()
    return inv, first.release


def drain_inventory(lab, tmp_path: Path, name: str, **drain) -> Path:
    return write_inventory(lab, tmp_path / f"{name}.yml", drain={"poll": "0.5s", **drain}, **BASE)
