"""Issue 5 on the real lab: drain policies, the escalation ladder, the restart that never reached a
host, and the rolling signal mode, with real Laravel workers under supervisord and jobs flowing.
Every wait polls with a deadline; the lab's worker: queue:work --sleep=1 --timeout=30,
retry_after 40."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from deploytool.probes.census import census_command, parse_census
from tests.lab.procs import wait_until

from .conftest import current_of, deploytool, job_stream, ship, write_inventory

pytestmark = pytest.mark.lab

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


def census(lab, host: str):
    """The census probe, run as root inside the host (what deploytool parses, without SSH)."""
    c = census_command("artisan queue:work", DEPLOY)
    return parse_census(lab.run(host, list(c.argv), user="root", cwd="/").stdout, DEPLOY)


def proc_status(lab, host: str, pid: int) -> dict[str, str]:
    out = lab.run(host, ["cat", f"/proc/{pid}/status"], user="root").stdout
    return dict(line.split(":\t", 1) for line in out.splitlines() if ":\t" in line)


def alive(lab, host: str, pid: int) -> bool:
    st = proc_status(lab, host, pid)
    return bool(st) and not st.get("State", "").startswith("Z")


def test_a_worker_ignoring_sigterm_outlives_a_ladder_without_kill_and_dies_at_the_kill_rung(
    lab, tmp_path
):
    inv, v1 = fleet_on_v1(lab, tmp_path)
    seqs = lab.dispatch(1, 60.0, start=100, ignore_term=True)
    row = wait_until(
        lambda: next((r for r in lab.ledger() if r.seq == 100), None), 30, "the job to start"
    )
    wait_until(
        lambda: (
            proc_status(lab, row.host, row.pid).get("SigIgn", "0").strip() != "0000000000000000"
        ),
        10,
        "the job to ignore SIGTERM",
    )

    # 1. term only: the worker shrugs it off; the ship fails with the drain exit code, it still runs
    no_kill = drain_inventory(
        lab,
        tmp_path,
        "no-kill",
        on_timeout="escalate",
        deadline="5s",
        unreached_after="1m",
        ladder=[{"after": "1s", "action": "term"}],
    )
    first = ship(no_kill, "--ref", "v2")
    assert first.code == 7, first
    termed = [e for e in first.of("Escalated") if e["pid"] == row.pid]
    assert [(e["action"], e["host"], e["release"], e["ok"], e["ignores_term"]) for e in termed] == [
        ("term", row.host, v1, True, True)
    ]
    assert not [e for e in first.of("Escalated") if e["action"] == "kill"]
    message = first.of("ShipFinished")[0]["message"]
    assert f"{row.host}: pid {row.pid} release {v1}" in message and "ignores SIGTERM" in message
    assert "nothing was killed" in message
    assert alive(lab, row.host, row.pid)
    assert (
        lab.run(row.host, ["readlink", f"/proc/{row.pid}/cwd"], user="root")
        .stdout.strip()
        .endswith(v1)
    )

    # 2. a kill rung: killed at that rung and reported; the ship succeeds
    with_kill = drain_inventory(
        lab,
        tmp_path,
        "kill",
        on_timeout="escalate",
        deadline="30s",
        unreached_after="1m",
        ladder=[{"after": "1s", "action": "term"}, {"after": "6s", "action": "kill"}],
    )
    second = ship(with_kill, "--ref", "v2")
    assert second.code == 0, second
    kills = second.of("Escalated")
    kills = [e for e in kills if e["action"] == "kill"]
    assert [(e["host"], e["pid"], e["release"], e["ok"], e["rung"]) for e in kills] == [
        (row.host, row.pid, v1, True, 1)
    ]
    assert kills[0]["state"] in ("sleeping", "running") and kills[0]["age"] > 6
    wait_until(lambda: not alive(lab, row.host, row.pid), 10, "the killed worker to be gone")

    # 3. its job comes back after retry_after and completes on the new code
    account = lab.wait_for_ledger(seqs, timeout=75)
    assert account.lost == [] and account.duplicated == []
    attempts = [
        # (host, pid): every host is its own PID namespace, so a retry on another host can
        # carry the killed worker's pid number
        (r.attempt, (r.host, r.pid) == (row.host, row.pid), r.finished, r.version)
        for r in lab.ledger()
        if r.seq == 100
    ]
    assert attempts == [(1, True, False, "v1"), (2, False, True, "v2")]


def test_a_stopped_worker_is_reported_stopped_and_abort_touches_nothing(lab, tmp_path):
    inv, v1 = fleet_on_v1(lab, tmp_path)
    pid = lab.worker_status("h2")["worker_00"][1]
    lab.run("h2", ["kill", "-STOP", str(pid)], user="root", check=True)
    try:
        stopped_worker(lab, tmp_path, pid, v1)
    finally:  # a stopped worker would hold the next reset up to stopwaitsecs
        lab.run("h2", ["kill", "-CONT", str(pid)], user="root")


def stopped_worker(lab, tmp_path, pid, v1):

    # a kill rung is configured but on_timeout: abort disarms the ladder
    abort = drain_inventory(
        lab,
        tmp_path,
        "abort",
        on_timeout="abort",
        deadline="3s",
        ladder=[{"after": "1s", "action": "kill"}],
    )
    result = ship(abort, "--ref", "v2")
    assert result.code == 7, result
    v2 = result.release
    assert result.of("Escalated") == []
    assert not [e for e in result.of("CommandRan") if "deploytool-signal" in e["command"]]
    seen = [
        w
        for p in result.of("DrainProgress")
        for w in p["old"]
        if (w["host"], w["pid"]) == ("h2", pid)
    ]
    assert seen and all(w["state"] == "stopped" for w in seen)
    message = result.of("ShipFinished")[0]["message"]
    assert (
        f"h2: pid {pid} release {v1}" in message
        and "state stopped" in message
        and "nothing was killed" in message
    )
    st = proc_status(lab, "h2", pid)  # untouched: still stopped, no signal sent
    assert st["State"].startswith("T") and int(st["ShdPnd"], 16) == 0 and int(st["SigPnd"], 16) == 0

    # drain-status shows it stopped and old, next to h2's new worker; exit 9 while it is there
    status = deploytool("drain-status", "lab", "-i", str(abort), "--json", "--no-queues")
    assert status.code == 9, status
    snap = json.loads(status.stdout)
    h2 = next(h for h in snap["hosts"] if h["host"] == "h2")
    assert h2["current"] == v2 and h2["old"] == 1
    assert [(w["pid"], w["state"], w["old"], w["release"]) for w in h2["workers"] if w["old"]] == [
        (pid, "stopped", True, v1)
    ]
    assert [w["release"] for w in h2["workers"] if not w["old"]] == [v2]
    assert snap["drained"] is False and snap["old_workers"] == 1

    # a SIGTERM stays pending on a stopped worker, and drain-status says so; SIGCONT lets it exit
    lab.run("h2", ["kill", "-TERM", str(pid)], user="root", check=True)
    status = deploytool("drain-status", "lab", "-i", str(abort), "--json", "--no-queues")
    h2 = next(h for h in json.loads(status.stdout)["hosts"] if h["host"] == "h2")
    w = next(w for w in h2["workers"] if w["pid"] == pid)
    assert (w["state"], w["term_pending"]) == ("stopped", True)
    lab.run("h2", ["kill", "-CONT", str(pid)], user="root", check=True)
    watched = deploytool(
        "drain-status",
        "lab",
        "-i",
        str(abort),
        "--watch",
        "--json",
        "--no-queues",
        "--interval",
        "1s",
        "--timeout",
        "60s",
    )
    assert watched.code == 0, watched
    assert watched.events[-1]["drained"] is True


def test_a_host_the_restart_never_reaches_is_named_then_escalated(lab, tmp_path):
    def other_prefix_on_h3():
        env = lab.host("h3").app_dir / "shared" / ".env"
        env.write_text(
            env.read_text().replace("CACHE_PREFIX=lab_cache_", "CACHE_PREFIX=other_cache_")
        )

    inv, v1 = fleet_on_v1(lab, tmp_path, before_ship=other_prefix_on_h3)
    h3_pids = sorted(pid for _, pid in lab.worker_status("h3").values())
    policy = drain_inventory(
        lab,
        tmp_path,
        "reach",
        on_timeout="escalate",
        deadline="40s",
        unreached_after="2s",
        ladder=[{"after": "4s", "action": "term"}],
    )
    result = ship(policy, "--ref", "v2")
    assert result.code == 0, result

    notices = [e for e in result.of("DrainNotice") if e["topic"] == "unreached"]
    assert [e["host"] for e in notices] == ["h3"], result.of("DrainNotice")
    assert (
        "prefix 'other_cache_'" in notices[0]["message"]
        and "prefix 'lab_cache_' on h1" in notices[0]["message"]
    )
    events = [e for e in result.events if e["event"] in ("DrainNotice", "Escalated")]
    assert events.index(notices[0]) < min(
        i for i, e in enumerate(events) if e["event"] == "Escalated"
    )
    escalated = result.of("Escalated")
    assert {(e["action"], e["host"], e["release"]) for e in escalated} == {("term", "h3", v1)}
    assert sorted(e["pid"] for e in escalated) == h3_pids
    assert current_of(lab) == {n: result.release for n in ("h1", "h2", "h3")}


def test_rolling_signal_mode_keeps_capacity_and_loses_no_job(lab, tmp_path):
    inv, v1 = fleet_on_v1(lab, tmp_path)
    rolling = drain_inventory(
        lab, tmp_path, "rolling", restart_mode="signal", batch="1", deadline="40s"
    )
    samples: list[tuple[float, dict[str, int]]] = []

    def sample(stop):  # the census of every host, as often as it can be read
        with ThreadPoolExecutor(3) as pool:
            while not stop.is_set():
                got = dict(
                    zip(("h1", "h2", "h3"), pool.map(lambda h: census(lab, h), ("h1", "h2", "h3")))
                )
                samples.append(
                    (
                        time.monotonic(),
                        {
                            h: sum(1 for w in c.workers if w.state in ("running", "sleeping"))
                            for h, c in got.items()
                        },
                    )
                )

    with job_stream(lab, 3, 1.5, 0.5, sample) as dispatched:  # 3 jobs of 1.5 s every ~0.5 s
        result = ship(rolling, "--ref", "v2")
    assert result.code == 0, result
    assert not [e for e in result.of("CommandRan") if "queue:restart" in e["command"]]

    # capacity: at every sample some host had a live worker; never more than one host (the batch)
    # had none
    assert len(samples) > 20
    assert all(any(n > 0 for n in s.values()) for _, s in samples)
    assert all(sum(1 for n in s.values() if n == 0) <= 1 for _, s in samples), samples
    # host by host, in order, each batch only after the previous host drained and its new workers
    # came up
    batches = [e["host"] for e in result.of("DrainNotice") if e["topic"] == "batch"]
    assert batches == ["h1", "h2", "h3"]
    assert all(
        sum(1 for _, st in p["host_status"] if st == "draining") <= 1
        for p in result.of("DrainProgress")
    )
    signalled = result.of("Escalated")
    assert {(e["action"], e["release"], e["ok"]) for e in signalled} == {
        ("signal", v1, True)
    } and len(signalled) == 6

    account = lab.wait_for_ledger(dispatched, timeout=90)
    assert account.lost == [] and account.interrupted == [] and account.duplicated == [], account
    assert {r.version for r in lab.ledger() if r.finished} == {"v1", "v2"}
