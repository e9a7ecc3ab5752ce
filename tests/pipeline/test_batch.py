"""Rolling batches for the whole pipeline (`ship --batch`, application.batch, stages.S.batch): every
step runs on at most the window's hosts at a time, counted on a recording transport that holds
each command a moment; the switch stays all at once; a failed host stops the rollout."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import pytest

from deploytool.commands.ship import batch_of
from deploytool.config.model import Application, DrainPolicy, Host, Inventory, SSHSettings, Stage
from deploytool.config.playbook import builtin_playbooks, load_playbook
from deploytool.errors import HostError, UsageError
from deploytool.events import Bus, Recorder
from deploytool.fanout import per_batch
from deploytool.pipeline import Context, run_steps
from deploytool.steps import REGISTRY

from .recording import RecordingTransport
from .test_runner import Clock, happy

HOSTS = tuple(Host(f"10.0.1.{i}", f"h{i:02}", migrate=i == 1) for i in range(1, 21))


class Counting(RecordingTransport):
    """Counts, per step, the commands in flight at once (each held 10 ms)."""

    def __init__(self, answer):
        super().__init__(answer)
        self.lock = threading.Lock()
        self.now: dict[str, int] = defaultdict(int)
        self.peak: dict[str, int] = defaultdict(int)

    def run(self, host, command, *, timeout, step="", marked=True, on_output=None):
        with self.lock:
            self.now[step] += 1
            self.peak[step] = max(self.peak[step], self.now[step])
        try:
            time.sleep(0.01)  # the fake host's command time: makes overlap observable
            return super().run(host, command, timeout=timeout, step=step, marked=marked)
        finally:
            with self.lock:
                self.now[step] -= 1


def make(answer, batch: str):
    app = Application(
        name="a", repository="/origin.git", deploy_path="/app", drain=DrainPolicy(30, 1)
    )
    app = Application(**{**app.__dict__, "migrations": app.migrations.__class__(policy="off")})
    stage = Stage("prod", HOSTS, SSHSettings(user="deploy"))
    inv = Inventory(path=builtin_playbooks(), application=app, stages={"prod": stage})
    pb = load_playbook(builtin_playbooks() / "laravel.yml", tuple(REGISTRY))
    tr, bus, rec = Counting(answer), Bus(), Recorder()
    bus.subscribe(rec)
    ctx = Context(
        inventory=inv,
        stage=stage,
        playbook=pb,
        transport=tr,
        bus=bus,
        ref="main",
        clock=Clock(),
        batch=batch,
    )
    return ctx, tr


def failing_ship(answer, batch: str):
    ctx, tr = make(answer, batch)
    try:
        with pytest.raises(HostError) as e:
            run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    finally:
        ctx.close()
    return e, tr


@pytest.mark.parametrize("batch,window", [("25%", 5), ("3", 3)])
def test_each_step_runs_on_at_most_the_window_and_the_switch_on_every_host(batch, window):
    ctx, tr = make(happy, batch)
    try:
        run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    finally:
        ctx.close()
    for step in ("pull", "install", "cache", "cleanup"):
        assert tr.peak[step] == window, (step, dict(tr.peak))  # the window is used, not exceeded
    assert sorted(tr.ran("composer install")) == [h.name for h in HOSTS]  # every host, in the end
    assert tr.peak["switch"] > window  # the switch flips every host at once, never in batches


def test_without_a_batch_every_host_runs_at_once():
    ctx, tr = make(happy, "")
    try:
        run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    finally:
        ctx.close()
    assert tr.peak["install"] > 5


def test_a_failed_host_stops_the_rollout_before_the_switch():
    def answer(host, text):
        if "composer install" in text and host == "h02":
            return 1, ""
        return happy(host, text)

    e, tr = failing_ship(answer, "2")
    assert e.value.host == "h02"
    installed = tr.ran("composer install")
    assert "h02" in installed and len(installed) < len(HOSTS)  # later hosts never started
    assert tr.ran("mv -T") == []  # nothing switched
    assert len(tr.ran("rm -rf -- /app/releases/")) == len(HOSTS)  # the release discarded everywhere


def test_the_window_is_a_count_or_a_percentage_rounded_up():
    assert [per_batch(b, 500) for b in ("10%", "1%", "100%", "10", "1")] == [50, 5, 500, 10, 1]
    assert per_batch("10%", 3) == 1


class Args:
    def __init__(self, batch=None):
        self.batch = batch


def test_batch_comes_from_the_command_line_then_the_stage_then_the_application():
    app = Application(name="a", repository="/r.git", deploy_path="/app", batch="20%")
    inv = Inventory(path=builtin_playbooks(), application=app, stages={})
    plain = Stage("prod", HOSTS, SSHSettings(user="deploy"))
    staged = Stage("prod", HOSTS, SSHSettings(user="deploy"), batch="5")
    assert batch_of(Args(), inv, plain) == "20%"
    assert batch_of(Args(), inv, staged) == "5"
    assert batch_of(Args("10%"), inv, staged) == "10%"
    with pytest.raises(UsageError, match="--batch: expected a host count like 1 or a percentage"):
        batch_of(Args("0%"), inv, plain)


def test_a_few_failed_hosts_out_of_many_are_all_named():
    def answer(host, text):
        if "composer install" in text and host in ("h04", "h11", "h17"):
            return 1, ""
        return happy(host, text)

    e, tr = failing_ship(answer, "")
    assert e.value.host == "h04" or e.value.host in ("h11", "h17")
    others = {"h04", "h11", "h17"} - {e.value.host}
    assert f"(2 more host(s) failed in install: {', '.join(sorted(others))})" in e.value.message
    assert tr.ran("mv -T") == []
