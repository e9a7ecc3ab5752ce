"""`deploytool drain-status` during a real drain: old and new workers side by side, the queue
figures the app sees (pending, delayed, reserved per queue; failed jobs), the JSON document of
docs/drain.md, `--watch` ending when drained, and the exit codes (9 not drained, 0 drained)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.lab.procs import wait_until

from .conftest import deploytool
from .drain_fleet import drain_inventory, fleet_on_v1

pytestmark = pytest.mark.lab

WORKER_KEYS = {
    "pid",
    "ppid",
    "uid",
    "kind",
    "process",
    "release",
    "old",
    "state",
    "age",
    "started",
    "cpu",
    "ignores_term",
    "term_pending",
}
HOST_KEYS = {"host", "reachable", "error", "current", "workers", "old", "new", "kinds"}
TOP_KEYS = {
    "schema",
    "stage",
    "at",
    "drained",
    "old_workers",
    "oldest_age",
    "unreachable",
    "releases",
    "outside_limit",
    "kinds",
    "hosts",
    "queues",
}


def status(inv, *args):
    r = deploytool("drain-status", "lab", "-i", str(inv), *args)
    return r.code, (json.loads(r.stdout) if "--json" in args and "--watch" not in args else r)


def test_drain_status_during_a_drain(lab, tmp_path):
    inv, v1 = fleet_on_v1(lab, tmp_path)
    # the busy worker also meets a supervisor-restart rung: supervisord stops it gracefully (TERM,
    # then waits for the job, well within stopwaitsecs) and starts it on the new release
    inv = drain_inventory(
        lab,
        tmp_path,
        "status",
        deadline="90s",
        unreached_after="1m",
        on_timeout="escalate",
        ladder=[{"after": "8s", "action": "supervisor-restart"}],
    )
    # queue figures that nothing consumes: a queue no worker listens to, a delayed job, a failed job
    text = inv.read_text().replace(
        "pattern: artisan queue:work", "pattern: artisan queue:work\n    queues: [default, reports]"
    )
    inv.write_text(text)
    assert lab.redis("RPUSH", "lab_database_queues:reports", "a", "b").returncode == 0
    assert (
        lab.redis("ZADD", "lab_database_queues:reports:delayed", "4102444800", "c").returncode == 0
    )
    assert (
        lab.sql(
            "INSERT INTO failed_jobs (uuid, connection, queue, payload, exception) "
            "VALUES ('u-1', 'redis', 'default', '{}', 'boom')"
        ).returncode
        == 0
    )

    seqs = lab.dispatch(1, 25.0, start=700)
    row = wait_until(
        lambda: next((r for r in lab.ledger() if r.seq == 700), None), 30, "the long job to start"
    )
    shipping = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "deploytool.cli",
            "ship",
            "lab",
            "-i",
            str(inv),
            "--ref",
            "v2",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def side_by_side():
            code, snap = status(inv, "--json")
            host = next(h for h in snap["hosts"] if h["host"] == row.host)
            return (
                (code, snap)
                if snap["old_workers"] == host["old"] == 1 and host["new"] >= 1
                else None
            )

        code, snap = wait_until(
            side_by_side, 40, f"old and new workers side by side on {row.host}", interval=0.3
        )
        assert code == 9
        assert set(snap) == TOP_KEYS and snap["schema"] == 2 and snap["stage"] == "lab"
        assert snap["drained"] is False and snap["old_workers"] == 1 and snap["unreachable"] == []
        host = next(h for h in snap["hosts"] if h["host"] == row.host)
        assert set(host) == HOST_KEYS and host["reachable"] is True
        old = [w for w in host["workers"] if w["old"]]
        new = [w for w in host["workers"] if not w["old"]]
        assert [(w["pid"], w["release"], w["kind"]) for w in old] == [(row.pid, v1, "queue")]
        assert all(w["release"] == host["current"] != v1 for w in new)
        assert all(set(w) == WORKER_KEYS for h in snap["hosts"] for w in h["workers"])
        assert snap["oldest_age"] == old[0]["age"] > 0
        q = snap["queues"]
        assert (q["connection"], q["driver"], q["host"], q["failed"], q["error"]) == (
            "redis",
            "redis",
            "h1",
            1,
            None,
        )
        assert q["queues"]["reports"] == {"pending": 2, "delayed": 1, "reserved": 0}
        assert set(q["queues"]["default"]) == {"pending", "delayed", "reserved"}

        # --watch: JSON lines until drained, then exit 0
        watched = deploytool(
            "drain-status",
            "lab",
            "-i",
            str(inv),
            "--watch",
            "--json",
            "--interval",
            "1s",
            "--timeout",
            "60s",
        )
        assert watched.code == 0, watched
        docs = [json.loads(line) for line in watched.stdout.splitlines()]
        assert docs[0]["drained"] is False and docs[-1]["drained"] is True
        assert all(not d["drained"] for d in docs[:-1])
    finally:
        out, err = shipping.communicate(timeout=120)
    assert shipping.returncode == 0, out[-3000:] + err[-3000:]
    events = [
        json.loads(line) for line in out.splitlines() if line.startswith("{") and line.endswith("}")
    ]
    restarted = [e for e in events if e["event"] == "Escalated"]
    assert [(e["action"], e["host"], e["pid"], e["release"], e["ok"]) for e in restarted] == [
        ("supervisor-restart", row.host, row.pid, v1, True)
    ], restarted
    assert "supervisorctl restart worker:" in restarted[0]["detail"]
    assert any(e["event"] == "DrainNotice" and e["topic"] == "supervisor-restart" for e in events)
    assert lab.wait_for_ledger(seqs, timeout=30).clean  # the job was not interrupted

    # the human view and the exit code once drained
    code, plain = status(inv)
    assert code == 0 and "drained: every worker runs the current release" in plain.stdout
    assert (
        "reports 2 pending, 1 delayed, 0 reserved" in plain.stdout
        and "failed jobs: 1" in plain.stdout
    )
