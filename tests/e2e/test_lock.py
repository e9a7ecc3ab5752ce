"""The deploy lock on the real lab: a second ship fails at once naming the holder (or queues with
--wait-lock), a dead holder's lease is taken over, a live lock is released only with --force."""

from __future__ import annotations

import json

import pytest

from tests.lab.procs import wait_until

from .conftest import AUDIT_LOG, deploytool, ship, write_inventory
from .running import SLOW_INSTALL, finish, lock_status, read_until, start_ship

pytestmark = pytest.mark.lab


def test_a_second_ship_fails_at_once_naming_the_holder_then_waits_with_wait_lock(
    lab, fresh, tmp_path
):
    inv = write_inventory(lab, tmp_path / "inv.yml", install_command=SLOW_INSTALL)
    first = start_ship(inv, "--ref", "v2")
    seen = read_until(first, lambda e: e["event"] == "StepStarted" and e["step"] == "install")
    second = ship(inv, "--ref", "v2")
    assert second.code == 8, second
    msg = second.of("ShipFinished")[0]["message"]
    assert "stage lab is locked by" in msg and "shipping v2" in msg and f"pid {first.pid}" in msg
    assert second.of("StepStarted") == []
    waiter = ship(inv, "--ref", "v2", "--wait-lock", "2m")  # queued behind the first one
    assert finish(first, seen).code == 0
    assert waiter.code == 0, waiter
    assert "unlocked" in lock_status(inv)


def test_a_dead_holders_lock_is_taken_over_with_a_warning(lab, fresh, tmp_path):
    inv = write_inventory(lab, tmp_path / "inv.yml", install_command=SLOW_INSTALL, lock_lease="3s")
    victim = start_ship(inv, "--ref", "v2")
    read_until(victim, lambda e: e["event"] == "StepStarted" and e["step"] == "install")
    victim.kill()  # SIGKILL: no cleanup at all
    victim.communicate()
    assert "locked by" in lock_status(inv)
    wait_until(
        lambda: "expired" in lock_status(inv), 30, "the dead holder's lease to expire", interval=0.5
    )
    result = ship(inv, "--ref", "v2")
    assert result.code == 0, result
    warning = [
        w["message"] for w in result.of("Warning") if "took over the stage lock" in w["message"]
    ]
    assert warning and f"pid {victim.pid}" in warning[0]
    assert any(
        json.loads(entry)["action"] == "lock-takeover"
        for entry in AUDIT_LOG.read_text().splitlines()
    )


def test_force_releasing_a_live_lock_is_refused_without_force_and_audited_with_it(
    lab, fresh, tmp_path
):
    inv = write_inventory(lab, tmp_path / "inv.yml", install_command=SLOW_INSTALL)
    holder = start_ship(inv, "--ref", "v2")
    seen = read_until(holder, lambda e: e["event"] == "StepStarted" and e["step"] == "install")
    refused = deploytool("lock", "release", "lab", "-i", str(inv))
    assert refused.code == 8 and "lease is live" in refused.stderr
    forced = deploytool("lock", "release", "lab", "-i", str(inv), "--force")
    assert forced.code == 0 and "released the lock held by" in forced.stdout
    finish(holder, seen)
    remote = (lab.hosts[0].app_dir / ".deploytool" / "audit.log").read_text().splitlines()
    assert any(json.loads(entry)["action"] == "lock-release-forced" for entry in remote)
