"""The deploy lock on the real lab: a second ship fails at once naming the holder (or queues with
--wait-lock), a dead holder's lease is taken over, a live lock is released only with --force."""

from __future__ import annotations

import json

import pytest

from tests.lab.procs import wait_until

from .conftest import AUDIT_LOG, current_of, deploytool, releases_of, ship, write_inventory
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


def test_two_ships_started_at_once_one_runs_and_the_other_exits_8_at_once(lab, fresh, tmp_path):
    """Two CI runners, the same moment: exactly one takes the lock and ships; the other stops
    before any step, while the first is still in its install."""
    inv = write_inventory(lab, tmp_path / "inv.yml", install_command=SLOW_INSTALL)
    procs = [start_ship(inv, "--ref", "v2"), start_ship(inv, "--ref", "v2")]
    done = [finish(p, []) for p in procs]
    assert sorted(r.code for r in done) == [0, 8], done
    winner, loser = sorted(done, key=lambda r: r.code)
    assert loser.of("StepStarted") == []
    assert "stage lab is locked by" in loser.of("ShipFinished")[0]["message"]
    installing = next(e for e in winner.of("StepFinished") if e["step"] == "install")
    assert loser.of("ShipFinished")[0]["at"] < installing["at"]  # it did not wait for it


def test_two_ships_with_wait_lock_run_one_after_the_other_the_second_on_top(lab, fresh, tmp_path):
    inv = write_inventory(lab, tmp_path / "inv.yml", install_command=SLOW_INSTALL)
    procs = [start_ship(inv, "--ref", "v2", "--wait-lock", "3m") for _ in range(2)]
    first, second = sorted(
        (finish(p, [], timeout=240) for p in procs), key=lambda r: r.of("ShipFinished")[0]["at"]
    )
    assert first.code == 0 and second.code == 0, (first, second)
    # one after the other: the second built nothing before the first had finished
    assert first.of("ShipFinished")[0]["at"] < second.of("StepStarted")[0]["at"]
    assert first.release < second.release  # ids sort by build time: rollback's "previous"
    assert set(current_of(lab).values()) == {second.release}
    for rels in releases_of(lab).values():
        assert {first.release, second.release} <= set(rels)
    assert "unlocked" in lock_status(inv)
