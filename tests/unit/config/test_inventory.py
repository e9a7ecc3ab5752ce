"""Config errors carry file:line:col, a key path and a hint; every error is reported at once."""

import textwrap

import pytest

from deploytool.config import load_inventory
from deploytool.config.durations import parse_duration
from deploytool.config.model import WorkerKind
from deploytool.errors import ConfigError, ExitCode

GOOD = """\
application:
  name: shop
  repository: /srv/origin.git
  deploy_path: /var/www/app
stages:
  prod:
    ssh: {user: deploy}
    hosts:
      - {address: 10.0.0.1, migrate: true}
"""


def write(tmp_path, text):
    p = tmp_path / "inventory.yml"
    p.write_text(textwrap.dedent(text))
    return p


def problems(tmp_path, text):
    with pytest.raises(ConfigError) as e:
        load_inventory(write(tmp_path, text))
    assert e.value.exit_code == ExitCode.CONFIG
    return [
        line.split(": ", 1)[1] if False else line.replace(str(tmp_path) + "/", "")
        for line in e.value.problems
    ]


def test_example_inventory_loads(monkeypatch):
    monkeypatch.setenv("DEPLOY_TOKEN", "s3cr3t-token")
    inv = load_inventory("inventory.example.yml")
    prod = inv.stages["production"]
    assert prod.migration_host.name == "app1.example.com"
    assert [h.port for h in prod.hosts] == [22, 22, 2222]
    assert inv.application.drain.deadline == 600
    assert inv.secrets() == ("s3cr3t-token",)
    assert "s3cr3t-token" not in repr(inv.application)


def test_minimal_inventory_gets_defaults(tmp_path):
    inv = load_inventory(write(tmp_path, GOOD))
    app = inv.application
    assert (
        app.branch == "main"
        and app.keep_releases == 5
        and app.workers == (WorkerKind("queue", "artisan queue:work", "queue:restart"),)
    )
    assert app.install_argv[:2] == ("composer", "install")
    assert inv.stages["prod"].hosts[0].name == "10.0.0.1"


def test_all_errors_at_once_with_locations(tmp_path):
    got = problems(
        tmp_path,
        """\
        application:
          name: shop
          repositry: x
          deploy_path: var/www
          keep_releases: many
        stages:
          production:
            ssh: {user: deploy, conect_timeout: 3s}
            hosts:
              - {address: a, port: ssh, migrate: true}
        """,
    )
    assert got == [
        "inventory.yml:3:3: application.repositry: unknown key (did you mean 'repository'?)",
        "inventory.yml:4:16: application.deploy_path: must be an absolute path",
        "inventory.yml:5:18: application.keep_releases: expected an integer, got 'many'",
        "inventory.yml:2:3: application.repository: required key is missing",
        (
            "inventory.yml:8:25: stages.production.ssh.conect_timeout: unknown key (did you mean "
            "'connect_timeout'?)"
        ),
        "inventory.yml:10:28: stages.production.hosts[0].port: expected an integer, got 'ssh'",
    ]


@pytest.mark.parametrize(
    "snippet, expected",
    [
        (
            "drain: {deadline: 10 minutes}",
            "application.drain.deadline: expected a duration like 30s, 2m or 1h, got '10 minutes'",
        ),
        (
            "drain: {on_timeout: explode}",
            "application.drain.on_timeout: expected one of abort, escalate, wait, got 'explode'",
        ),
        ("drain: {on_timeout: escalat}", "did you mean 'escalate'?"),
        (
            "drain: {ladder: [{after: 1m, action: nuke}]}",
            "application.drain.ladder[0].action: expected one of term, supervisor-restart, kill",
        ),
        ("drain: {batch: 0}", "expected a host count like 1 or a percentage like 25%"),
        (
            "migrations: {policy: strict}",
            "application.migrations.policy: expected one of block, warn, off",
        ),
        (
            "shared_files: .env",
            "application.shared_files: expected a list of strings, got a scalar",
        ),
        (
            "env: {TOKEN: '${env:DEPLOYTOOL_SURELY_UNSET}'}",
            "environment variable DEPLOYTOOL_SURELY_UNSET is not set",
        ),
    ],
)
def test_application_value_errors(tmp_path, snippet, expected):
    text = GOOD.replace(
        "  deploy_path: /var/www/app\n", f"  deploy_path: /var/www/app\n  {snippet}\n"
    )
    got = problems(tmp_path, text)
    assert len(got) == 1 and expected in got[0], got
    assert got[0].startswith("inventory.yml:5:"), got


def test_two_migration_hosts(tmp_path):
    got = problems(tmp_path, GOOD + "      - {address: 10.0.0.2, migrate: true}\n")
    assert got == [
        "inventory.yml:9:7: stages.prod.hosts: exactly one host must have `migrate: true` (found "
        "2): migrations run once, from one host"
    ]


def test_yaml_syntax_error_is_located(tmp_path):
    got = problems(tmp_path, "application:\n  name: [unclosed\nstages: {}\n")
    assert got[0].startswith("inventory.yml:3:") and "YAML syntax" in got[0]


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_inventory(tmp_path / "nope.yml")
    assert "cannot read" in e.value.message


@pytest.mark.parametrize(
    "text, seconds",
    [("90", 90), (90, 90), ("1.5s", 1.5), ("500ms", 0.5), ("2m", 120), ("1h30m", 5400)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "ten", "5 minutes", "-1", "1x", True])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)
