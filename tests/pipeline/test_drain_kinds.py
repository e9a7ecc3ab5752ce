"""restart-queue and the drain with every kind of process, on a recording transport with a
scripted fleet and a fake clock: one census per host per poll for all kinds, queue:restart once,
a signal kind's SIGTERM from the drain, a `none` kind waited for per its own deadline."""

from __future__ import annotations

import pytest

from deploytool.config.model import DrainPolicy, WorkerKind
from deploytool.errors import DrainTimeout
from deploytool.events import DrainFinished, DrainNotice, DrainProgress, Escalated
from deploytool.steps import drain, restart_queue

from .test_drain import NEW, OLD, Fleet, S, census_text, make, proc, signalled

KINDS = (
    WorkerKind("queue", "artisan queue:work", "queue:restart", "deploy"),
    WorkerKind("scheduler", "artisan schedule:work", "TERM", "deploy"),
    WorkerKind("scheduled", "artisan ledger:long", "none", "deploy"),
    WorkerKind("daemon", "artisan lab:daemon", "TERM", "deploy"),
)
ARGS = {
    "queue": "php /app/current/artisan queue:work redis",
    "scheduler": "php /app/current/artisan schedule:work",
    "scheduled": "/usr/bin/php8.2 artisan ledger:long 20",
    "daemon": "php /app/current/artisan lab:daemon --unit=2",
}


def kproc(kind, pid, release):
    return proc(pid, release).rsplit(S, 1)[0] + S + ARGS[kind]


def fleet_with_a_long_command(long_polls):
    """h1: old queue worker and scheduler; h2: an old scheduled command for `long_polls` polls
    and an old daemon; h3: nothing old."""
    return Fleet(
        {
            "h1": [census_text(kproc("queue", 11, OLD), kproc("scheduler", 12, OLD))]
            + [census_text(kproc("queue", 13, NEW), kproc("scheduler", 14, NEW))],
            "h2": [census_text(kproc("scheduled", 21, OLD), kproc("daemon", 22, OLD))] * 2
            + [census_text(kproc("scheduled", 21, OLD))] * (long_polls - 2)
            + [census_text(kproc("daemon", 23, NEW))],
            "h3": [census_text(kproc("queue", 31, NEW))],
        },
        signal_out=signalled,
    )


def per_kind(ctx, **policies):
    return {k: {h.name: p for h in ctx.stage.hosts} for k, p in policies.items()}


def test_restart_queue_sends_each_cache_restart_once_and_leaves_signal_kinds_to_the_drain():
    fleet = fleet_with_a_long_command(3)
    ctx, tr, rec = make(fleet, DrainPolicy(deadline=60, poll=1), workers=KINDS, workers_listed=True)
    detail = restart_queue.run(ctx, {"command": ["queue:restart"]})
    assert tr.ran("artisan queue:restart") == ["h1"]
    assert detail == (
        "queue:restart on h1; scheduler: SIGTERM from the drain; scheduled: waited for; "
        "daemon: SIGTERM from the drain"
    )


def test_every_kind_holds_the_drain_and_the_long_command_ends_it():
    fleet = fleet_with_a_long_command(6)
    ctx, tr, rec = make(fleet, DrainPolicy(deadline=60, poll=1), workers=KINDS, workers_listed=True)
    detail = drain.run(ctx, {})
    # one census per host per poll, every kind's pattern in its one pgrep
    censuses = [t for _, t in tr.log if "deploytool-census" in t]
    assert all(
        "'[a]rtisan queue:work|[a]rtisan schedule:work|[a]rtisan ledger:long|[a]rtisan lab:daemon'"
        in t
        for t in censuses
    )
    assert fleet.polls == {"h1": 2, "h2": 7, "h3": 1}
    signals = [(e.action, e.worker_kind, e.host, e.pid, e.release, e.ok) for e in rec.of(Escalated)]
    assert signals == [
        ("signal", "scheduler", "h1", 12, OLD, True),
        ("signal", "daemon", "h2", 22, OLD, True),
    ]
    # one guarded command per host and kind: TERM, with the pid's identity
    sent = sorted(
        t.split(" deploytool-signal ", 1)[1] for _, t in tr.log if "deploytool-signal" in t
    )
    assert sent == [f"TERM /app 1001 12 1200 {OLD}", f"TERM /app 1001 22 2200 {OLD}"]
    notices = [(n.topic, n.host) for n in rec.of(DrainNotice)]
    assert notices == [("restart", "h1"), ("restart", "h2")]
    assert ("h2", "scheduled", "draining") in rec.of(DrainProgress)[-2].kind_status
    kinds = ctx.state.drain["kinds"]
    assert {k: (v["seconds"], v["old"], v["signalled"]) for k, v in kinds.items()} == {
        "queue": (1.0, 1, 0),
        "scheduler": (1.0, 1, 1),
        "scheduled": (6.0, 1, 0),
        "daemon": (2.0, 1, 1),
    }
    assert rec.of(DrainFinished)[0].kinds[2] == ("scheduled", 6.0, 1, 0)
    assert "held longest by scheduled" in detail


def test_a_short_deadline_for_one_kind_fails_the_ship_naming_kind_host_pid_and_release():
    fleet = fleet_with_a_long_command(60)
    ctx, tr, rec = make(fleet, DrainPolicy(deadline=60, poll=1), workers=KINDS, workers_listed=True)
    ctx = ctx.__class__(
        **{
            **ctx.__dict__,
            "stage": ctx.stage.__class__(
                **{
                    **ctx.stage.__dict__,
                    "kind_drain": per_kind(ctx, scheduled=DrainPolicy(deadline=4, poll=1)),
                }
            ),
        }
    )
    with pytest.raises(DrainTimeout) as e:
        drain.run(ctx, {})
    assert e.value.exit_code == 7 and ctx.clock.t == 4
    message = e.value.message
    assert message.startswith("drain: gave up on h2 (scheduled) after 4.0s")
    assert "h2: 1 old scheduled process(es) still running after the scheduled deadline of 4.0s" in (
        message
    )
    assert f"h2: pid 21 release {OLD} age" in message and "(kind scheduled)" in message
