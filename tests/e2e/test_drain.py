"""Issue 5 on the real lab, the escalation ladder: a worker that ignores SIGTERM outlives a ladder
without `kill` and dies at the kill rung; a stopped (SIGSTOP) worker is reported stopped, `abort`
touches nothing, and a ladder continues it. Real Laravel workers under supervisord, jobs flowing;
every wait polls with a deadline. The lab's worker: queue:work --sleep=1 --timeout=30,
retry_after 40. The restart's reach and the rolling signal mode: test_drain_modes.py."""

from __future__ import annotations

import json

import pytest

from tests.lab.procs import wait_until

from .conftest import deploytool, ship
from .drain_fleet import drain_inventory, fleet_on_v1

pytestmark = pytest.mark.lab


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
