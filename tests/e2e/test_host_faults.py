"""Host faults on the real lab: an sshd killed mid-step, a host blackholed at connect or after the
switch, a worker killed mid-drain, the migration host lost mid-migrate, a host that crashes and
boots mid-drain."""

from __future__ import annotations

import time

import pytest

from tests.lab import faults
from tests.lab.procs import wait_until

from .conftest import current_of, releases_of, ship, write_inventory
from .running import (
    SLOW_INSTALL,
    blackholed,
    finish,
    iptables,
    lock_status,
    our_processes,
    read_until,
    slow_migration_release,
    start_ship,
    started,
)

pytestmark = pytest.mark.lab


def test_sshd_killed_mid_step_aborts_before_any_switch_naming_host_and_step(lab, fresh, tmp_path):
    inv = write_inventory(lab, tmp_path / "inv.yml", install_command=SLOW_INSTALL)
    before = current_of(lab)
    proc = start_ship(inv, "--ref", "v2")
    seen = read_until(proc, lambda e: e["event"] == "StepStarted" and e["step"] == "install")
    h2 = lab.hosts[1]
    # every sshd of h2 (listener and sessions) dies; supervisord brings the listener back later
    lab.run(h2, ["sh", "-c", "kill -KILL $(pgrep -x sshd) $(pgrep -f 'sshd: ')"], user="root")
    result = finish(proc, seen)
    assert result.code == 4, result
    assert result.of("ShipFinished")[0]["message"].startswith("h2: install:")
    assert current_of(lab) == before
    wait_until(
        lambda: lab.run(h2, ["pgrep", "-x", "sshd"], user="root").returncode == 0,
        30,
        "sshd back on h2",
    )
    assert "unlocked" in lock_status(inv)


def test_a_blackholed_host_fails_at_connect_within_the_timeout(lab, fresh, tmp_path):
    inv = write_inventory(lab, tmp_path / "inv.yml", ssh={"connect_timeout": "3s"})
    h3 = lab.hosts[2]
    rule = ["INPUT", "-d", h3.address, "-p", "tcp", "--dport", str(h3.port), "-j", "DROP"]
    before = current_of(lab)
    iptables("-I", *rule)
    try:
        t0 = time.monotonic()
        result = ship(inv, "--ref", "v2", timeout=60)
        took = time.monotonic() - t0
    finally:
        iptables("-D", *rule)
    assert result.code == 4, result
    assert result.of("ShipFinished")[0]["message"].startswith("h3: connect:")
    assert took < 30  # bounded by connect_timeout, not by TCP's minutes-long retries
    assert current_of(lab) == before


def test_a_host_blackholed_after_the_switch_is_reported_while_the_rest_drain(lab, fresh, tmp_path):
    inv = write_inventory(lab, tmp_path / "inv.yml")
    h3 = lab.hosts[2]
    rule = ["INPUT", "-d", h3.address, "-p", "tcp", "--dport", str(h3.port), "-j", "DROP"]
    lab.dispatch(6, 10.0, start=700)  # every worker busy: the drain lasts ~10 s
    wait_until(lambda: len(lab.ledger()) >= 6, 30, "all six jobs to start")
    proc = start_ship(inv, "--ref", "v2")
    seen = read_until(proc, lambda e: e["event"] == "StepStarted" and e["step"] == "drain")
    iptables("-I", *rule)
    try:
        result = finish(proc, seen, timeout=180)
    finally:
        iptables("-D", *rule)
    assert result.code == 4, result
    assert any(w["host"] == "h3" and "lost" in w["message"] for w in result.of("Warning"))
    assert result.of("DrainFinished")[-1]["ok"]  # the others drained
    assert len(set(current_of(lab).values())) == 1


def test_a_worker_killed_mid_drain_does_not_wedge_the_drain(lab, fresh, tmp_path):
    inv = write_inventory(lab, tmp_path / "inv.yml")
    lab.dispatch(1, 20.0, start=800)
    row = wait_until(
        lambda: next((r for r in lab.ledger() if r.seq == 800), None), 30, "the job to start"
    )
    proc = start_ship(inv, "--ref", "v2")
    seen = read_until(proc, lambda e: e["event"] == "DrainProgress" and e["old"])
    lab.run(row.host, ["kill", "-KILL", str(row.pid)], user="root")
    result = finish(proc, seen)
    assert result.code == 0, result


def test_the_migration_host_lost_during_migrate_fails_before_any_switch_and_is_taken_over(
    lab, fresh, tmp_path
):
    """h1 (the migration host, where the lock lives) is blackholed while its 8 s migration runs:
    exit 4, nothing switched, the lock cannot be released (its 3 s lease runs out instead), and
    the next ship once h1 is back takes the lock over and finishes."""
    tag = slow_migration_release(lab, "v2-slowmig8", 8)
    inv = write_inventory(lab, tmp_path / "inv.yml", lock_lease="3s")
    h1 = lab.hosts[0]
    before = current_of(lab)
    proc = start_ship(inv, "--ref", tag)
    seen = read_until(proc, started("migrate"))
    wait_until(
        lambda: any("artisan migrate" in p for p in our_processes(lab, hosts=[h1])["h1"]),
        60,
        "the migration to run on h1",
    )
    with blackholed(h1):
        t0 = time.monotonic()
        result = finish(proc, seen, timeout=180)
        print(f"\nmigration host blackholed: exit {result.code} {time.monotonic() - t0:.1f}s later")
        assert current_of(lab) == before
    assert result.code == 4, result
    ended = result.of("ShipFinished")[0]
    assert ended["message"].startswith("h1: migrate:"), ended
    assert "the migration may have partly run on h1" in ended["hint"], ended
    assert "the stage lock could not be released on h1" in ended["hint"], ended
    assert "runs out by itself, and the next ship takes it over then" in ended["hint"], ended
    t0 = time.monotonic()
    again = ship(inv, "--ref", tag, "--wait-lock", "1m")
    print(f"the next ship took the lock over and shipped in {time.monotonic() - t0:.1f}s")
    assert again.code == 0, again
    said = " | ".join(w["message"] for w in again.of("Warning"))
    assert "took over the stage lock from" in said and f"pid {proc.pid}, in migrate" in said
    assert "the migration may have partly run" in said
    assert f"removed its half-built release {result.release}" in said  # h1 still had it
    assert all(result.release not in r for r in releases_of(lab).values())
    assert set(current_of(lab).values()) == {again.release}


def test_a_host_that_crashes_and_boots_mid_drain_is_reconnected_and_the_drain_finishes(
    lab, fresh, tmp_path
):
    inv = write_inventory(lab, tmp_path / "inv.yml")
    h2 = lab.hosts[1]
    # every worker busy for 25 s (under the worker's --timeout=30): the drain outlasts the steps
    # before it even on a loaded machine (with 10 s jobs, a slow pull and install could let h2's
    # workers finish first, h2 drained before the crash, so no drop to notice)
    lab.dispatch(6, 25.0, start=750)
    wait_until(lambda: len(lab.ledger()) >= 6, 30, "all six jobs to start")
    proc = start_ship(inv, "--ref", "v2")

    def h2_draining(e) -> bool:
        return e["event"] == "DrainProgress" and ["h2", "draining"] in e["host_status"]

    seen = read_until(proc, h2_draining)
    assert seen and h2_draining(seen[-1]), "the drain never reported h2 draining"
    faults.crash(lab, h2)  # every process but PID 1: sshd, workers, web tier
    # the boot: supervisord brings sshd and the workers back (autorestart), on `current`
    wait_until(
        lambda: all(s == "RUNNING" for s, _ in lab.worker_status(h2).values()),
        60,
        "h2's workers running again",
        interval=0.5,
    )
    result = finish(proc, seen, timeout=180)
    assert result.code == 0, result
    notes = [n["message"] for n in result.of("DrainNotice") if n["host"] == "h2"]
    print("\n" + "\n".join(notes))
    assert any(n.startswith("its connection dropped") for n in notes), notes
    assert any(n.startswith("back after") for n in notes), notes
    assert result.of("DrainFinished")[-1]["ok"]
    assert set(current_of(lab).values()) == {result.release}
