"""application.workers as a list of kinds: every key, the single-pattern form's meaning, each
kind's drain policy merged key by key (application < stage < role < kind < stage kind), and every
mistake located at file:line:col."""

import textwrap
from pathlib import Path

import pytest

from deploytool.commands.common import playbook_of
from deploytool.config import load_inventory
from deploytool.config.model import DrainPolicy, Rung, WorkerKind
from deploytool.errors import ConfigError

from .test_drain_policies import docs_example, write_yaml

INV = """\
application:
  name: shop
  repository: /srv/origin.git
  deploy_path: /var/www/app
{workers}  drain:
    deadline: 10m
    on_timeout: escalate
    ladder: [{{after: 2m, action: term}}, {{after: 5m, action: kill}}]
    roles:
      long-jobs: {{deadline: 1h, ladder: [{{after: 50m, action: kill}}]}}
stages:
  prod:
    ssh: {{user: deploy}}
{stage}    hosts:
      - {{address: web1, migrate: true, roles: [web, worker]}}
      - {{address: batch1, roles: [worker, long-jobs]}}
"""

KINDS = """\
workers:
  - {name: queue, pattern: "artisan queue:work", restart: queue:restart, user: deploy,
     queues: [default, mail]}
  - {name: horizon, pattern: "artisan horizon", restart: horizon:terminate}
  - name: scheduler
    pattern: "artisan schedule:work"
    restart: sigterm
    drain: {deadline: 1m, on_timeout: abort}
  - name: scheduled
    pattern: "artisan ledger:long"
    restart: none
    drain: {deadline: 30m, on_timeout: wait, remind_every: 10m}
  - {name: daemon, pattern: "artisan lab:daemon", restart: QUIT, user: www-data}
"""


def write(tmp_path, workers=KINDS, stage=""):
    p = tmp_path / "inventory.yml"
    p.write_text(
        INV.format(
            workers=textwrap.indent(textwrap.dedent(workers), "  "),
            stage=textwrap.indent(textwrap.dedent(stage), "    "),
        )
    )
    return p


def problems(tmp_path, workers=KINDS, stage=""):
    with pytest.raises(ConfigError) as e:
        load_inventory(write(tmp_path, workers, stage))
    return [line.replace(str(tmp_path) + "/", "") for line in e.value.problems]


def test_every_key_of_a_kind(tmp_path):
    app = load_inventory(write(tmp_path)).application
    assert app.workers_listed is True
    assert app.workers == (
        WorkerKind("queue", "artisan queue:work", "queue:restart", "deploy", ("default", "mail")),
        WorkerKind("horizon", "artisan horizon", "horizon:terminate"),
        WorkerKind("scheduler", "artisan schedule:work", "TERM"),
        WorkerKind("scheduled", "artisan ledger:long", "none"),
        WorkerKind("daemon", "artisan lab:daemon", "QUIT", "www-data"),
    )
    assert [k.signal for k in app.workers] == [None, None, "TERM", None, "QUIT"]
    assert [k.via_cache for k in app.workers] == [True, True, False, False, False]
    assert app.worker_queues == ("default", "mail")


def test_the_single_pattern_form_is_one_queue_kind(tmp_path):
    inv = load_inventory(write(tmp_path, 'workers: {pattern: "artisan queue:work --queue=a"}\n'))
    assert inv.application.workers == (WorkerKind("queue", "artisan queue:work --queue=a"),)
    assert inv.application.workers_listed is False
    # no kind has a policy of its own: every kind of a host gets the host's policy
    prod = inv.stages["prod"]
    assert prod.kind_drain == {}
    assert inv.drain_policy(prod, prod.hosts[1], "queue") == inv.drain_policy(prod, prod.hosts[1])


def test_kind_policies_merge_key_by_key_application_stage_role_kind_stage_kind(tmp_path):
    inv = load_inventory(
        write(
            tmp_path,
            stage="""\
            drain:
              poll: 2s
              kinds:
                scheduled: {deadline: 2h}
            """,
        )
    )
    prod = inv.stages["prod"]
    web, batch = prod.hosts
    ladder = (Rung(120, "term"), Rung(300, "kill"))
    # a kind without a policy of its own: the host's (stage, then its roles)
    assert inv.drain_policy(prod, web, "queue") == DrainPolicy(
        deadline=600, poll=2, on_timeout="escalate", ladder=ladder
    )
    assert inv.drain_policy(prod, batch, "queue").deadline == 3600  # the long-jobs role
    # the kind's own keys win over the role; the keys it does not set come from the host's
    assert inv.drain_policy(prod, web, "scheduler") == DrainPolicy(
        deadline=60, poll=2, on_timeout="abort", ladder=ladder
    )
    assert inv.drain_policy(prod, batch, "scheduler") == DrainPolicy(
        deadline=60, poll=2, on_timeout="abort", ladder=(Rung(3000, "kill"),)
    )
    # stages.S.drain.kinds.K refines the kind's application policy
    assert inv.drain_policy(prod, web, "scheduled") == DrainPolicy(
        deadline=7200, poll=2, on_timeout="wait", ladder=ladder, remind_every=600
    )
    assert set(prod.kind_drain) == {"scheduler", "scheduled"}


@pytest.mark.parametrize(
    "workers, stage, expected",
    [
        (
            "workers:\n  - {name: queue, pattern: x, restart: sighup2}\n",
            "",
            [
                "inventory.yml:6:42: application.workers[0].restart: expected queue:restart, "
                "horizon:terminate, none or a signal the drain sends to the kind's old processes "
                "(TERM, INT, QUIT, HUP, USR1, USR2), got 'sighup2'"
            ],
        ),
        (
            "workers:\n  - {name: Queue Workers, pattern: x, restart: none}\n",
            "",
            [
                "inventory.yml:6:14: application.workers[0].name: expected a lower-case name "
                "like queue or cron-long"
            ],
        ),
        (
            "workers:\n  - {name: a, pattern: x, restart: none}\n"
            "  - {name: a, pattern: y, restart: none}\n  - {name: b, pattern: x, restart: none}\n",
            "",
            [
                "inventory.yml:7:14: application.workers[1].name: 'a' is also the name of "
                "workers[0]: a process belongs to one kind",
                "inventory.yml:8:26: application.workers[2].pattern: 'x' is also the pattern of "
                "workers[0]: a process belongs to one kind",
            ],
        ),
        (
            "workers:\n  - {name: a, pattern: x}\n  - {name: b, restart: none, dran: {}}\n",
            "",
            [
                "inventory.yml:6:7: application.workers[0].restart: required key is missing",
                "inventory.yml:7:32: application.workers[1].dran: unknown key (did you mean "
                "'drain'?)",
                "inventory.yml:7:7: application.workers[1].pattern: required key is missing",
            ],
        ),
        (
            "workers: []\n",
            "",
            [
                "inventory.yml:5:12: application.workers: list at least one kind (or give "
                "{pattern: ...})"
            ],
        ),
        (
            "workers: artisan queue:work\n",
            "",
            ["inventory.yml:5:12: application.workers: expected a mapping or a list, got a scalar"],
        ),
        (
            "workers:\n  - {name: a, pattern: x, restart: none, drain: {batch: 2}}\n",
            "",
            [
                "inventory.yml:6:59: application.workers[0].drain.batch: batch is set per stage, "
                "not per kind: it says how the stage's queue workers are restarted (a kind says "
                "its own with `restart:`)"
            ],
        ),
        (
            "workers:\n  - {name: a, pattern: x, restart: none, drain: {deadline: 4m}}\n",
            "",
            [
                "inventory.yml:10:49: application.drain.ladder[1].after: this rung never fires "
                "(kind a): 300s is not before the deadline 240s "
                "(application.workers[0].drain.deadline)",
                "inventory.yml:12:50: application.drain.roles.long-jobs.ladder[0].after: this rung "
                "never fires (host batch1, kind a): 3000s is not before the deadline 240s "
                "(application.workers[0].drain.deadline)",
            ],
        ),
        (
            KINDS,
            "drain:\n  kinds:\n    schedule: {deadline: 1m}\n    daemon: {deadlin: 1m}\n",
            [
                "inventory.yml:29:9: stages.prod.drain.kinds.schedule: no kind named 'schedule' "
                "(did you mean 'scheduler'?)",
                "inventory.yml:30:18: stages.prod.drain.kinds.daemon.deadlin: unknown key "
                "(did you mean 'deadline'?)",
            ],
        ),
        (
            'workers: {pattern: "artisan queue:work"}\n',
            "drain:\n  kinds:\n    queue: {deadline: 1m}\n",
            [
                "inventory.yml:17:9: stages.prod.drain.kinds: per-kind policies need "
                "application.workers as a list of kinds ({name, pattern, restart, drain})"
            ],
        ),
    ],
)
def test_located_errors(tmp_path, workers, stage, expected):
    assert problems(tmp_path, workers, stage) == expected


def test_application_drain_kinds_points_at_the_kind_entry(tmp_path):
    p = write(tmp_path)
    p.write_text(
        p.read_text().replace("    roles:\n", "    kinds: {queue: {deadline: 1m}}\n    roles:\n")
    )
    with pytest.raises(ConfigError) as e:
        load_inventory(p)
    assert [line.replace(str(tmp_path) + "/", "") for line in e.value.problems] == [
        "inventory.yml:22:12: application.drain.kinds: a kind's application-wide policy is the "
        "`drain:` of its application.workers entry; stages.S.drain.kinds.K refines it per stage"
    ]


def test_a_playbook_pattern_with_listed_kinds_is_an_error_at_its_line(tmp_path):
    p = write(tmp_path)
    p.write_text(
        p.read_text().replace("  deploy_path:", "  playbook: laravel-horizon\n  deploy_path:")
    )
    with pytest.raises(ConfigError) as e:
        playbook_of(load_inventory(p))
    lines = (Path(__file__).parents[3] / "playbooks" / "laravel-horizon.yml").read_text()
    line = lines[: lines.index('with: {pattern: "artisan horizon"}')].count("\n") + 1
    assert e.value.problems[0].endswith(
        f"laravel-horizon.yml:{line}:21: drain.pattern: "
        f"{p.resolve()} lists worker kinds (application.workers): each kind has its own pattern "
        "there, so the playbook's would be ignored"
    )


def test_the_kinds_example_in_docs_drain_md_loads_and_resolves_as_documented(tmp_path):
    data = docs_example(tmp_path, "## Process kinds", [{"address": "app1", "migrate": True}])
    write_yaml(tmp_path, data)
    inv = load_inventory(tmp_path / "inventory.yml")
    prod = inv.stages["production"]
    app1 = prod.hosts[0]
    assert [(k.name, k.restart) for k in inv.application.workers] == [
        ("queue", "queue:restart"),
        ("horizon", "horizon:terminate"),
        ("scheduler", "TERM"),
        ("scheduled", "none"),
        ("daemon", "TERM"),
    ]
    scheduled = inv.drain_policy(prod, app1, "scheduled")
    assert (scheduled.deadline, scheduled.on_timeout, scheduled.remind_every) == (7200, "wait", 600)
    assert inv.drain_policy(prod, app1, "scheduler").deadline == 60
    assert inv.drain_policy(prod, app1, "queue") == DrainPolicy()
