"""The drain decision table, without sleeping: (policy, elapsed, old workers, fired) -> decision."""
import pytest

from deploytool.config.model import DrainPolicy, Rung
from deploytool.drain import Done, Escalate, GiveUp, OldWorker, Wait, classify, decide, is_old, watch
from deploytool.probes.census import Census, Worker


def w(pid=1, release="old", state="sleeping", started=100.0, uid=1000):
    return Worker(pid, uid, f"/app/releases/{release}", release, state, started, 10.0, 0.1, False, False, "php artisan queue:work")


OLD = (OldWorker("h1", w()),)
LADDER = DrainPolicy(deadline=600, on_timeout="escalate",
                     ladder=(Rung(60, "term"), Rung(120, "supervisor-restart"), Rung(300, "kill")))


@pytest.mark.parametrize("policy, elapsed, old, fired, expected", [
    (DrainPolicy(), 5, (), frozenset(), Done()),
    (DrainPolicy(deadline=600), 5, OLD, frozenset(), Wait()),
    (DrainPolicy(deadline=600), 600, OLD, frozenset(), GiveUp(OLD)),
    (DrainPolicy(deadline=600, on_timeout="wait", remind_every=60), 700, OLD, frozenset(), Wait(remind=True)),
    (LADDER, 59, OLD, frozenset(), Wait()),
    (LADDER, 60, OLD, frozenset(), Escalate(0, "term", OLD)),
    (LADDER, 130, OLD, frozenset({0}), Escalate(1, "supervisor-restart", OLD)),
    (LADDER, 130, OLD, frozenset({0, 1}), Wait()),
    (LADDER, 300, OLD, frozenset({0, 1}), Escalate(2, "kill", OLD)),
    (LADDER, 600, OLD, frozenset({0, 1, 2}), GiveUp(OLD)),
    # a ladder without on_timeout: escalate never fires: abort touches nothing
    (DrainPolicy(deadline=600, ladder=(Rung(1, "kill"),)), 100, OLD, frozenset(), Wait()),
])
def test_decision_table(policy, elapsed, old, fired, expected):
    assert decide(policy, elapsed, old, fired) == expected


def test_escalation_only_targets_the_app_users_workers():
    mine, roots = OldWorker("h1", w(1, uid=1000)), OldWorker("h1", w(2, uid=0))
    d = decide(LADDER, 61, (mine, roots), frozenset(), owner_uid={"h1": 1000})
    assert d == Escalate(0, "term", (mine,))


def test_classify_old_new_zombie_and_unreadable_cwd():
    census = {"h1": Census(0, "new", (w(1, "old"), w(2, "new"), w(3, "old", state="zombie"),
                                       w(4, "?", started=50), w(5, "?", started=500)))}
    old, new = classify(census, "new", switch_time=100.0)
    assert [o.worker.pid for o in old] == [1, 4] and new == 2
    assert not is_old(w(6, "new"), "new", 0)


def test_watch_loop_polls_until_done_with_an_injected_clock():
    t = [0.0]
    rounds = iter([{"h1": Census(0, "new", (w(1),))}, {"h1": Census(0, "new", (w(1),))}, {"h1": Census(0, "new", ())}])
    seen = []
    result = watch(DrainPolicy(deadline=60, poll=2), lambda: next(rounds), lambda c: classify(c, "new", 0),
                   lambda e: None, lambda el, old, new, d: seen.append((el, len(old), type(d).__name__)),
                   lambda: t[0], lambda s: t.__setitem__(0, t[0] + s))
    assert result == Done()
    assert seen == [(0.0, 1, "Wait"), (2.0, 1, "Wait"), (4.0, 0, "Done")]


def test_watch_gives_up_at_the_deadline_not_after_n_attempts():
    t = [0.0]
    result = watch(DrainPolicy(deadline=10, poll=3), lambda: {"h1": Census(0, "new", (w(1),))},
                   lambda c: classify(c, "new", 0), lambda e: None, lambda *a: None,
                   lambda: t[0], lambda s: t.__setitem__(0, t[0] + s))
    assert isinstance(result, GiveUp) and t[0] == 10
