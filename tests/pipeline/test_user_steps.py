"""User steps on a recording transport: where they run (order, roles, once, local), what they run
(placeholders, artisan, env, cwd), when they skip (when_changed), and a failure or an ignored one.
The same on real hosts: tests/e2e/test_user_steps.py."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest

from deploytool.config.model import Host, Secret, Stage
from deploytool.config.playbook import load_playbook
from deploytool.envelope import wire
from deploytool.errors import DeployError, HostError
from deploytool.events import HostStepFinished, StepFinished, StepStarted
from deploytool.events import Warning as WarningEvent
from deploytool.pipeline import run_steps
from deploytool.redaction import ExportedSecret
from deploytool.steps import REGISTRY
from deploytool.transport.local import LocalTransport

from .test_runner import HOSTS, happy, make

ROLES = frozenset({"web", "worker"})


def with_playbook(tmp_path, text, answer=happy, hosts=HOSTS):
    ctx, tr, rec = make(answer)
    p = tmp_path / "app.yml"
    p.write_text(textwrap.dedent(text))
    pb = load_playbook(p, tuple(REGISTRY), ROLES)
    stage = dataclasses.replace(ctx.stage, hosts=hosts)
    object.__setattr__(ctx, "playbook", pb)
    object.__setattr__(ctx, "stage", stage)
    object.__setattr__(ctx, "local", LocalTransport(tmp_path))
    return ctx, tr, rec


def run(ctx):
    run_steps(ctx, ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)


MIXED = (
    Host("10.0.0.1", "h1", roles=("web",), migrate=True),
    Host("10.0.0.2", "h2", roles=("web", "worker")),
    Host("10.0.0.3", "h3", roles=("worker",)),
)


def test_hooks_run_in_place_on_their_hosts_with_placeholders_filled_in(tmp_path):
    ctx, tr, rec = with_playbook(
        tmp_path,
        """\
        extends: laravel
        before:
          switch:
            - artisan: [storage:link]
              roles: [web]
            - run: [./bin/mark, "{release}", "{commit}", "{stage}", "{step}", "{host}"]
              name: mark
              roles: [worker]
              env: {WHERE: "{host}"}
        after:
          drain:
            - run: [./bin/notify, "{release}"]
              once: true
              cwd: current
        """,
        hosts=MIXED,
    )
    run(ctx)
    started = [e.step for e in rec.of(StepStarted)]
    assert started.index("cache") < started.index("artisan storage:link") < started.index("mark")
    assert started.index("mark") < started.index("switch")
    assert started.index("drain") < started.index("notify {release}") < started.index("cleanup")
    assert tr.ran("artisan storage:link") == ["h1", "h2"]  # roles: [web]
    assert sorted(tr.ran("./bin/mark")) == ["h2", "h3"]
    assert tr.ran("./bin/notify") == ["h1"]  # once: the migration host
    rel = ctx.state.release
    mark_h3 = next(t for h, t in tr.log if h == "h3" and "./bin/mark" in t)
    assert f"./bin/mark {rel} {'0123456789ab'}" in mark_h3 and " prod mark h3" in mark_h3
    assert "WHERE=h3" in mark_h3 and f"cd /app/releases/{rel} " in mark_h3
    assert "cd /app/current " in next(t for _, t in tr.log if "./bin/notify" in t)
    assert (
        "php artisan storage:link"
        in tr.log[[t for _, t in tr.log].index(next(t for _, t in tr.log if "storage:link" in t))][
            1
        ]
    )
    by_step = {e.step: e.hosts for e in rec.of(StepStarted)}
    assert by_step["mark"] == ("h2", "h3") and by_step["notify {release}"] == ("h1",)


def test_once_without_the_migration_host_among_its_roles_runs_on_the_first_that_has_them(tmp_path):
    ctx, tr, rec = with_playbook(
        tmp_path,
        "extends: laravel\nafter: {switch: [{run: [./bin/x-step], once: true, roles: [worker]}]}\n",
        hosts=MIXED,
    )
    run(ctx)
    assert tr.ran("./bin/x-step") == ["h2"]


def test_when_changed_skips_the_hosts_where_the_paths_equal_the_previous_release(tmp_path):
    def answer(host, text):
        if "digest()" in text:
            return 0, ("changed package-lock.json\n" if host == "h2" else "same 2020-old\n")
        return happy(host, text)

    ctx, tr, rec = with_playbook(
        tmp_path,
        "extends: laravel\n"
        "before: {switch: [{run: [npm, ci], when_changed: [package-lock.json]}]}\n",
        answer,
    )
    run(ctx)
    assert tr.ran("npm ci") == ["h2"]
    details = {e.host: e.detail for e in rec.of(HostStepFinished) if e.step == "npm ci"}
    assert details["h1"] == "skipped: package-lock.json unchanged since 2020-old"
    assert details["h2"] == ""
    done = next(e for e in rec.of(StepFinished) if e.step == "npm ci")
    assert done.ok and done.detail.startswith("ran on h2; skipped on h1, h3")


def test_a_failing_user_step_before_the_switch_stops_the_ship_and_discards(tmp_path):
    def answer(host, text):
        if "./bin/check" in text and host == "h3":
            return 4, ""
        return happy(host, text)

    ctx, tr, rec = with_playbook(
        tmp_path, "extends: laravel\nbefore: {switch: [{run: [./bin/check]}]}\n", answer
    )
    with pytest.raises(HostError) as e:
        run(ctx)
    assert e.value.host == "h3" and e.value.step == "check"
    assert "exited with code 4" in e.value.message
    assert tr.ran("mv -T") == [] and tr.ran("queue:restart") == []
    assert sorted(tr.ran("rm -rf -- /app/releases/")) == ["h1", "h2", "h3"]


def test_ignore_failure_warns_and_goes_on(tmp_path):
    def answer(host, text):
        return (1, "") if "./bin/flaky" in text else happy(host, text)

    ctx, tr, rec = with_playbook(
        tmp_path,
        "extends: laravel\nafter: {switch: [{run: [./bin/flaky], ignore_failure: true}]}\n",
        answer,
    )
    run(ctx)
    assert len(tr.ran("queue:restart")) == 1
    warned = [w for w in rec.of(WarningEvent) if "flaky" in w.message]
    assert len(warned) == 3 and "ignore_failure" in warned[0].message


def test_a_local_step_runs_here_and_an_on_failure_step_gets_the_failed_step(tmp_path):
    def answer(host, text):
        return (1, "") if "composer install" in text else happy(host, text)

    ctx, tr, rec = with_playbook(
        tmp_path,
        """\
        extends: laravel
        before:
          pull:
            - run: [sh, -c, 'echo "$0 $1" > before.txt', "{stage}", "{host}"]
              local: true
        on_failure:
          - run: [sh, -c, 'echo "$0" > failed.txt', "{step}"]
            local: true
        """,
        answer,
    )
    with pytest.raises(HostError):
        run(ctx)
    assert (tmp_path / "before.txt").read_text() == "prod local\n"
    assert (tmp_path / "failed.txt").read_text() == "install\n"
    assert not any("before.txt" in t for _, t in tr.log)  # not sent to any host
    by_step = {e.step: e.hosts for e in rec.of(StepStarted)}
    assert next(v for k, v in by_step.items() if k.startswith("sh -c")) == ("local",)


def test_a_step_with_a_role_no_selected_host_has_is_skipped(tmp_path):
    ctx, tr, rec = with_playbook(
        tmp_path, "extends: laravel\nafter: {switch: [{run: [./bin/x-step], roles: [worker]}]}\n"
    )
    object.__setattr__(ctx, "stage", Stage("prod", MIXED[:1], ctx.stage.ssh))
    run(ctx)
    assert tr.ran("./bin/x-step") == []
    done = next(e for e in rec.of(StepFinished) if e.step == "x-step")
    assert done.ok and "no host here has the role worker" in done.detail


def test_a_steps_own_secrets_reach_its_program_and_an_artisan_steps_its_php(tmp_path, monkeypatch):
    """run: may be any program (sentry-cli, a script): its env secrets are exported to it. An
    artisan: step's reach its PHP in $_SERVER, like the application's env (envelope.py). Neither
    is ever in the command's text."""
    monkeypatch.setenv("HOOK_TOKEN", "hook-s3cret")
    ctx, tr, rec = with_playbook(
        tmp_path,
        """\
        extends: laravel
        before:
          switch:
            - run: [./bin/tell]
              env: {TOKEN: "${env:HOOK_TOKEN}"}
            - artisan: [lab:tell]
              env: {TOKEN: "${env:HOOK_TOKEN}"}
        """,
    )
    sent = []
    recorded = tr.run

    def keep(host, command, **kw):
        sent.append(command)
        return recorded(host, command, **kw)

    tr.run = keep
    run(ctx)
    tell = next(c for c in sent if "./bin/tell" in getattr(c, "argv", ()))
    art = next(c for c in sent if "lab:tell" in getattr(c, "argv", ()))
    assert isinstance(tell.env["TOKEN"], ExportedSecret)
    assert isinstance(art.env["TOKEN"], Secret) and not isinstance(art.env["TOKEN"], ExportedSecret)
    for c in (tell, art):
        assert "hook-s3cret" not in wire(c).text and b"deploytool-secrets" in wire(c).stdin


def test_release_before_pull_is_an_error_not_an_empty_argument(tmp_path):
    ctx, tr, rec = with_playbook(
        tmp_path,
        "extends: laravel\nbefore: {pull: [{run: [./bin/tag, '{release}'], cwd: current}]}\n",
    )
    with pytest.raises(DeployError, match=r"\{release\} is not known yet"):
        run(ctx)
    assert tr.ran("./bin/tag") == []
