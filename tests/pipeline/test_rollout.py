"""The health-gated switch on a recording transport: batch order, what a failing check does under
each on_unhealthy, and that a host outside the touched batches is never switched. Each host is a
tiny model (where `current` points; its web tier answers with whatever is current)."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from deploytool.config.model import (
    Application,
    DrainPolicy,
    Host,
    Inventory,
    SSHSettings,
    Stage,
)
from deploytool.config.playbook import builtin_playbooks, load_playbook
from deploytool.config.web_model import HealthCheck, Rollout, WebPolicy
from deploytool.errors import ExitCode, Interrupted, Unhealthy
from deploytool.events import Bus, HealthChecked, Recorder, RolledBack, RolloutBatch, StepStarted
from deploytool.pipeline import Context, run_steps
from deploytool.steps import REGISTRY

from .recording import RecordingTransport
from .test_runner import SHA, Clock

OLD = "20200101T000000Z-1111111"
HOSTS = tuple(Host(f"10.0.0.{i}", f"h{i}", migrate=i == 1) for i in range(1, 5))


class Fleet:
    """Per host: `current`; the new release's /health answers `broken` when `bad` says so."""

    def __init__(self, bad: bool):
        self.current = {h.name: OLD for h in HOSTS}
        self.bad = bad
        self.releases = {OLD}

    def answer(self, host: str, text: str) -> tuple[int, str]:
        if "rev-parse" in text:
            return 0, SHA + "\n"
        if "deploytool-releases" in text:
            rows = "".join(f"R\x1f{r}\x1f{{}}\n" for r in sorted(self.releases))
            return 0, f"C\x1freleases/{self.current[host]}\n{rows}"
        if "mv -T" in text:
            self.current[host] = text.split()[-1].strip("'")
            self.releases.add(self.current[host])
            return 0, "1000000.5\n"
        if "readlink" in text and "current" in text and "pgrep" not in text:
            return 0, f"releases/{self.current[host]}\n"
        if "stream_socket_client" in text:  # the FastCGI client: ping or reset
            body = json.dumps({"enabled": True, "reset": True, "sapi": "fpm-fcgi"})
            return 0, json.dumps({"socket": "/run/php/fpm.sock", "status": 200, "body": body})
        if "file_get_contents" in text and "X-Deploytool-Probe" in text:  # the HTTP client
            urls = re.findall(r'"url":"([^"]+)"', text)
            cur = self.current[host]
            out = []
            for u in urls:
                if u.endswith("deploytool-probe.php"):
                    body = f"deploytool-probe /app/releases/{cur}/public/deploytool-probe.php\n"
                else:
                    status = "broken" if self.bad and cur != OLD else "ok"
                    body = json.dumps({"status": status}, separators=(",", ":"))
                out.append({"url": u, "status": 200, "body": body, "error": "", "seconds": 0})
            return 0, json.dumps(out)
        return 0, ""


def make(fleet: Fleet, rollout: Rollout):
    app = Application(
        name="a", repository="/origin.git", deploy_path="/app", drain=DrainPolicy(deadline=5)
    )
    app = replace(app, migrations=replace(app.migrations, policy="off"))
    web = WebPolicy(
        socket="/run/php/fpm.sock",
        health=(HealthCheck("/health", body='"status":"ok"', retries=1, interval=0.5),),
    )
    stage = Stage(
        "prod",
        HOSTS,
        SSHSettings(user="deploy"),
        web={h.name: web for h in HOSTS if h.name != "h3"},  # h3 has no web role
        rollout=rollout,
    )
    inv = Inventory(path=builtin_playbooks(), application=app, stages={"prod": stage})
    pb = load_playbook(builtin_playbooks() / "laravel.yml", tuple(REGISTRY))
    tr = RecordingTransport(fleet.answer)
    bus, rec = Bus(), Recorder()
    bus.subscribe(rec)
    ctx = Context(
        inventory=inv, stage=stage, playbook=pb, transport=tr, bus=bus, ref="main", clock=Clock()
    )
    return ctx, tr, rec


def switches(tr) -> list[str]:
    return [h for h, t in tr.log if "mv -T" in t]


def test_healthy_rollout_goes_canary_then_batches():
    fleet = Fleet(bad=False)
    ctx, tr, rec = make(fleet, Rollout(canary=1, batch="50%"))
    run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    assert [(b.index, b.hosts, b.canary) for b in rec.of(RolloutBatch)] == [
        (1, ("h1",), True),
        (2, ("h2", "h3"), False),
        (3, ("h4",), False),
    ]
    assert switches(tr) == ["h1", "h2", "h3", "h4"]
    new = ctx.state.release
    assert set(fleet.current.values()) == {new}
    assert sorted(e.host for e in rec.of(HealthChecked) if e.ok) == ["h1", "h2", "h4"]
    assert tr.ran("queue:restart") == ["h1"]  # once, after the last batch


def test_a_failing_canary_rolls_back_the_canary_only():
    fleet = Fleet(bad=True)
    ctx, tr, rec = make(fleet, Rollout(canary=1))
    with pytest.raises(Unhealthy) as e:
        run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    assert e.value.exit_code == ExitCode.UNHEALTHY_ROLLED_BACK
    assert "h1: GET http://127.0.0.1/health answered 200" in e.value.message
    assert "rolled back h1 from " in e.value.message and "h2, h3, h4 were never switched" in (
        e.value.message
    )
    assert switches(tr) == ["h1", "h1"]  # there and back, nowhere else
    assert fleet.current == {h.name: OLD for h in HOSTS}
    (back,) = rec.of(RolledBack)
    assert back.ok and back.hosts == ("h1",) and back.to == OLD
    assert tr.ran("queue:restart") == ["h1"]  # the rollback's restart: the queue goes back too


def test_without_a_rollout_every_host_is_checked_and_rolled_back():
    fleet = Fleet(bad=True)
    ctx, tr, rec = make(fleet, Rollout())
    with pytest.raises(Unhealthy) as e:
        run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    assert e.value.exit_code == ExitCode.UNHEALTHY_ROLLED_BACK
    assert sorted(switches(tr)) == sorted(["h1", "h2", "h3", "h4"] * 2)
    assert fleet.current == {h.name: OLD for h in HOSTS}


def test_on_unhealthy_stop_leaves_the_fleet_and_says_so():
    fleet = Fleet(bad=True)
    ctx, tr, rec = make(fleet, Rollout(canary=1, on_unhealthy="stop"))
    with pytest.raises(Unhealthy) as e:
        run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    assert e.value.exit_code == ExitCode.UNHEALTHY
    new = ctx.state.release
    assert f"left as it is (on_unhealthy: stop): h1 switched to {new}; h2, h3, h4 not switched" in (
        e.value.message
    )
    assert fleet.current == {"h1": new, "h2": OLD, "h3": OLD, "h4": OLD}
    assert tr.ran("queue:restart") == []
    assert f"--to {OLD}" in e.value.hint


def test_a_cancel_during_the_switch_still_resets_opcache_and_restarts_the_queue():
    """Stopping between the switch and reload-web would leave FPM serving the old code."""
    fleet = Fleet(bad=False)
    ctx, tr, rec = make(fleet, Rollout())

    def answer(host, text):
        if "mv -T" in text:
            ctx.cancel.trip(2)  # SIGINT lands while the hosts switch
        return fleet.answer(host, text)

    tr.answer = answer
    ctx = replace(
        ctx,
        stage=replace(ctx.stage, web={h: replace(w, health=()) for h, w in ctx.stage.web.items()}),
    )
    with pytest.raises(Interrupted):
        run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    started = [e.step for e in rec.of(StepStarted)]
    assert started[-3:] == ["switch", "reload-web", "restart-queue"]  # health and drain skipped
    assert sorted(h for h, t in tr.log if "opcache_reset" in t) == ["h1", "h2", "h4"]
    assert tr.ran("queue:restart") == ["h1"]
