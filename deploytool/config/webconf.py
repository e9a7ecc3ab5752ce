"""Web tier settings: application.web, stages.S.web and their roles, merged per web host.

Precedence, key by key, as for the drain policy (drainconf.py):
    application.web < stages.S.web < application.web.roles.R < stages.S.web.roles.R
Only hosts with the `web` role get settings; a stage where neither the application nor the stage
says `web:` has no web tier at all (no reload, no verification: the ship is what it was).
`rollout` and `on_unhealthy` describe the whole stage's switch, so they are set per stage, never
per role. Every problem is located at the line that set the offending key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import yaml

from .drainconf import Level, batch_ok, check_roles, error_once, levels, merge, role_conflicts
from .model import Host
from .validate import Checker, F, child
from .web_model import AppProbe, HealthCheck, Rollout, WebPolicy

STRATEGIES = ("opcache-reset", "fpm-reload", "none")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
URL_FIELDS = ("address", "name")  # what a URL may name: the host's address and name


def _placeholders(v: str, allowed: Sequence[str]) -> str | None:
    bad = sorted({m for m in PLACEHOLDER.findall(v) if m not in allowed})
    if bad:
        return (
            f"unknown placeholder {{{bad[0]}}} (expected "
            + ", ".join("{" + a + "}" for a in allowed)
            + ")"
        )
    return None


def _base_url(v: object) -> str | None:
    if not re.match(r"https?://[^/\s]+", str(v)):
        return f"expected an http:// or https:// URL like http://127.0.0.1, got {v!r}"
    return _placeholders(str(v), URL_FIELDS)


def _target(v: object) -> str | None:
    """A URL to ask: absolute, or a path under web.url."""
    if not (str(v).startswith("/") or re.match(r"https?://[^/\s]+", str(v))):
        return f"expected a path like /health or an http(s):// URL, got {v!r}"
    return _placeholders(str(v), URL_FIELDS)


def _per_stage(key: str):
    return lambda v: (
        f"{key} is set per stage, not per role: it orders the switch of the whole stage"
    )


HEALTH = {
    "url": F("str", required=True, check=_target),
    "status": F("int", minimum=100),
    "body": F("str"),
    "timeout": F("duration"),
    "retries": F("int", minimum=0),
    "interval": F("duration"),
}
PROBE = {
    "url": F("str", required=True, check=_target),
    "expect": F("str", check=lambda v: _placeholders(str(v), ("release",))),
}
ROLLOUT = {
    "canary": F("int", minimum=0),
    "batch": F("str", check=batch_ok),
}
_BASE = {
    "strategy": F("str", choices=STRATEGIES),
    "socket": F(
        "str", check=lambda v: None if str(v).startswith("/") else "must be an absolute path"
    ),
    "reload_command": F("strlist"),
    "pid_file": F("str"),
    "url": F("str", check=_base_url),
    "host_header": F("str"),
    "public_dir": F(
        "str", check=lambda v: None if ".." not in str(v) else "must stay inside the release"
    ),
    "verify": F("bool"),
    "probe": F("obj", sub=PROBE),
    "settle": F("duration"),
    "health": F("list", sub=HEALTH),
    "longest_request": F("duration"),
}
ROLE = {
    **_BASE,
    "rollout": F("any", check=_per_stage("rollout")),
    "on_unhealthy": F("str", check=_per_stage("on_unhealthy")),
}
WEB = {
    **_BASE,
    "rollout": F("obj", sub=ROLLOUT),
    "on_unhealthy": F("str", choices=("rollback", "stop")),
    "roles": F("any"),  # validated with ROLE, node by node
}
STAGE_WIDE = ("rollout", "on_unhealthy")


Levels = tuple[Level, dict[str, Level]]  # a web mapping as written, and its roles'


def web_levels(
    ck: Checker, node: yaml.Node | None, values: Mapping[str, object] | None, keypath: str
) -> Levels:
    return levels(ck, node, values, keypath, ROLE)


def stage_web(
    ck: Checker, app: Levels, stage: Levels, stage_name: str, hosts: Sequence[Host], hosts_node
) -> tuple[dict[str, WebPolicy], Rollout]:
    """Every web host's settings (host name -> WebPolicy) and the stage's rollout."""
    (app_level, app_roles), (st_level, st_roles) = app, stage
    configured = app_level.node is not None or st_level.node is not None
    check_roles(ck, st_roles, sorted({r for h in hosts for r in h.roles}), f"of stage {stage_name}")
    if not configured:
        return {}, Rollout()
    base = [app_level, st_level]
    values, origin = merge(base)
    rollout = _rollout(values)
    out: dict[str, WebPolicy] = {}
    for i, h in enumerate(hosts):
        if "web" not in h.roles:
            continue
        chain = [app_roles[r] for r in h.roles if r in app_roles] + [
            st_roles[r] for r in h.roles if r in st_roles
        ]
        if chain:
            role_conflicts(ck, h, i, hosts_node, stage_name, app_roles, st_roles, what="web")
        hv, ho = merge(base + chain)
        _validate(ck, hv, ho, h.name)
        out[h.name] = policy(hv)
    if rollout.canary > len(out):
        lv = origin.get("rollout")
        error_once(
            ck,
            child(child(lv.node, "rollout"), "canary") if lv else None,
            f"{lv.keypath}.rollout.canary" if lv else "web.rollout.canary",
            f"{rollout.canary} canary host(s) but stage {stage_name} has {len(out)} web host(s)",
        )
    return out, rollout


def _rollout(values: Mapping[str, object]) -> Rollout:
    r = dict(values.get("rollout") or {})
    return Rollout(
        canary=int(r.get("canary", 0)),
        batch=str(r.get("batch", "100%")),
        on_unhealthy=str(values.get("on_unhealthy", "rollback")),
    )


def policy(values: Mapping[str, object]) -> WebPolicy:
    kw = {k: v for k, v in values.items() if k not in STAGE_WIDE}
    if "reload_command" in kw:
        kw["reload_command"] = tuple(kw["reload_command"])
    if kw.get("probe"):
        kw["probe"] = AppProbe(**kw["probe"])
    if "health" in kw:
        kw["health"] = tuple(HealthCheck(**c) for c in kw["health"] if c and "url" in c)
    return WebPolicy(**kw)


def _validate(ck: Checker, v: Mapping[str, object], origin: Mapping[str, Level], host: str) -> None:
    """fpm-reload needs a way to reach the FPM master. Reported once where the stage's setting is
    wrong, per host where a role made it so."""
    if v.get("strategy") != "fpm-reload" or v.get("reload_command") or v.get("pid_file"):
        return
    lv = origin["strategy"]
    whose = f" (host {host})" if ".roles." in lv.keypath else ""
    error_once(
        ck,
        child(lv.node, "strategy"),
        f"{lv.keypath}.strategy",
        f"fpm-reload needs reload_command (e.g. [sudo, systemctl, reload, php8.2-fpm]) or "
        f"pid_file (USR2 to the master's pid){whose}",
    )
