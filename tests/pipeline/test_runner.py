"""The pipeline on a recording transport: event order, failure at each step, the all-or-nothing
switch, and interruption at a safe point."""

from __future__ import annotations

import pytest

from deploytool.config.model import Application, DrainPolicy, Host, Inventory, SSHSettings, Stage
from deploytool.config.playbook import builtin_playbooks, load_playbook
from deploytool.errors import DeployError, HostError, Interrupted
from deploytool.events import Bus, Recorder, StepFinished, StepStarted
from deploytool.pipeline import Context, run_steps
from deploytool.steps import REGISTRY

from .recording import RecordingTransport

SHA = "0123456789abcdef0123456789abcdef01234567"
HOSTS = (Host("10.0.0.1", "h1", migrate=True), Host("10.0.0.2", "h2"), Host("10.0.0.3", "h3"))


class Clock:
    def __init__(self):
        self.t = 0.0

    def monotonic(self):
        return self.t

    def time(self):
        return 1_000_000 + self.t

    def sleep(self, s, cancel=None):
        self.t += s

    def wait_for(self, event, s, cancel=None):
        if event.is_set():
            return True
        self.t += s
        return False


def make(answer, **app_kw):
    app = Application(
        name="a",
        repository="/origin.git",
        deploy_path="/app",
        drain=DrainPolicy(deadline=30, poll=1),
        **app_kw,
    )
    app = Application(**{**app.__dict__, "migrations": app.migrations.__class__(policy="off")})
    stage = Stage("prod", HOSTS, SSHSettings(user="deploy"))
    inv = Inventory(path=builtin_playbooks(), application=app, stages={"prod": stage})
    pb = load_playbook(builtin_playbooks() / "laravel.yml", tuple(REGISTRY))
    tr = RecordingTransport(answer)
    bus, rec = Bus(), Recorder()
    bus.subscribe(rec)
    ctx = Context(
        inventory=inv, stage=stage, playbook=pb, transport=tr, bus=bus, ref="main", clock=Clock()
    )
    return ctx, tr, rec


def happy(host, text):
    if "rev-parse" in text:
        return 0, SHA + "\n"
    if "mv -T" in text:
        return 0, "1000000.5\n"
    if "readlink" in text and "current" in text and "pgrep" not in text:
        return 0, "releases/20200101T000000Z-1111111\n"
    return 0, ""


def test_success_runs_every_step_in_order_on_the_right_hosts():
    ctx, tr, rec = make(happy)
    run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    started = [e.step for e in rec.of(StepStarted)]
    assert started == [
        "pull",
        "install",
        "check-migrations",
        "migrate",
        "cache",
        "prepare-web",
        "switch",
        "reload-web",
        "health",
        "restart-queue",
        "drain",
        "cleanup",
    ]
    assert all(e.ok for e in rec.of(StepFinished))
    assert tr.ran("artisan migrate --force") == ["h1"]  # exactly once, on the migration host
    assert tr.ran("queue:restart") == ["h1"]
    assert sorted(tr.ran("composer install")) == ["h1", "h2", "h3"]
    assert sorted(tr.ran("mv -T")) == ["h1", "h2", "h3"]
    # migrate runs before any switch
    order = [t for _, t in tr.log]
    assert max(i for i, t in enumerate(order) if "migrate --force" in t) < min(
        i for i, t in enumerate(order) if "mv -T" in t
    )


@pytest.mark.parametrize("failing", ["composer install", "migrate --force", "config:cache"])
def test_failure_before_switch_stops_and_discards_the_release(failing):
    def answer(host, text):
        if failing in text and host == "h1":
            return 1, ""
        return happy(host, text)

    ctx, tr, rec = make(answer)
    with pytest.raises(HostError) as e:
        run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    assert e.value.host == "h1"
    assert tr.ran("mv -T") == []  # current untouched everywhere
    assert sorted(tr.ran("rm -rf -- /app/releases/")) == ["h1", "h2", "h3"]
    assert [e.ok for e in rec.of(StepFinished)][-1] is False


def test_switch_failure_on_one_host_puts_the_others_back():
    def answer(host, text):
        if "mv -T" in text and host == "h3" and "20200101" not in text:
            return 1, ""
        return happy(host, text)

    ctx, tr, rec = make(answer)
    with pytest.raises(HostError):
        run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    restores = [(h, t) for h, t in tr.log if "mv -T" in t and "20200101T000000Z-1111111" in t]
    assert sorted(h for h, _ in restores) == [
        "h1",
        "h2",
        "h3",
    ]  # every host put back to the old release
    assert tr.ran("queue:restart") == []


def test_interrupt_stops_at_the_next_safe_point():
    ctx, tr, rec = make(happy)

    def answer(host, text):
        if "composer install" in text:
            ctx.cancel.trip(2)
        return happy(host, text)

    tr.answer = answer
    with pytest.raises(Interrupted) as e:
        run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    assert e.value.exit_code == 130
    assert tr.ran("migrate --force") == [] and tr.ran("mv -T") == []


def test_hosts_resolving_different_commits_fail_the_pull():
    def answer(host, text):
        if "rev-parse" in text:
            return 0, (SHA if host != "h2" else "f" * 40) + "\n"
        return happy(host, text)

    ctx, tr, rec = make(answer)
    with pytest.raises(DeployError, match="different commits"):
        run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)


def test_a_cancel_between_steps_still_discards_the_half_built_release():
    ctx, tr, rec = make(happy)

    def answer(host, text):
        if "migrate --force" in text:
            ctx.cancel.trip(2)  # lands while migrate runs; migrate itself succeeds
        return happy(host, text)

    tr.answer = answer
    with pytest.raises(Interrupted):
        run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    assert sorted(tr.ran("rm -rf -- /app/releases/")) == ["h1", "h2", "h3"]
    assert tr.ran("mv -T") == []
