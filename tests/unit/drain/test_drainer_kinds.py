"""The Drainer with several kinds of process per host, over scripted census rounds and without
sleeping: a track per host and kind under its own policy, the restart signal of a signal kind,
`none` kinds waited for per their own deadline, rolling batches only for the queue workers."""

from dataclasses import replace

from deploytool.config.model import DrainPolicy, Rung
from deploytool.drain import Done, Drainer, GiveUp
from deploytool.probes.census import Census

from .test_decisions import w

RESTARTS = {"queue": "queue:restart", "scheduler": "TERM", "scheduled": "none", "daemon": "QUIT"}


def p(kind, pid, release="old", **kw):
    return replace(w(pid, release, **kw), kind=kind)


def census(*procs):
    return Census(0, "new", tuple(procs))


def drainer(policies, mode="cache", hosts=("h1",), uids=None, batch="1"):
    """policies: {kind: DrainPolicy}, the same on every host."""
    per = {(h, k): pol for h in hosts for k, pol in policies.items()}
    return Drainer(per, mode, batch, "new", 0, uids, 0, RESTARTS)


def test_a_signal_kind_gets_its_signal_once_per_old_process_at_its_first_round():
    dr = drainer(
        {"queue": DrainPolicy(deadline=60), "daemon": DrainPolicy(deadline=60)},
        uids={("h1", "queue"): 1000, ("h1", "daemon"): 1000},
    )
    daemon, theirs = p("daemon", 5), p("daemon", 6, uid=33)
    r0 = dr.round(0, {"h1": census(p("queue", 1), daemon, theirs)})
    assert [(s.key, s.signal, [o.worker.pid for o in s.targets]) for s in r0.signals] == [
        (("h1", "daemon"), "QUIT", [5])
    ]
    assert [o.worker.pid for o in r0.signals[0].untouched] == [6]  # another user's: said, not sent
    # still finishing its unit of work: not signalled again; the untouched one is not said again
    r1 = dr.round(1, {"h1": census(daemon, theirs)})
    assert r1.signals == [] and dr.tracks[("h1", "queue")].status == "drained"
    # the same pid with another start time is another process: it gets the signal
    reborn = replace(daemon, start_ticks=999)
    r2 = dr.round(2, {"h1": census(reborn, theirs)})
    assert [o.worker.start_ticks for s in r2.signals for o in s.targets] == [999]
    assert dr.round(3, {"h1": census()}).finished == Done()


def test_each_kind_waits_per_its_own_deadline_and_the_short_one_gives_up_naming_its_kind():
    dr = drainer(
        {
            "queue": DrainPolicy(deadline=600),
            "scheduler": DrainPolicy(deadline=600),
            "scheduled": DrainPolicy(deadline=5),
        }
    )
    long_cmd = p("scheduled", 7)
    r0 = dr.round(0, {"h1": census(p("queue", 1), p("scheduler", 2), long_cmd)})
    assert [s.key for s in r0.signals] == [("h1", "scheduler")]  # none kinds get nothing
    dr.round(1, {"h1": census(long_cmd)})
    assert dr.sleep_for(1) == 1.0  # the poll; the scheduled kind's deadline is 4 s away
    assert dr.sleep_for(4.5) == 0.5  # ... woken for it
    r = dr.round(5, {"h1": census(long_cmd)})
    assert isinstance(r.finished, GiveUp) and r.gave_up == (("h1", "scheduled"),)
    assert [(o.host, o.worker.kind, o.worker.pid) for o in r.finished.left] == [
        ("h1", "scheduled", 7)
    ]


def test_a_long_deadline_holds_the_drain_until_the_command_ends():
    dr = drainer({"queue": DrainPolicy(deadline=60), "scheduled": DrainPolicy(deadline=3600)})
    long_cmd = p("scheduled", 7)
    rounds = [dr.round(t, {"h1": census(long_cmd)}) for t in (0, 100, 1000)]
    assert all(r.finished is None for r in rounds)
    assert dr.host_status() == (("h1", "draining"),)
    assert rounds[-1].deadline == 3600
    end = dr.round(1200, {"h1": census(p("scheduled", 8, "new"))})  # a new one is not old
    assert end.finished == Done()
    figures = {k: t.drained_at for k, t in dr.tracks.items()}
    assert figures == {("h1", "queue"): 0, ("h1", "scheduled"): 1200}


def test_a_ladder_per_kind_escalates_only_that_kind():
    ladder = DrainPolicy(deadline=60, poll=1, on_timeout="escalate", ladder=(Rung(3, "kill"),))
    dr = drainer({"queue": DrainPolicy(deadline=60), "scheduled": ladder})
    fleet = {"h1": census(p("queue", 1), p("scheduled", 7))}
    rounds = [dr.round(t, fleet) for t in range(5)]
    esc = [
        (i, key, e.action, [o.worker.pid for o in e.targets])
        for i, r in enumerate(rounds)
        for key, e in r.escalations
    ]
    assert esc == [(3, ("h1", "scheduled"), "kill", [7])]


def test_signal_mode_rolls_only_the_queue_workers_and_other_kinds_drain_at_once():
    dr = drainer(
        {
            "queue": DrainPolicy(deadline=60),
            "daemon": DrainPolicy(deadline=60),
            "scheduled": DrainPolicy(deadline=60),
        },
        mode="signal",
        hosts=("h1", "h2"),
    )
    full = {
        "h1": census(p("queue", 1), p("scheduled", 3)),
        "h2": census(p("queue", 2), p("daemon", 4)),
    }
    r0 = dr.round(0, full)
    assert r0.batch.hosts == ("h1",) and [o.worker.pid for o in r0.batch.targets] == [1]
    assert [(s.key, [o.worker.pid for o in s.targets]) for s in r0.signals] == [
        (("h2", "daemon"), [4])
    ]
    assert r0.waiting == ("h2",)
    # h1's queue workers are back on the new release; its scheduled command still runs: the roll
    # goes on (capacity is about queue workers), the scheduled kind keeps draining
    r1 = dr.round(
        1, {"h1": census(p("queue", 11, "new", age=5.0), p("scheduled", 3)), "h2": full["h2"]}
    )
    assert r1.batch.hosts == ("h2",) and [o.worker.pid for o in r1.batch.targets] == [2]
    assert dr.tracks[("h1", "scheduled")].status == "draining"


def test_a_drained_kind_drains_again_when_the_old_release_starts_one_more():
    dr = drainer({"queue": DrainPolicy(deadline=60), "scheduled": DrainPolicy(deadline=60)})
    dr.round(0, {"h1": census(p("queue", 1))})
    assert dr.tracks[("h1", "scheduled")].status == "drained"
    # an old scheduler's schedule:run, started in the instant before its SIGTERM
    r = dr.round(1, {"h1": census(p("queue", 1), p("scheduled", 9))})
    assert dr.tracks[("h1", "scheduled")].status == "draining" and r.finished is None
    assert dr.round(2, {"h1": census()}).finished == Done()
