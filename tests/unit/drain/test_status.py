"""drain-status without a fleet: the JSON document, the exit codes, the summary and --watch's loop
(injected clock, no sleeping)."""

from deploytool.drain.status import exit_code, snapshot, watch
from deploytool.probes.census import Census, Worker
from deploytool.probes.queues import QueueFigures
from deploytool.ui.drain_status_view import queue_line, summary


def w(pid, release, state="sleeping", age=10.0):
    return Worker(
        pid,
        1001,
        f"/app/releases/{release}",
        release,
        state,
        1000.0,
        age,
        0.5,
        False,
        state == "stopped",
        "php artisan queue:work",
        1,
        pid,
    )


QUEUES = QueueFigures("redis", "redis", {"default": {"pending": 3, "delayed": 0, "reserved": 1}}, 2)


def test_document_old_and_new_side_by_side():
    census = {
        "h1": Census(0, "new", (w(1, "old", "stopped", 99.5), w(2, "new"), w(3, "old", "zombie"))),
        "h2": Census(0, "new", (w(4, "new"),)),
    }
    snap = snapshot("prod", census, {}, QUEUES, ["h1", "h2"], at=5.0)
    assert snap["drained"] is False and snap["old_workers"] == 1 and snap["oldest_age"] == 99.5
    h1 = snap["hosts"][0]
    assert (h1["old"], h1["new"]) == (1, 1)  # the zombie has exited: not counted
    assert h1["workers"][0] == {
        "pid": 1,
        "ppid": 1,
        "uid": 1001,
        "kind": "queue",
        "process": "worker",
        "release": "old",
        "old": True,
        "state": "stopped",
        "age": 99.5,
        "started": 1000.0,
        "cpu": 0.5,
        "ignores_term": False,
        "term_pending": True,
    }
    assert snap["queues"]["queues"] == {"default": {"pending": 3, "delayed": 0, "reserved": 1}}
    assert exit_code(snap) == 9
    assert summary(snap).startswith("1 old worker(s) (h1: 1, h2: 0); oldest 1m40s")


def test_exit_codes_drained_and_unreachable():
    ok = snapshot("prod", {"h1": Census(0, "new", (w(2, "new"),))}, {}, None, ["h1"])
    assert ok["drained"] is True and exit_code(ok) == 0 and ok["queues"] is None
    lost = snapshot(
        "prod", {"h1": Census(0, "new", ())}, {"h2": "h2: connect: timed out"}, None, ["h1", "h2"]
    )
    assert lost["drained"] is False and exit_code(lost) == 4 and lost["unreachable"] == ["h2"]
    assert lost["hosts"][1] == {
        "host": "h2",
        "reachable": False,
        "error": "h2: connect: timed out",
        "current": None,
        "workers": [],
        "old": 0,
        "new": 0,
        "kinds": [],
    }
    assert "UNREACHABLE: h2" in summary(lost)


def test_queue_line():
    d = {**QUEUES.to_dict(), "host": "h1"}
    assert (
        queue_line(d)
        == "queues (redis, redis on h1): default 3 pending, 0 delayed, 1 reserved; failed jobs: 2"
    )
    broken = {
        **QueueFigures(error="RedisException: Connection refused", failed_error="x").to_dict(),
        "host": "h1",
    }
    assert queue_line(broken) == (
        "queues: not available (RedisException: Connection refused); failed jobs: not counted (x)"
    )


def test_watch_refreshes_until_drained_or_timeout():
    t = [0.0]
    snaps = iter([{"drained": False}, {"drained": False}, {"drained": True}])
    shown = []
    last = watch(
        lambda: next(snaps),
        shown.append,
        2.0,
        None,
        lambda: t[0],
        lambda s: t.__setitem__(0, t[0] + s),
    )
    assert last == {"drained": True} and len(shown) == 3 and t[0] == 4.0
    t[0] = 0.0
    last = watch(
        lambda: {"drained": False},
        shown.append,
        2.0,
        5.0,
        lambda: t[0],
        lambda s: t.__setitem__(0, t[0] + s),
    )
    assert last == {"drained": False} and t[0] == 5.0


def test_every_kind_is_listed_per_host_and_the_table_groups_by_host_and_kind():
    from dataclasses import replace

    from deploytool.ui.drain_status_view import plain

    def k(kind, pid, release):
        return replace(w(pid, release), kind=kind)

    census = {
        "h1": Census(
            0, "new", (k("daemon", 5, "new"), k("scheduled", 7, "old"), k("queue", 1, "new"))
        ),
        "h2": Census(0, "new", (k("queue", 2, "new"),)),
    }
    kinds = ["queue", "scheduler", "scheduled", "daemon"]
    snap = snapshot("prod", census, {}, None, ["h1", "h2"], at=5.0, kinds=kinds)
    assert snap["kinds"] == kinds and snap["old_workers"] == 1
    h1 = snap["hosts"][0]
    assert [w["kind"] for w in h1["workers"]] == ["queue", "scheduled", "daemon"]  # config order
    assert h1["kinds"] == [
        {"kind": "queue", "old": 0, "new": 1},
        {"kind": "scheduler", "old": 0, "new": 0},
        {"kind": "scheduled", "old": 1, "new": 0},
        {"kind": "daemon", "old": 0, "new": 1},
    ]
    lines = plain(snap)
    assert lines[0].strip() == "processes of stage prod, by host and kind"
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in lines if line.startswith("│ h")]
    assert [r[:3] + [r[5]] for r in rows] == [
        ["h1", "1", "queue", "sleeping"],
        ["h1", "-", "scheduler", "none running"],
        ["h1", "7", "scheduled", "sleeping"],
        ["h1", "5", "daemon", "sleeping"],
        ["h2", "2", "queue", "sleeping"],
        ["h2", "-", "scheduler", "none running"],
        ["h2", "-", "scheduled", "none running"],
        ["h2", "-", "daemon", "none running"],
    ]
    assert rows[2][4] == "OLD"
    assert summary(snap) == (
        "1 old worker(s) (h1: 1, h2: 0); oldest 10.0s; by kind: queue: 0, scheduler: 0, "
        "scheduled: 1, daemon: 0"
    )
