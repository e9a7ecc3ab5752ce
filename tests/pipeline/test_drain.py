"""The drain step on a recording transport with a scripted fleet and a fake clock: the commands it
sends (one census per host per poll, one guarded signal command per host per action), the events
it emits and the error it raises. Real processes are the e2e ring's job."""

from __future__ import annotations

import pytest

from deploytool.config.model import (
    Application,
    DrainPolicy,
    Host,
    Inventory,
    Rung,
    SSHSettings,
    Stage,
    WorkerKind,
)
from deploytool.config.playbook import builtin_playbooks, load_playbook
from deploytool.errors import DrainTimeout
from deploytool.events import Bus, DrainNotice, DrainProgress, Escalated, Recorder
from deploytool.pipeline import Context
from deploytool.steps import REGISTRY, drain, restart_queue
from tests.pipeline.recording import RecordingTransport
from tests.pipeline.test_runner import Clock

S = "\x1f"
NEW, OLD = "20260101T000000Z-bbbbbbb", "20251231T000000Z-aaaaaaa"
HOSTS = (
    Host("10.0.0.1", "h1", migrate=True),
    Host("10.0.0.2", "h2", roles=("worker", "long-jobs")),
    Host("10.0.0.3", "h3"),
)


def proc(pid, release, state="S", ppid=1, ignore=False, pending=False):
    stat = (
        f"{pid} (php) {state} {ppid} {pid} {pid} 0 -1 4194560 1 0 0 0 150 25 0 0 20 0 1 0 "
        f"{pid * 100} 1 1 1"
    )
    sig = (
        f"State:{state} SigPnd:0000000000000000 "
        f"ShdPnd:{'0000000000004000' if pending else '0000000000000000'} SigBlk:0 "
        f"SigIgn:{'0000000000004000' if ignore else '0000000000000000'} "
    )
    return (
        f"P{S}{pid}{S}1001{S}/app/releases/{release}{S}{sig}{S}{stat}{S}php /app/current/artisan "
        "queue:work redis"
    )


def census_text(*procs):
    return "\n".join([f"H{S}5000.0{S}1000000{S}releases/{NEW}", *procs]) + "\n"


class Fleet:
    """Per host, what the census shows at each poll (the last entry repeats), and the answers to
    the signal and reach commands."""

    def __init__(self, script, signal_out=None, reach=None):
        self.script = script
        self.polls = {h: 0 for h in script}
        self.signal_out = signal_out or (lambda host, text: "")
        self.reach = reach or {}

    def __call__(self, host, text):
        if "deploytool-census" in text:
            seq = self.script[host]
            out = seq[min(self.polls[host], len(seq) - 1)]
            self.polls[host] += 1
            return 0, out
        if text.startswith("id -u"):
            return 0, "1001\n"
        if "deploytool-signal" in text:
            return 0, self.signal_out(host, text)
        if "deploytool-restart-reach" in text:
            return 0, self.reach.get(host, "")
        return 0, ""


def make(fleet, drain_policy, host_drain=None, transport=None, kind_drain=None, **app_kw):
    app_kw.setdefault("workers", (WorkerKind(user="deploy"),))
    app = Application(name="a", repository="/origin.git", deploy_path="/app", **app_kw)
    stage = Stage(
        "prod",
        HOSTS,
        SSHSettings(user="deploy"),
        drain=drain_policy,
        host_drain=host_drain or {},
        kind_drain=kind_drain or {},
    )
    inv = Inventory(path=builtin_playbooks(), application=app, stages={"prod": stage})
    pb = load_playbook(builtin_playbooks() / "laravel.yml", tuple(REGISTRY))
    tr = transport or RecordingTransport(fleet)
    bus, rec = Bus(), Recorder()
    bus.subscribe(rec)
    ctx = Context(
        inventory=inv, stage=stage, playbook=pb, transport=tr, bus=bus, ref="main", clock=Clock()
    )
    ctx.state.release, ctx.state.switch_time = NEW, 999_000.0
    return ctx, tr, rec


def signalled(host, text):
    """Answer a guarded signal command: every pid in it was signalled."""
    words = text.split(" deploytool-signal ", 1)[1].split()
    return "".join(f"R{S}{p}{S}ok{S}SIG{words[0]} sent\n" for p in words[3::3])


def test_one_census_per_host_per_poll_and_drained_hosts_are_not_polled_again():
    fleet = Fleet(
        {
            "h1": [census_text(proc(11, OLD)), census_text(proc(12, NEW))],
            "h2": [census_text(proc(21, OLD))] * 3 + [census_text()],
            "h3": [census_text(proc(31, NEW))],
        }
    )
    ctx, tr, rec = make(fleet, DrainPolicy(deadline=60, poll=1))
    assert "no worker runs old code" in drain.run(ctx, {})
    assert fleet.polls == {"h1": 2, "h2": 4, "h3": 1}
    assert len(rec.of(DrainProgress)) == 4  # one round per poll
    assert (
        len([t for _, t in tr.log if t.startswith("id -u")]) == 3
    )  # the app user's uid, once per host
    assert tr.ran("deploytool-signal") == []  # abort: nothing is ever touched


def test_per_role_policy_escalates_only_that_host_and_every_action_is_an_event():
    stuck = [census_text(proc(21, OLD, ignore=True), proc(22, NEW))]
    fleet = Fleet(
        {
            "h1": [census_text(proc(11, OLD))] * 2 + [census_text()],
            "h2": stuck * 6 + [census_text(proc(22, NEW))],
            "h3": [census_text()],
        },
        signal_out=signalled,
    )
    role = DrainPolicy(
        deadline=30,
        poll=1,
        on_timeout="escalate",
        unreached_after=60,
        ladder=(Rung(2, "term"), Rung(4, "kill")),
    )
    ctx, tr, rec = make(fleet, DrainPolicy(deadline=30, poll=1), host_drain={"h2": role})
    drain.run(ctx, {})
    esc = [
        (e.action, e.host, e.pid, e.release, e.state, e.ok, e.rung, e.ignores_term)
        for e in rec.of(Escalated)
    ]
    assert esc == [
        ("term", "h2", 21, OLD, "sleeping", True, 0, True),
        ("kill", "h2", 21, OLD, "sleeping", True, 1, True),
    ]
    assert sorted(tr.ran("deploytool-signal")) == ["h2", "h2"]
    sig = [t for _, t in tr.log if "deploytool-signal" in t][-1]
    assert sig.endswith(
        f"KILL /app 1001 21 2100 {OLD}"
    )  # pid, start ticks, release: checked on the host


def test_abort_gives_up_with_the_drain_exit_code_and_names_each_worker():
    fleet = Fleet(
        {
            "h1": [census_text(proc(11, OLD, state="T", pending=True))],
            "h2": [census_text()],
            "h3": [census_text()],
        }
    )
    ctx, tr, rec = make(fleet, DrainPolicy(deadline=5, poll=1, ladder=(Rung(1, "kill"),)))
    with pytest.raises(DrainTimeout) as e:
        drain.run(ctx, {})
    assert e.value.exit_code == 7
    assert (
        f"h1: pid 11 release {OLD} age" in e.value.message
        and "state stopped, SIGTERM pending" in e.value.message
    )
    assert "nothing was killed" in e.value.message and tr.ran("deploytool-signal") == []
    assert ctx.clock.t == 5


def test_cache_mode_names_the_host_the_restart_did_not_reach_before_escalating():
    reach = {
        "h1": f'K{S}/app/current{S}{{"store": "redis", "prefix": "lab_", "value": "17"}}\n',
        "h3": f'K{S}/app/releases/{OLD}{S}{{"store": "redis", "prefix": "h3_", "value": null}}\n',
    }
    fleet = Fleet(
        {
            "h1": [census_text(proc(11, NEW))],
            "h2": [census_text()],
            "h3": [census_text(proc(31, OLD), proc(32, OLD))] * 4 + [census_text()],
        },
        signal_out=signalled,
        reach=reach,
    )
    ctx, tr, rec = make(
        fleet,
        DrainPolicy(
            deadline=30, poll=1, on_timeout="escalate", unreached_after=2, ladder=(Rung(3, "term"),)
        ),
    )
    drain.run(ctx, {})
    kinds = [
        (type(e).__name__, getattr(e, "topic", ""), e.host)
        for e in rec.events
        if isinstance(e, (DrainNotice, Escalated))
    ]
    assert kinds == [
        ("DrainNotice", "unreached", "h3"),
        ("Escalated", "", "h3"),
        ("Escalated", "", "h3"),
    ]
    msg = rec.of(DrainNotice)[0].message
    assert "prefix 'h3_'" in msg and "prefix 'lab_' on h1" in msg and "not set" in msg
    assert sorted(tr.ran("deploytool-restart-reach")) == ["h1", "h3"]  # one command per host, once
    assert ctx.state.drain["unreached"] == ["h3"]


def test_signal_mode_restart_step_sends_nothing_and_the_drain_rolls_host_by_host():
    new_up = census_text(proc(91, NEW), proc(92, NEW))  # age 5000 - 9100/100 s: long up
    fleet = Fleet(
        {
            "h1": [census_text(proc(11, OLD), proc(12, OLD)), new_up],
            "h2": [census_text(proc(21, OLD), proc(22, OLD))] * 2 + [new_up],
            "h3": [census_text(proc(31, OLD), proc(32, OLD))] * 3 + [new_up],
        },
        signal_out=signalled,
    )
    ctx, tr, rec = make(fleet, DrainPolicy(deadline=30, poll=1, restart_mode="signal", batch="1"))
    assert restart_queue.run(ctx, {"command": ["queue:restart"]}).startswith("signal mode")
    drain.run(ctx, {})
    assert tr.ran("queue:restart") == []
    order = [(e.host, e.pid) for e in rec.of(Escalated)]
    assert order == [("h1", 11), ("h1", 12), ("h2", 21), ("h2", 22), ("h3", 31), ("h3", 32)]
    assert all(e.action == "signal" and e.rung == -1 for e in rec.of(Escalated))
    # at every round at most one host is draining: the others keep their (old) capacity
    for p in rec.of(DrainProgress):
        assert sum(1 for _, s in p.host_status if s == "draining") <= 1


def horizon_proc(pid, ppid, role):
    args = {
        "master": "php /app/current/artisan horizon",
        "supervisor": "php artisan horizon:supervisor h1-x:default",
        "worker": "php artisan horizon:work redis --name=default --supervisor=h1-x:default",
    }[role]
    return proc(pid, OLD, ppid=ppid).rsplit(S, 1)[0] + S + args


def test_horizon_playbook_terminates_on_every_host_and_graceful_rungs_go_to_the_master_only():
    tree = census_text(
        horizon_proc(40, 1, "master"),
        horizon_proc(41, 40, "supervisor"),
        horizon_proc(42, 41, "worker"),
        horizon_proc(43, 41, "worker"),
    )
    fleet = Fleet(
        {"h1": [tree] * 6 + [census_text()], "h2": [census_text()], "h3": [census_text()]},
        signal_out=signalled,
        reach={
            "h1": f'K{S}/app/current{S}{{"value": "1"}}\n'
            f'K{S}/app/releases/{OLD}{S}{{"value": "1"}}\n'
        },
    )
    ctx, tr, rec = make(
        fleet,
        DrainPolicy(
            deadline=30,
            poll=1,
            on_timeout="escalate",
            unreached_after=60,
            ladder=(Rung(1, "term"), Rung(3, "kill")),
        ),
    )
    ctx = ctx.__class__(
        **{
            **ctx.__dict__,
            "playbook": load_playbook(builtin_playbooks() / "laravel-horizon.yml", tuple(REGISTRY)),
        }
    )
    spec = next(s for s in ctx.playbook.steps if s.name == "restart-queue")
    restart_queue.run(ctx, spec.options)
    assert sorted(tr.ran("artisan horizon:terminate")) == ["h1", "h2", "h3"]
    drain.run(ctx, {})
    assert all("[a]rtisan horizon" in t for _, t in tr.log if "deploytool-census" in t)
    by_action = {}
    for e in rec.of(Escalated):
        by_action.setdefault(e.action, []).append(e.pid)
    assert by_action == {"term": [40], "kill": [40, 41, 42, 43]}
    views = {w.pid: (w.kind, w.process) for p in rec.of(DrainProgress) for w in p.old}
    assert views == {
        40: ("queue", "horizon-master"),
        41: ("queue", "horizon-supervisor"),
        42: ("queue", "horizon-worker"),
        43: ("queue", "horizon-worker"),
    }
