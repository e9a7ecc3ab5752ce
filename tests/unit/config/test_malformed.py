"""Malformed input never gives a traceback: 60+ broken inventories and playbooks, each a located
error (file:line:col) and exit code 3 through the real CLI entry point; plus random YAML."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deploytool.cli import main
from deploytool.config import load_inventory
from deploytool.errors import ConfigError

BASE = """\
application:
  name: shop
  repository: /srv/origin.git
  deploy_path: /var/www/app
  keep_releases: 3
  drain: {deadline: 2m, poll: 1s}
stages:
  prod:
    ssh: {user: deploy, known_hosts: /tmp/kh}
    hosts:
      - {address: 10.0.0.1, migrate: true}
      - {address: 10.0.0.2}
"""

# (what to replace, replacement): each turns BASE into a broken inventory.
MUTATIONS = [
    ("  name: shop\n", ""),
    ("  repository: /srv/origin.git\n", ""),
    ("  deploy_path: /var/www/app\n", ""),
    ("deploy_path: /var/www/app", "deploy_path: relative/path"),
    ("deploy_path: /var/www/app", "deploy_path: [a]"),
    ("keep_releases: 3", "keep_releases: three"),
    ("keep_releases: 3", "keep_releases: 0"),
    ("keep_releases: 3", "keep_releases: -1"),
    ("keep_releases: 3", "keep_releases: 2.5"),
    ("keep_releases: 3", "keep_releases: true"),
    ("keep_releases: 3", "keep_releases: {a: 1}"),
    ("deadline: 2m", "deadline: soon"),
    ("deadline: 2m", "deadline: -5"),
    ("deadline: 2m", "deadline: 2 minutes"),
    ("poll: 1s", "poll: fast"),
    ("poll: 1s", "pol: 1s"),
    ("drain: {", "drian: {"),
    ("drain: {deadline: 2m, poll: 1s}", "drain: [1, 2]"),
    ("drain: {deadline: 2m, poll: 1s}", "drain: 5"),
    ("drain: {deadline: 2m, poll: 1s}", "drain: {on_timeout: maybe}"),
    ("drain: {deadline: 2m, poll: 1s}", "drain: {ladder: [{after: 1m}]}"),
    ("drain: {deadline: 2m, poll: 1s}", "drain: {ladder: [{after: 1m, action: nuke}]}"),
    ("drain: {deadline: 2m, poll: 1s}", "drain: {ladder: {after: 1m}}"),
    ("drain: {deadline: 2m, poll: 1s}", "drain: {restart_mode: reboot}"),
    ("drain: {deadline: 2m, poll: 1s}", "drain: {batch: 0%}"),
    ("drain: {deadline: 2m, poll: 1s}", "drain: {batch: lots}"),
    ("  keep_releases: 3\n", "  keep_releases: 3\n  shared_files: .env\n"),
    ("  keep_releases: 3\n", "  keep_releases: 3\n  shared_dirs: {storage: 1}\n"),
    ("  keep_releases: 3\n", "  keep_releases: 3\n  install_command: composer install\n"),
    ("  keep_releases: 3\n", "  keep_releases: 3\n  migrations: {policy: strict}\n"),
    ("  keep_releases: 3\n", "  keep_releases: 3\n  migrations: {dialect: oracle}\n"),
    ("  keep_releases: 3\n", "  keep_releases: 3\n  migrations: {rules: [a]}\n"),
    ("  keep_releases: 3\n", "  keep_releases: 3\n  workers: {patern: x}\n"),
    ("  keep_releases: 3\n", "  keep_releases: 3\n  workers: artisan\n"),
    ("  keep_releases: 3\n", "  keep_releases: 3\n  env: [A, B]\n"),
    (
        "  keep_releases: 3\n",
        "  keep_releases: 3\n  env: {TOKEN: '${env:DEPLOYTOOL_NEVER_SET_42}'}\n",
    ),
    ("  keep_releases: 3\n", "  keep_releases: 3\n  command_timeout: forever\n"),
    ("  keep_releases: 3\n", "  keep_releases: 3\n  lock_lease: x\n"),
    ("  keep_releases: 3\n", "  keep_releases: 3\n  name: again\n"),
    ("application:", "aplication:"),
    ("stages:", "stage:"),
    ("    ssh: {user: deploy, known_hosts: /tmp/kh}\n", ""),
    ("ssh: {user: deploy,", "ssh: {"),
    ("ssh: {user: deploy,", "ssh: {user: deploy, port: 22,"),
    ("ssh: {user: deploy,", "ssh: {user: [deploy],"),
    ("known_hosts: /tmp/kh", "known_hosts: /tmp/kh, connect_timeout: never"),
    ("ssh: {user: deploy, known_hosts: /tmp/kh}", "ssh: deploy"),
    ("      - {address: 10.0.0.2}\n", "      - {address: 10.0.0.2, migrate: true}\n"),
    ("{address: 10.0.0.1, migrate: true}", "{address: 10.0.0.1}"),
    ("{address: 10.0.0.2}", "{adress: 10.0.0.2}"),
    ("{address: 10.0.0.2}", "{address: 10.0.0.2, port: ssh}"),
    ("{address: 10.0.0.2}", "{address: 10.0.0.2, port: 0}"),
    ("{address: 10.0.0.2}", "{address: 10.0.0.2, migrate: yes please}"),
    ("{address: 10.0.0.2}", "{address: 10.0.0.2, roles: {web: true}}"),
    ("{address: 10.0.0.2}", "10.0.0.2"),
    ("{address: 10.0.0.2}", "{address: 10.0.0.2, name: 10.0.0.1}"),
    (
        "    hosts:\n      - {address: 10.0.0.1, migrate: true}\n      - {address: 10.0.0.2}\n",
        "    hosts: []\n",
    ),
    ("    hosts:\n", "    hosts: 10.0.0.1\n    x:\n"),
    ("  prod:\n", "  prod: nothing\n  x:\n"),
    ("  prod:\n", "  prod:\n    confirm: maybe\n"),
    ("  prod:\n", "  prod:\n    drain: {deadline: x}\n"),
    ("stages:\n", "stages: {}\nz:\n"),
    ("name: shop", "name: [unclosed"),
    ("name: shop", "name: 'unclosed"),
    ("repository: /srv/origin.git", "repository: {a: b}"),
    ("  name: shop\n", "  name: shop\n\tbad: tab\n"),
    ("application:\n", "application:\n  - list\n"),
]
PLAYBOOKS = [
    "steps: [pull, instal]",
    "steps: pull",
    "stepz: [pull]",
    "steps: [{step: cache, with: [a]}]",
    "steps: [{with: {}}]",
    "steps: [{step: nope}]",
    "name: x\n",
    "steps: [pull]\nrollback: [swich]",
    "- pull\n- install\n",
    "steps: [pull\n",
    "steps: [{step: cache, wiht: {}}]",
]


def run_cli(
    tmp_path, capsys, inventory_text: str, playbook_text: str | None = None
) -> tuple[int, str]:
    inv = tmp_path / "inventory.yml"
    if playbook_text is not None:
        (tmp_path / "playbooks").mkdir(exist_ok=True)
        (tmp_path / "playbooks" / "custom.yml").write_text(playbook_text)
        inventory_text = inventory_text.replace(
            "  keep_releases: 3\n", "  keep_releases: 3\n  playbook: custom\n"
        )
    inv.write_text(inventory_text)
    code = main(["check-config", "-i", str(inv)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_base_is_valid(tmp_path, capsys):
    assert run_cli(tmp_path, capsys, BASE)[0] == 0


@pytest.mark.parametrize("old, new", MUTATIONS, ids=[f"inv{i}" for i in range(len(MUTATIONS))])
def test_broken_inventory_is_located_never_a_traceback(tmp_path, capsys, old, new):
    assert old in BASE
    code, out = run_cli(tmp_path, capsys, BASE.replace(old, new, 1))
    assert code == 3, out
    assert "Traceback" not in out
    assert re.search(r"inventory\.yml:\d+(:\d+)?: ", out), out


@pytest.mark.parametrize("text", PLAYBOOKS, ids=[f"pb{i}" for i in range(len(PLAYBOOKS))])
def test_broken_playbook_is_located_never_a_traceback(tmp_path, capsys, text):
    code, out = run_cli(tmp_path, capsys, BASE, text)
    assert code == 3, out
    assert "Traceback" not in out and "custom.yml" in out


def test_at_least_fifty_broken_inputs():
    assert len(MUTATIONS) + len(PLAYBOOKS) >= 50


yaml_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.floats(allow_nan=False)
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
    max_leaves=8,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(st.sampled_from(["application", "stages", "other"]), yaml_values, max_size=3)
)
def test_random_documents_load_or_fail_cleanly(tmp_path, doc):
    import yaml

    p = tmp_path / "fuzz.yml"
    p.write_text(yaml.safe_dump(doc))
    try:
        load_inventory(p)
    except ConfigError as e:
        assert all(line.startswith(str(p)) for line in e.problems)
