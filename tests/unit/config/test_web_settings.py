"""application.web per stage and per role: only web hosts get settings, key-by-key precedence,
stage-wide rollout, and located errors."""

from deploytool.config.web_model import AppProbe, HealthCheck, Rollout, WebPolicy

from .templates import load_template, template_problems

INV = """\
application:
  name: shop
  repository: /srv/origin.git
  deploy_path: /var/www/app
{app_extra}stages:
  prod:
    ssh: {{user: deploy}}
{stage_extra}    hosts:
      - {{address: web1, migrate: true, roles: [web, worker]}}
      - {{address: web2, roles: [web, api]}}
      - {{address: batch1, roles: [worker]}}
"""


def load(tmp_path, app_extra="", stage_extra=""):
    return load_template(tmp_path, INV, app_extra, stage_extra, app_indent="  ")


def problems(tmp_path, app_extra="", stage_extra=""):
    return template_problems(tmp_path, INV, app_extra, stage_extra, app_indent="  ")


def test_no_web_section_means_no_web_tier(tmp_path):
    stage = load(tmp_path).stages["prod"]
    assert stage.web == {} and stage.rollout == Rollout()


def test_defaults_for_every_web_host_and_none_for_the_others(tmp_path):
    inv = load(tmp_path, "web: {socket: /run/php/php8.2-fpm.sock}\n")
    stage = inv.stages["prod"]
    assert set(stage.web) == {"web1", "web2"}
    assert stage.web["web1"] == WebPolicy(socket="/run/php/php8.2-fpm.sock")
    batch = next(h for h in stage.hosts if h.name == "batch1")
    assert inv.web_policy(stage, batch) is None


def test_precedence_application_stage_role(tmp_path):
    inv = load(
        tmp_path,
        """\
        web:
          strategy: opcache-reset
          url: "http://{address}:8080"
          health: [{url: /health, body: '"status":"ok"'}]
          probe: {url: /health, expect: '"release":"{release}"'}
          roles:
            api: {health: [{url: "http://{address}:8080/api/ping", status: 204, retries: 0}]}
        """,
        """\
        web:
          strategy: fpm-reload
          reload_command: [sudo, systemctl, reload, php8.2-fpm]
          rollout: {canary: 1, batch: 50%}
          on_unhealthy: stop
        """,
    )
    stage = inv.stages["prod"]
    web1, web2 = stage.web["web1"], stage.web["web2"]
    assert web1.strategy == web2.strategy == "fpm-reload"
    assert web1.reload_command == ("sudo", "systemctl", "reload", "php8.2-fpm")
    assert web1.health == (HealthCheck("/health", body='"status":"ok"'),)
    assert web2.health == (HealthCheck("http://{address}:8080/api/ping", status=204, retries=0),)
    assert web1.probe == AppProbe("/health", '"release":"{release}"')
    assert stage.rollout == Rollout(canary=1, batch="50%", on_unhealthy="stop")


def test_errors_are_located(tmp_path):
    got = problems(
        tmp_path,
        """\
        web:
          strategy: fpm-reload
          url: ftp://x
          health: [{url: health, status: 99}]
          probe: {url: /h, expect: "{commit}"}
          roles:
            api: {rollout: {canary: 1}}
            nosuch: {verify: false}
        """,
        "web: {rollout: {canary: 3, batch: 0}}\n",
    )
    assert got == [
        "inventory.yml:7:10: application.web.url: expected an http:// or https:// URL like "
        "http://127.0.0.1, got 'ftp://x'",
        "inventory.yml:8:20: application.web.health[0].url: expected a path like /health or an "
        "http(s):// URL, got 'health'",
        "inventory.yml:8:36: application.web.health[0].status: must be at least 100, got 99",
        "inventory.yml:9:30: application.web.probe.expect: unknown placeholder {commit} "
        "(expected {release})",
        "inventory.yml:11:22: application.web.roles.api.rollout: rollout is set per stage, not "
        "per role: it orders the switch of the whole stage",
        "inventory.yml:17:39: stages.prod.web.rollout.batch: expected a host count like 1 or a "
        "percentage like 25%, got '0'",
        "inventory.yml:6:15: application.web.strategy: fpm-reload needs reload_command (e.g. "
        "[sudo, systemctl, reload, php8.2-fpm]) or pid_file (USR2 to the master's pid)",
        "inventory.yml:17:29: stages.prod.web.rollout.canary: 3 canary host(s) but stage prod "
        "has 2 web host(s)",
        "inventory.yml:12:7: application.web.roles.nosuch: no host of any stage has the role "
        "'nosuch' (expected one of: api, web, worker)",
    ]
