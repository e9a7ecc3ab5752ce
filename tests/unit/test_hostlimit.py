"""--limit: which hosts a selector picks, the usage errors naming what exists, and what a limited
stage keeps (the lock's host) and changes (a restart by signal, not the shared cache key)."""

from __future__ import annotations

import pytest

from deploytool import hostlimit
from deploytool.config.model import Application, DrainPolicy, Host, Inventory, SSHSettings, Stage
from deploytool.errors import ExitCode, UsageError

HOSTS = (
    Host("10.0.0.1", "h1", roles=("web",), migrate=True),
    Host("10.0.0.2", "h2", roles=("web", "worker")),
    Host("10.0.0.3", "h3", roles=("worker",)),
)
STAGE = Stage("prod", HOSTS, SSHSettings(user="deploy"))
INV = Inventory(path=None, application=Application("a", "/r.git", "/app"), stages={"prod": STAGE})


def names(stage):
    return [h.name for h in stage.hosts], [h.name for h in stage.outside]


@pytest.mark.parametrize(
    "text, picked, left",
    [
        ("h3", ["h3"], ["h1", "h2"]),
        ("h3,h1", ["h1", "h3"], ["h2"]),  # in the stage's order
        ("role:worker", ["h2", "h3"], ["h1"]),
        ("h1, role:worker", ["h1", "h2", "h3"], []),
    ],
)
def test_names_and_roles_pick_hosts(text, picked, left):
    assert names(hostlimit.limit(INV, STAGE, text)) == (picked, left)


def test_no_limit_is_the_whole_stage():
    assert hostlimit.limit(INV, STAGE, None) is STAGE


@pytest.mark.parametrize(
    "text, message, hint",
    [
        ("h9", "stage prod has no host named 'h9'", "its hosts: h1, h2, h3"),
        ("role:db", "no host of stage prod has the role 'db'", "its roles: web, worker"),
        (",", "name at least one host", ""),
    ],
)
def test_an_unknown_host_or_role_is_a_usage_error_listing_what_exists(text, message, hint):
    with pytest.raises(UsageError) as e:
        hostlimit.limit(INV, STAGE, text)
    assert e.value.exit_code == ExitCode.USAGE
    assert message in e.value.message and hint in e.value.hint


def test_the_lock_host_stays_known_and_the_restart_goes_by_signal():
    limited = hostlimit.limit(INV, STAGE, "role:worker")
    assert limited.migration_host.name == "h1" and not limited.migration_host_selected
    assert INV.drain_policy(limited).restart_mode == "signal"
    assert INV.drain_policy(STAGE).restart_mode == "cache"
    # horizon:terminate on each host (scope: every) never reaches past the limit: kept as is
    every = hostlimit.limit(INV, STAGE, "role:worker", restart_scope="every")
    assert INV.drain_policy(every).restart_mode == "cache"


def test_per_host_policies_restart_by_signal_too():
    stage = Stage(
        "prod", HOSTS, SSHSettings(user="deploy"), host_drain={"h2": DrainPolicy(deadline=5)}
    )
    limited = hostlimit.limit(INV, stage, "h2")
    assert INV.drain_policy(limited, HOSTS[1]).restart_mode == "signal"
    assert INV.drain_policy(limited, HOSTS[1]).deadline == 5


@pytest.mark.parametrize("command", ["ship", "rollback", "drain-status", "doctor", "plan"])
def test_every_fleet_command_takes_limit(command):
    from deploytool.cli import build_parser

    args = build_parser().parse_args([command, "prod", "--limit", "h1,role:worker"])
    assert args.limit == "h1,role:worker"
