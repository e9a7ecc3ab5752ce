"""The pipeline the inventory asks for: application.strategy and application.maintenance choose
the steps when the playbook loads (config/strategy.py), and bad values are located errors."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest

from deploytool.artifact.build import build_steps
from deploytool.commands.common import playbook_of
from deploytool.config import load_inventory
from deploytool.config.model import StepSpec
from deploytool.config.playbook import builtin_playbooks, load_playbook
from deploytool.config.strategy import for_application, install_command
from deploytool.errors import ConfigError
from deploytool.steps import REGISTRY

INVENTORY = """\
application:
  name: shop
  repository: /srv/origin.git
  deploy_path: /var/www/app
{extra}
stages:
  prod:
    ssh: {{user: deploy}}
    hosts:
      - {{address: 10.0.0.1, migrate: true}}
"""
LARAVEL = [
    s.name for s in load_playbook(builtin_playbooks() / "laravel.yml", tuple(REGISTRY)).steps
]


def inventory(tmp_path, extra="", playbook=None):
    if playbook is not None:
        (tmp_path / "playbooks").mkdir(exist_ok=True)
        (tmp_path / "playbooks" / "custom.yml").write_text(textwrap.dedent(playbook))
        extra += "\nplaybook: custom"
    p = tmp_path / "inventory.yml"
    p.write_text(INVENTORY.format(extra=textwrap.indent(textwrap.dedent(extra), "  ")))
    return load_inventory(p)


def names(specs):
    return [s.name for s in specs]


def test_git_is_the_default_and_leaves_the_playbook_as_written(tmp_path):
    inv = inventory(tmp_path)
    assert (inv.application.strategy, inv.application.maintenance) == ("git", "never")
    pb = playbook_of(inv)
    assert names(pb.steps) == LARAVEL and names(pb.on_failure) == ["discard"]


def test_artifact_replaces_pull_and_install_and_keeps_the_rest(tmp_path):
    pb = playbook_of(inventory(tmp_path, "strategy: artifact"))
    assert names(pb.steps) == ["build", "upload", "verify", "extract", *LARAVEL[2:]]
    assert next(s for s in pb.steps if s.name == "cache").options["commands"][0] == "config:cache"
    builtin = load_playbook(builtin_playbooks() / "laravel.yml", tuple(REGISTRY))
    assert pb.rollback == builtin.rollback


def test_the_horizon_playbook_keeps_its_own_restart_and_drain(tmp_path):
    pb = playbook_of(inventory(tmp_path, "strategy: artifact\nplaybook: laravel-horizon"))
    assert names(pb.steps)[:4] == ["build", "upload", "verify", "extract"]
    assert pb.worker_pattern == "artisan horizon"


def test_the_install_steps_command_goes_into_the_build(tmp_path):
    playbook = """\
        steps:
          - pull
          - step: install
            with: {command: [composer, install, --no-dev, --classmap-authoritative]}
          - switch
        """
    inv = inventory(tmp_path, "strategy: artifact", playbook)
    pb = playbook_of(inv)
    assert pb.steps[0] == StepSpec(
        "build", {"install": ["composer", "install", "--no-dev", "--classmap-authoritative"]}
    )
    assert install_command(pb, inv.application)[-1] == "--classmap-authoritative"
    assert install_command(playbook_of(inventory(tmp_path)), inv.application)[0] == "composer"


def test_a_playbook_without_pull_cannot_take_the_artifact_strategy(tmp_path):
    with pytest.raises(ConfigError) as e:
        playbook_of(inventory(tmp_path, "strategy: artifact", "steps: [switch, drain]\n"))
    assert "application.strategy: artifact replaces the playbook's `pull` step" in e.value.message
    assert "build, upload, verify, extract" in e.value.hint


def test_a_playbook_that_lists_the_artifact_steps_itself_is_left_alone(tmp_path):
    playbook = "steps: [build, upload, verify, extract, switch]\n"
    pb = playbook_of(inventory(tmp_path, "strategy: artifact", playbook))
    assert names(pb.steps) == ["build", "upload", "verify", "extract", "switch"]


def with_maintenance(inv, mode):
    app = dataclasses.replace(inv.application, maintenance=mode)
    return for_application(playbook_of(inv), app)


def test_maintenance_is_read_from_the_inventory(tmp_path):
    inv = inventory(tmp_path, "maintenance: auto")
    assert inv.application.maintenance == "auto"
    assert "maintenance-down" in names(playbook_of(inv).steps)


@pytest.mark.parametrize("mode", ["auto", "always"])
def test_maintenance_goes_down_before_migrate_and_up_after_the_drain(tmp_path, mode):
    pb = with_maintenance(inventory(tmp_path, "strategy: artifact"), mode)
    steps = names(pb.steps)
    assert steps[steps.index("migrate") - 1] == "maintenance-down"
    assert steps[steps.index("drain") + 1] == "maintenance-up"
    assert steps[-1] == "cleanup"
    assert names(pb.on_failure) == ["maintenance-up", "discard"]  # lifted in the release


def test_maintenance_without_migrate_or_drain_still_wraps_the_switch(tmp_path):
    pb = with_maintenance(inventory(tmp_path, "", "steps: [pull, switch]\n"), "always")
    assert names(pb.steps) == ["pull", "maintenance-down", "switch", "maintenance-up"]


def test_bad_strategy_and_maintenance_values_are_located(tmp_path):
    with pytest.raises(ConfigError) as e:
        inventory(tmp_path, "strategy: tarball\nmaintenance: sometimes")
    text = "\n".join(e.value.problems)
    assert "inventory.yml:5:" in text and "application.strategy" in text and "artifact" in text
    assert "inventory.yml:6:" in text and "application.maintenance" in text and "auto" in text


BUILDING = """\
    extends: laravel
    build:
      - run: [npm, ci]
      - name: assets
        run: [npm, run, build, --, "--sourcemap={commit}"]
        env: {NODE_ENV: production}
    """


def test_build_steps_run_in_the_artifact_build_or_after_install_on_every_host(tmp_path):
    git = playbook_of(inventory(tmp_path, "", BUILDING))
    steps = names(git.steps)
    assert steps[steps.index("install") + 1 : steps.index("install") + 3] == ["npm ci", "assets"]
    inv = inventory(tmp_path, "strategy: artifact", BUILDING)
    artifact = playbook_of(inv)
    assert "npm ci" not in names(artifact.steps) and names(artifact.build) == ["npm ci", "assets"]
    (_, first), (name, second) = build_steps(artifact, inv.application)("c0ffee")
    assert first.argv == ("npm", "ci") and name == "assets"
    assert second.argv[-1] == "--sourcemap=c0ffee" and second.env == {"NODE_ENV": "production"}


def test_build_step_mistakes_are_located(tmp_path):
    playbook = """\
        extends: laravel
        build:
          - run: [npm, ci]
            roles: [web]
          - step: cache
          - run: [./bin/stamp, "{release}"]
        """
    with pytest.raises(ConfigError) as e:
        playbook_of(inventory(tmp_path, "", playbook))
    text = "\n".join(e.value.problems)
    assert "custom.yml:4:5: build[0].roles: does not apply to a build step" in text
    assert "custom.yml:5:5: build[1]: a build step is a run: or artisan: command" in text
    assert "build[2].run: {release} is not known when the release is built" in text
