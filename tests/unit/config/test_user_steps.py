"""Playbooks with user steps and hooks: what loads, and every mistake located at file:line:col."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from deploytool.config.model import Secret
from deploytool.config.playbook import builtin_playbooks, load_playbook
from deploytool.config.user_steps import expand, placeholders
from deploytool.errors import ConfigError, ExitCode
from deploytool.steps import REGISTRY

ROLES = frozenset({"web", "worker"})
ROOT = Path(__file__).resolve().parents[3]


def load(tmp_path, text, name="app.yml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return load_playbook(p, tuple(REGISTRY), ROLES)


def problems(tmp_path, text) -> list[str]:
    with pytest.raises(ConfigError) as e:
        load(tmp_path, text)
    assert e.value.exit_code == ExitCode.CONFIG
    return [p.replace(str(tmp_path) + "/", "") for p in e.value.problems]


def names(specs) -> list[str]:
    return [s.name for s in specs]


def test_the_documented_example_playbook_loads(monkeypatch):
    monkeypatch.setenv("SENTRY_AUTH_TOKEN", "sentry-s3cret")
    pb = load_playbook(ROOT / "playbook.example.yml", tuple(REGISTRY), ROLES)
    assert pb.extends == builtin_playbooks() / "laravel.yml"
    assert names(pb.steps) == [
        "pull",
        "install",
        "check-migrations",
        "migrate",
        "cache",
        "prepare-web",
        "artisan storage:link",
        "npm ci",
        "assets",
        "switch",
        "reload-web",
        "health",
        "restart-queue",
        "drain",
        "notify-sentry {release} {commit}",
        "cleanup",
    ]
    by = {s.name: s for s in pb.steps}
    sentry = by["notify-sentry {release} {commit}"].user
    assert sentry.once and sentry.ignore_failure and sentry.argv[0] == "./bin/notify-sentry"
    assert isinstance(sentry.env["SENTRY_AUTH_TOKEN"], Secret)
    assert pb.secrets() == ("sentry-s3cret",)
    assert names(pb.on_failure) == ["discard", "page-oncall {stage} {step}"]
    assert pb.on_failure[1].user.local and pb.on_failure[1].user.cwd == "current"
    assert by["artisan storage:link"].user.artisan
    assert by["artisan storage:link"].user.roles == ("web",)
    assert by["assets"].user.when_changed == ("package-lock.json", "resources/", "vite.config.js")
    assert by["npm ci"].user.timeout == 600 and by["npm ci"].user.cwd == "release"
    assert names(pb.rollback)[0] == "select-rollback"  # inherited
    assert pb.restart_scope == "once" and pb.worker_pattern is None


def test_a_playbook_may_list_its_whole_pipeline_with_user_steps_inline(tmp_path):
    pb = load(
        tmp_path,
        """\
        steps:
          - pull
          - run: [sh, -c, "echo hi > {release}.txt"]
            name: hello
          - switch
        on_failure:
          - run: [echo, failed]
        """,
    )
    assert names(pb.steps) == ["pull", "hello", "switch"]
    assert names(pb.on_failure) == ["discard", "echo failed"]  # after the built-in discard


def test_an_on_failure_list_naming_discard_is_the_whole_list(tmp_path):
    pb = load(tmp_path, "steps: [pull]\non_failure: [{run: [echo, first]}, discard]\n")
    assert names(pb.on_failure) == ["echo first", "discard"]


def test_extends_a_playbook_next_to_it_and_hooks_on_a_user_step(tmp_path):
    load(tmp_path, "steps: [pull, {run: [make], name: build}, switch]\n", name="base.yml")
    pb = load(
        tmp_path,
        """\
        extends: base
        before: {build: [{run: [echo, one]}], pull: [{run: [echo, zero], cwd: current}]}
        after: {build: [{run: [echo, two]}]}
        """,
    )
    assert names(pb.steps) == ["echo zero", "pull", "echo one", "build", "echo two", "switch"]
    assert pb.extends == tmp_path / "base.yml"


def test_placeholders_are_found_and_expanded():
    assert placeholders("x-{release}-{host}") == ["release", "host"]
    assert expand("{{literal}} {release}/{host}", {"release": "r1", "host": "h1"}) == (
        "{literal} r1/h1"
    )
    with pytest.raises(ValueError):
        placeholders("{release")


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "extends: laravel\nbefore:\n  switch:\n    - run: [npm, ci]\n      tiemout: 5m\n",
            "app.yml:5:7: before.switch[0].tiemout: unknown key (did you mean 'timeout'?)",
        ),
        (
            "extends: laravel\nbefore:\n  switch:\n    - run: [echo, '{relase}']\n",
            "app.yml:4:19: before.switch[0].run[1]: unknown placeholder {relase} (placeholders: "
            "{release}, {commit}, {stage}, {step}, {host}; write {{ and }} for literal braces)",
        ),
        (
            "extends: laravel\nbefore:\n  switch:\n    - run: [echo, '{release']\n",
            "app.yml:4:19: before.switch[0].run[1]: expected '}' before end of string",
        ),
        (
            "extends: laravle\n",
            "app.yml:1:10: extends: no playbook 'laravle' (looked for ",
        ),
        (
            "extends: laravel\nafter:\n  swich:\n    - run: [echo]\n",
            "app.yml:3:3: after.swich: no step named 'swich' in the pipeline (did you mean "
            "'switch'?)",
        ),
        (
            "extends: laravel\nbefore:\n  switch:\n    - run: [echo]\n      roles: [db]\n",
            "app.yml:5:15: before.switch[0].roles: no host of any stage has the role 'db' "
            "(roles: web, worker)",
        ),
        (
            "extends: laravel\nbefore:\n  switch:\n    - run: [echo]\n      artisan: [up]\n",
            "app.yml:4:7: before.switch[0]: a user step has `run:` (an argv) or `artisan:` "
            "(php artisan's arguments), not both",
        ),
        (
            "extends: laravel\nbefore:\n  switch:\n    - roles: [web]\n",
            "app.yml:4:7: before.switch[0]: a user step has `run:` (an argv) or `artisan:`",
        ),
        (
            "extends: laravel\nbefore:\n  switch:\n    - run: npm ci\n",
            "app.yml:4:12: before.switch[0].run: expected a list (an argv, e.g. run: [npm, ci]), "
            "got a string: deploytool never splits a command line into words",
        ),
        (
            "extends: laravel\nbefore:\n  switch:\n    - run: []\n",
            "app.yml:4:12: before.switch[0].run: an empty argv",
        ),
        (
            "extends: laravel\nbefore:\n  switch:\n    - run: [x]\n      local: true\n"
            "      roles: [web]\n",
            "app.yml:6:7: before.switch[0].roles: does not apply to a local step",
        ),
        (
            "extends: laravel\nbefore:\n  switch:\n    - run: [x]\n      cwd: there\n",
            "app.yml:5:12: before.switch[0].cwd: expected one of release, current, got 'there'",
        ),
        (
            "extends: laravel\nsteps: [pull]\n",
            "app.yml:2:8: steps: give `extends:` or `steps:`, not both",
        ),
        (
            "steps: [pull, {run: [echo]}, {run: [echo]}]\n",
            "app.yml:1:8: steps: the step name 'echo' is used twice",
        ),
        (
            "steps: [pull, {run: [echo], name: switch}, switch]\n",
            "app.yml:1:8: steps: the step name 'switch' is used twice",
        ),
        (
            "extends: laravel\nbefore: [pull]\n",
            "app.yml:2:9: before: expected a mapping: step name -> list of steps",
        ),
        (
            "extends: laravel\nbefore:\n  switch:\n    - run: [x]\n"
            "      env: {A: '${env:DT_UNSET_X}'}\n",
            "app.yml:5:16: before.switch[0].env.A: environment variable DT_UNSET_X is not set",
        ),
    ],
)
def test_each_mistake_is_located(tmp_path, text, expected):
    got = problems(tmp_path, text)
    assert any(p.startswith(expected) for p in got), got


def test_every_mistake_is_reported_at_once(tmp_path):
    got = problems(
        tmp_path,
        """\
        extends: laravel
        before:
          switch:
            - run: [npm, ci]
              whenchanged: [package-lock.json]
            - run: [echo, "{nope}"]
          nowhere:
            - artisan: [up]
        """,
    )
    assert len(got) == 3, got


def test_extends_itself_is_an_error_not_a_loop(tmp_path):
    (tmp_path / "a.yml").write_text("extends: b\n")
    (tmp_path / "b.yml").write_text("extends: a\n")
    with pytest.raises(ConfigError) as e:
        load_playbook(tmp_path / "a.yml", tuple(REGISTRY), ROLES)
    assert "extends itself" in str(e.value)


def test_the_user_registry_entry_is_not_a_step_name(tmp_path):
    got = problems(tmp_path, "steps: [pull, user]\n")
    assert got[0].startswith("app.yml:1:15: steps[1]: unknown step 'user'"), got
