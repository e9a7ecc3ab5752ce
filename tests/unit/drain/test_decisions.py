"""The drain's decisions without sleeping: one host's decision table, which processes a rung may
touch, rolling batch sizes, and the stage-wide Drainer over scripted census rounds."""

import pytest

from deploytool.config.model import DrainPolicy, Rung
from deploytool.drain import (
    Done,
    Escalate,
    GiveUp,
    OldWorker,
    Wait,
    batch_size,
    classify,
    decide,
    is_old,
    plan_batches,
    roots,
    targets,
)
from deploytool.probes.census import Census, Worker


def w(
    pid=1,
    release="old",
    state="sleeping",
    started=100.0,
    uid=1000,
    ppid=0,
    age=10.0,
    args="php artisan queue:work",
):
    return Worker(
        pid,
        uid,
        f"/app/releases/{release}",
        release,
        state,
        started,
        age,
        0.1,
        False,
        False,
        args,
        ppid,
        pid * 10,
    )


OLD = (OldWorker("h1", w()),)
LADDER = DrainPolicy(
    deadline=600,
    poll=1,
    on_timeout="escalate",
    ladder=(Rung(60, "term"), Rung(120, "supervisor-restart"), Rung(300, "kill")),
)
WAIT = DrainPolicy(deadline=600, on_timeout="wait", remind_every=60)


@pytest.mark.parametrize(
    "policy, elapsed, fired, last_reminder, last_rung_at, expected",
    [
        (DrainPolicy(), 5, (), None, None, "done-if-empty"),
        (DrainPolicy(deadline=600), 5, (), None, None, Wait()),
        (DrainPolicy(deadline=600), 599.9, (), None, None, Wait()),
        (DrainPolicy(deadline=600), 600, (), None, None, GiveUp(OLD)),
        # wait: the first reminder at the deadline, then every remind_every; never a rung
        (WAIT, 600, (), None, None, Wait(remind=True)),
        (WAIT, 630, (), 600, None, Wait()),
        (WAIT, 660, (), 600, None, Wait(remind=True)),
        (
            DrainPolicy(deadline=60, on_timeout="wait", ladder=(Rung(1, "kill"),)),
            5000,
            (),
            4990,
            None,
            Wait(),
        ),
        # abort disarms a ladder: nothing is ever touched, then give up
        (DrainPolicy(deadline=600, ladder=(Rung(1, "kill"),)), 100, (), None, None, Wait()),
        (DrainPolicy(deadline=600, ladder=(Rung(1, "kill"),)), 600, (), None, None, GiveUp(OLD)),
        # escalate: each rung once, in order, at or after its time
        (LADDER, 59, (), None, None, Wait()),
        (LADDER, 60, (), None, None, Escalate(0, "term", OLD)),
        (LADDER, 130, (0,), None, 60, Escalate(1, "supervisor-restart", OLD)),
        (LADDER, 130, (0, 1), None, 130, Wait()),
        (LADDER, 300, (0, 1), None, 130, Escalate(2, "kill", OLD)),
        (LADDER, 599, (0, 1, 2), None, 300, Wait()),
        (LADDER, 600, (0, 1, 2), None, 300, GiveUp(OLD)),
        # a late drain (everything already due) fires the first rung, never TERM and KILL at once
        (LADDER, 400, (), None, None, Escalate(0, "term", OLD)),
        (LADDER, 400.5, (0,), None, 400, Wait()),  # less than one poll since the last rung
        (LADDER, 401, (0,), None, 400, Escalate(1, "supervisor-restart", OLD)),
    ],
)
def test_one_host_decision_table(policy, elapsed, fired, last_reminder, last_rung_at, expected):
    if expected == "done-if-empty":
        assert decide(policy, elapsed, (), frozenset()) == Done()
        return
    assert (
        decide(policy, elapsed, OLD, frozenset(fired), last_reminder, None, last_rung_at)
        == expected
    )


# Horizon on one host: master 10 (parent supervisord 1) -> supervisor 11 -> workers 12, 13.
MASTER = OldWorker("h1", w(10, ppid=1, args="php artisan horizon"))
SUPER = OldWorker("h1", w(11, ppid=10, args="php artisan horizon:supervisor x"))
HW1, HW2 = (
    OldWorker("h1", w(12, ppid=11, args="php artisan horizon:work redis")),
    OldWorker("h1", w(13, ppid=11)),
)
STOPPED = OldWorker("h2", w(20, state="stopped"))
ROOTS = OldWorker("h2", w(21, uid=0))  # root's process matching the pattern


@pytest.mark.parametrize(
    "action, old, uid, chosen, untouched",
    [
        ("term", (MASTER, SUPER, HW1, HW2), 1000, (MASTER,), ()),  # the tree's root only
        ("supervisor-restart", (MASTER, SUPER, HW1, HW2), 1000, (MASTER,), ()),
        ("kill", (MASTER, SUPER, HW1, HW2), 1000, (MASTER, SUPER, HW1, HW2), ()),
        ("term", (STOPPED, ROOTS), 1000, (STOPPED,), (ROOTS,)),  # never another user's process
        ("kill", (STOPPED, ROOTS), 1000, (STOPPED,), (ROOTS,)),
        (
            "cont",
            (STOPPED, OldWorker("h2", w(22))),
            1000,
            (STOPPED,),
            (),
        ),  # cont: stopped ones only
        ("term", (STOPPED, ROOTS), None, (STOPPED, ROOTS), ()),  # no uid known: the pattern decides
        ("term", (STOPPED, ROOTS), -1, (), (STOPPED, ROOTS)),  # uid lookup failed: touch nothing
    ],
)
def test_targets(action, old, uid, chosen, untouched):
    assert targets(action, old, uid) == (chosen, untouched)


def test_escalate_carries_the_untouched():
    mine, roots_ = OldWorker("h1", w(1, uid=1000)), OldWorker("h1", w(2, uid=0))
    assert decide(LADDER, 61, (mine, roots_), frozenset(), uid=1000) == Escalate(
        0, "term", (mine,), (roots_,)
    )


def test_roots_same_pid_on_two_hosts_is_two_trees():
    assert roots([w(5, ppid=1), w(6, ppid=5)]) == (w(5, ppid=1),)
    assert targets("term", (OldWorker("h1", w(5)), OldWorker("h2", w(6, ppid=5))), None)[0] == (
        OldWorker("h1", w(5)),
        OldWorker("h2", w(6, ppid=5)),
    )


@pytest.mark.parametrize(
    "batch, hosts, size",
    [
        ("1", 3, 1),
        ("2", 3, 2),
        ("3", 3, 2),
        ("25%", 3, 1),
        ("50%", 4, 2),
        ("100%", 3, 2),
        ("25%", 10, 3),
        ("1", 1, 1),
        ("100%", 1, 1),
        ("1%", 200, 2),
    ],
)
def test_batch_size_never_takes_every_host(batch, hosts, size):
    assert batch_size(batch, hosts) == size


def test_plan_batches_in_inventory_order():
    assert plan_batches(["h3", "h1", "h2"], "2") == [("h3", "h1"), ("h2",)]


def test_classify_old_new_zombie_and_unreadable_cwd():
    census = {
        "h1": Census(
            0,
            "new",
            (
                w(1, "old"),
                w(2, "new"),
                w(3, "old", state="zombie"),
                w(4, "?", started=50),
                w(5, "?", started=500),
            ),
        )
    }
    old, new = classify(census, "new", switch_time=100.0)
    assert [o.worker.pid for o in old] == [1, 4] and new == 2
    assert not is_old(w(6, "new"), "new", 0)
