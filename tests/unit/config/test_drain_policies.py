"""Drain policy per stage and per role: key-by-key precedence, and located errors for merged
policies that cannot work (escalate without a ladder, a rung after the deadline, ...)."""

import pytest

from deploytool.config import load_inventory
from deploytool.config.model import DrainPolicy, Rung

from .templates import load_template, template_problems

INV = """\
application:
  name: shop
  repository: /srv/origin.git
  deploy_path: /var/www/app
  workers: {{pattern: "artisan queue:work", user: deploy, queues: [default, mail]}}
  drain:
    deadline: 10m
    on_timeout: escalate
    ladder: [{{after: 2m, action: term}}, {{after: 5m, action: kill}}]
{app_extra}stages:
  prod:
    ssh: {{user: deploy}}
{stage_extra}    hosts:
      - {{address: web1, migrate: true, roles: [web, worker]}}
      - {{address: batch1, roles: [worker, long-jobs]}}
  staging:
    ssh: {{user: deploy}}
    hosts:
      - {{address: stage1, migrate: true}}
"""


def load(tmp_path, app_extra="", stage_extra=""):
    return load_template(tmp_path, INV, app_extra, stage_extra)


def problems(tmp_path, app_extra="", stage_extra=""):
    return template_problems(tmp_path, INV, app_extra, stage_extra)


def test_precedence_application_stage_role_stage_role(tmp_path):
    inv = load(
        tmp_path,
        app_extra="""\
        roles:
          long-jobs: {deadline: 1h, ladder: [{after: 50m, action: kill}]}
        """,
        stage_extra="""\
        drain:
          poll: 2s
          roles:
            long-jobs: {on_timeout: wait}
        """,
    )
    prod, staging = inv.stages["prod"], inv.stages["staging"]
    web, batch = prod.hosts
    assert inv.drain_policy(prod) == DrainPolicy(
        deadline=600, poll=2, on_timeout="escalate", ladder=(Rung(120, "term"), Rung(300, "kill"))
    )
    assert inv.drain_policy(prod, web) == inv.drain_policy(prod)  # no role policy: the stage's
    assert inv.drain_policy(prod, batch) == DrainPolicy(
        deadline=3600, poll=2, on_timeout="wait", ladder=(Rung(3000, "kill"),)
    )
    assert (
        inv.drain_policy(staging, staging.hosts[0]).poll == 1.0
    )  # the stage override stays in prod
    assert inv.application.worker_queues == ("default", "mail")


def test_ladder_is_sorted_by_time(tmp_path):
    inv = load(
        tmp_path,
        stage_extra="""\
        drain: {ladder: [{after: 3m, action: kill}, {after: 1m, action: cont},
                         {after: 30s, action: term}]}
        """,
    )
    assert [r.action for r in inv.drain_policy(inv.stages["prod"]).ladder] == [
        "term",
        "cont",
        "kill",
    ]


@pytest.mark.parametrize(
    "app_extra, stage_extra, expected",
    [
        (
            "roles: {long-job: {deadline: 1h}}",
            "",
            [
                "inventory.yml:10:13: application.drain.roles.long-job: no host of any stage has "
                "the role 'long-job' (did you mean 'long-jobs'?)"
            ],
        ),
        (
            "",
            "drain: {roles: {web: {restart_mode: signal}}}",
            [
                "inventory.yml:13:41: stages.prod.drain.roles.web.restart_mode: restart_mode is "
                "set per stage, not per role: one queue:restart reaches every host that shares the "
                "cache, so the restart mode cannot differ between hosts of a stage"
            ],
        ),
        (
            "",
            "drain: {ladder: []}",
            [
                "inventory.yml:8:17: application.drain.on_timeout: on_timeout: escalate needs a "
                "ladder, e.g. ladder: [{after: 2m, action: term}]"
            ],
        ),
        (
            "",
            "drain: {deadline: 4m}",
            [
                "inventory.yml:9:49: application.drain.ladder[1].after: this rung never fires: "
                "300s is not before the deadline 240s (stages.prod.drain.deadline)"
            ],
        ),
        (
            "roles: {long-jobs: {deadline: 3m}}",
            "",
            [
                "inventory.yml:9:49: application.drain.ladder[1].after: this rung never fires "
                "(host batch1): 300s is not before the deadline 180s "
                "(application.drain.roles.long-jobs.deadline)"
            ],
        ),
        (
            "roles: {long-jobs: {deadline: 1h}, worker: {deadline: 20m}}",
            "",
            [
                "inventory.yml:16:9: stages.prod.hosts[1].roles: roles long-jobs and worker set "
                "drain.deadline differently for host batch1: give the host one drain policy"
            ],
        ),
        (
            "",
            "drain: {batch: 150%}",
            [
                "inventory.yml:13:20: stages.prod.drain.batch: expected a host count like 1 "
                "or a percentage like 25%, got '150%'"
            ],
        ),
        (
            "",
            "drain: {poll: 0}",
            [
                "inventory.yml:13:19: stages.prod.drain.poll: must be at least 100ms "
                "(one census per host per poll)"
            ],
        ),
        (
            "",
            "drain: {ladder: [{after: 1m, action: stop}]}",
            [
                "inventory.yml:13:42: stages.prod.drain.ladder[0].action: expected one of term, "
                "supervisor-restart, kill, cont, got 'stop'"
            ],
        ),
    ],
)
def test_merged_policy_errors_are_located(tmp_path, app_extra, stage_extra, expected):
    assert problems(tmp_path, app_extra, stage_extra) == expected


def test_abort_and_wait_disarm_a_ladder_without_error(tmp_path):
    inv = load(tmp_path, stage_extra="drain: {on_timeout: abort, deadline: 1m}\n")
    p = inv.drain_policy(inv.stages["prod"])
    assert p.on_timeout == "abort" and p.ladder and p.deadline == 60  # kept, but never fires


def docs_example(tmp_path, heading: str, hosts: list[dict]) -> dict:
    """The first yaml block after `heading` in docs/drain.md, made a loadable inventory (the
    stage `production` gets `hosts`); -> its data, written to tmp_path/inventory.yml."""
    import re
    from pathlib import Path

    import yaml

    text = (Path(__file__).parents[3] / "docs" / "drain.md").read_text()
    block = re.search(r"```yaml\n(.*?)```", text[text.index(heading) :], re.S)
    data = yaml.safe_load(block.group(1))
    data["application"].update(name="shop", repository="/srv/o.git", deploy_path="/var/www/app")
    data["stages"]["production"].update(ssh={"user": "deploy"}, hosts=hosts)
    return data


def write_yaml(tmp_path, data: dict) -> None:
    import yaml

    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(data))


def test_the_example_in_docs_drain_md_loads_and_resolves_as_documented(tmp_path):
    data = docs_example(
        tmp_path,
        "## The policy",
        [
            {"address": "app1", "migrate": True},
            {"address": "batch1", "roles": ["worker", "long-jobs"]},
        ],
    )
    data["stages"]["staging"] = {
        "ssh": {"user": "deploy"},
        "hosts": [{"address": "s1", "migrate": True}],
    }
    write_yaml(tmp_path, data)
    inv = load_inventory(tmp_path / "inventory.yml")
    got = {
        h.name: (p.deadline, p.on_timeout, tuple(r.action for r in p.ladder))
        for st in inv.stages.values()
        for h in st.hosts
        for p in [inv.drain_policy(st, h)]
    }
    assert got == {
        "app1": (600, "abort", ("term", "supervisor-restart", "kill")),
        "batch1": (7200, "wait", ("term", "kill")),
        "s1": (2700, "escalate", ("term", "supervisor-restart", "kill")),
    }
