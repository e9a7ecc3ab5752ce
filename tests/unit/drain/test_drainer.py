"""The stage-wide Drainer over scripted census rounds, and the loop with an injected clock:
per-host policies, rolling batches, lost hosts, sleeping until the next rung."""

from deploytool.config.model import DrainPolicy, Rung
from deploytool.drain import Batch, Done, Drainer, GiveUp, OldWorker, watch
from deploytool.probes.census import Census

from .test_decisions import w


def census(*workers):
    return Census(0, "new", tuple(workers))


def q(per_host):
    """{host: x} as the Drainer takes it: {(host, kind): x}, every host with one `queue` kind."""
    return {(h, "queue"): v for h, v in per_host.items()}


def run_rounds(drainer, script):
    """script: [(time, {host: Census})]; returns the Rounds."""
    return [drainer.round(t, c) for t, c in script]


def test_cache_mode_each_host_under_its_own_policy():
    abort = DrainPolicy(deadline=10, poll=1)
    ladder = DrainPolicy(
        deadline=10,
        poll=1,
        on_timeout="escalate",
        unreached_after=30,
        ladder=(Rung(2, "term"), Rung(5, "kill")),
    )
    dr = Drainer(
        q({"web": abort, "batch": ladder}),
        "cache",
        "1",
        "new",
        0,
        q({"web": 1000, "batch": 1000}),
        start=0,
    )
    stuck = {"web": census(w(1)), "batch": census(w(2))}
    rounds = run_rounds(dr, [(t, stuck) for t in (0, 1, 2, 3, 4, 5)])
    esc = [(i, h, e.action) for i, r in enumerate(rounds) for (h, _), e in r.escalations]
    assert esc == [(2, "batch", "term"), (5, "batch", "kill")]  # the web host is never touched
    # the check that the restart reached "batch" comes before its first rung, and only once
    assert [(i, r.check) for i, r in enumerate(rounds) if r.check] == [(2, ("batch",))]
    assert all(r.finished is None for r in rounds)
    last = dr.round(6, {"web": census(w(1)), "batch": census()})
    assert last.finished is None and dr.tracks[("batch", "queue")].status == "drained"
    end = dr.round(10, {"web": census(w(1))})
    assert isinstance(end.finished, GiveUp) and end.gave_up == (("web", "queue"),)


def test_cache_mode_unreached_check_only_where_no_old_worker_exited():
    p = DrainPolicy(deadline=60, poll=1, unreached_after=3)
    dr = Drainer(q({"h1": p, "h2": p}), "cache", "1", "new", 0, None, start=0)
    dr.round(0, {"h1": census(w(1), w(2)), "h2": census(w(3), w(4))})
    dr.round(1, {"h1": census(w(1)), "h2": census(w(3), w(4))})  # one of h1's exited: reached
    r = dr.round(3, {"h1": census(w(1)), "h2": census(w(3), w(4))})
    assert r.check == ("h2",)
    assert dr.round(4, {"h1": census(w(1)), "h2": census(w(3), w(4))}).check == ()


def test_one_host_giving_up_ends_the_drain_at_once():
    dr = Drainer(
        q({"h1": DrainPolicy(deadline=5), "h2": DrainPolicy(deadline=500)}),
        "cache",
        "1",
        "new",
        0,
        None,
        0,
    )
    r = dr.round(5, {"h1": census(w(1)), "h2": census(w(2))})
    assert r.finished == GiveUp((OldWorker("h1", w(1)), OldWorker("h2", w(2)))) and r.gave_up == (
        ("h1", "queue"),
    )


def test_a_lost_host_is_dropped_and_the_rest_drain():
    p = DrainPolicy(deadline=60)
    dr = Drainer(q({"h1": p, "h2": p}), "cache", "1", "new", 0, None, 0)
    dr.round(0, {"h1": census(w(1)), "h2": census(w(2))})
    r = dr.round(1, {"h1": census()})
    assert dr.tracks[("h2", "queue")].status == "lost" and r.finished == Done()
    assert dr.hosts_to_poll() == []


def up(pid, age=5.0):
    return w(pid, "new", age=age)


def test_signal_mode_rolls_host_by_host_and_waits_for_new_workers():
    p = DrainPolicy(deadline=30, poll=1)
    dr = Drainer(
        q({h: p for h in ("h1", "h2", "h3")}),
        "signal",
        "1",
        "new",
        0,
        q({h: 1000 for h in ("h1", "h2", "h3")}),
        0,
    )
    full = {"h1": census(w(1), w(2)), "h2": census(w(3), w(4)), "h3": census(w(5), w(6))}
    r0 = dr.round(0, full)
    assert r0.batch == Batch(1, 3, ("h1",), (OldWorker("h1", w(1)), OldWorker("h1", w(2))), ())
    assert r0.waiting == ("h2", "h3")
    # h1's old workers are gone, the new ones are not up long enough yet: h2 waits
    r1 = dr.round(1, {**full, "h1": census(up(11, age=0.5), up(12, age=0.5))})
    assert r1.batch is None and dr.tracks[("h1", "queue")].status == "draining"
    # one new worker up is not enough: the host had two
    r2 = dr.round(2, {**full, "h1": census(up(11), w(13, "new", state="zombie"))})
    assert r2.batch is None
    r3 = dr.round(3, {**full, "h1": census(up(11), up(12))})
    assert r3.batch.hosts == ("h2",) and [o.worker.pid for o in r3.batch.targets] == [3, 4]
    assert dr.tracks[("h1", "queue")].status == "drained"
    r4 = dr.round(4, {"h2": census(up(13), up(14)), "h3": census(w(5), w(6))})
    assert r4.batch.hosts == ("h3",)
    r5 = dr.round(5, {"h3": census(up(15), up(16))})
    assert r5.finished == Done()
    # never more than one host draining at a time
    statuses = [r.waiting for r in (r0, r1, r2, r3, r4, r5)]
    assert statuses == [("h2", "h3"), ("h2", "h3"), ("h2", "h3"), ("h3",), (), ()]


def test_signal_mode_stops_rolling_when_new_workers_never_come_up():
    p = DrainPolicy(deadline=10, poll=1)
    dr = Drainer(q({"h1": p, "h2": p}), "signal", "1", "new", 0, None, 0)
    dr.round(0, {"h1": census(w(1)), "h2": census(w(2))})
    assert dr.round(5, {"h1": census(), "h2": census(w(2))}).finished is None
    r = dr.round(10, {"h1": census(), "h2": census(w(2))})
    assert (
        isinstance(r.finished, GiveUp) and r.gave_up == (("h1", "queue"),) and r.waiting == ("h2",)
    )


def test_signal_mode_batch_of_every_host_is_clamped_and_hosts_without_old_workers_are_skipped():
    p = DrainPolicy(deadline=10, poll=1)
    dr = Drainer(q({"h1": p, "h2": p, "h3": p}), "signal", "100%", "new", 0, None, 0)
    r = dr.round(0, {"h1": census(w(1)), "h2": census(w(2)), "h3": census(up(3))})
    assert (
        r.batch.hosts == ("h1",) and r.batch.clamped_from == "100%"
    )  # 2 hosts with old workers: 1 at a time
    assert dr.tracks[("h3", "queue")].status == "drained"


def test_sleep_wakes_for_the_next_rung_or_deadline():
    p = DrainPolicy(
        deadline=9, poll=5, on_timeout="escalate", unreached_after=30, ladder=(Rung(2, "term"),)
    )
    dr = Drainer(q({"h1": p}), "cache", "1", "new", 0, None, start=0)
    dr.round(0, {"h1": census(w(1))})
    assert dr.sleep_for(0) == 2  # the rung, not the 5 s poll
    dr.round(2, {"h1": census(w(1))})
    assert dr.sleep_for(2) == 5 and dr.sleep_for(6) == 3


def clocked(script):
    """An injected clock and a scripted census; returns (poll, monotonic, sleep, log)."""
    t = [0.0]
    log = []
    it = iter(script)

    def poll(hosts):
        log.append((t[0], tuple(hosts)))
        return next(it, script[-1])

    return poll, lambda: t[0], lambda s: t.__setitem__(0, t[0] + s), log


def test_watch_polls_until_done_with_an_injected_clock():
    poll, mono, sleep, log = clocked([{"h1": census(w(1))}, {"h1": census(w(1))}, {"h1": census()}])
    dr = Drainer(q({"h1": DrainPolicy(deadline=60, poll=2)}), "cache", "1", "new", 0, None, start=0)
    seen = []
    assert watch(dr, poll, lambda r: seen.append((r.elapsed, len(r.old))), mono, sleep) == Done()
    assert seen == [(0.0, 1), (2.0, 1), (4.0, 0)] and [h for _, h in log] == [("h1",)] * 3


def test_watch_gives_up_at_the_deadline_not_after_n_attempts():
    poll, mono, sleep, _ = clocked([{"h1": census(w(1))}])
    dr = Drainer(q({"h1": DrainPolicy(deadline=10, poll=3)}), "cache", "1", "new", 0, None, start=0)
    result = watch(dr, poll, lambda r: None, mono, sleep)
    assert isinstance(result, GiveUp) and mono() == 10
