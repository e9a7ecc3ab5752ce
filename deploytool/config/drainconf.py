"""Drain policy resolution: application.drain, stages.S.drain and drain.roles.R, merged per host.

Precedence, key by key (a later level overrides only the keys it sets):
    application.drain < stages.S.drain < application.drain.roles.R < stages.S.drain.roles.R
so a role's needs (a host of long jobs) win over a stage's general setting, and a stage can still
refine a role. The merged policy of every host is then checked as a whole (an `escalate` without a
ladder, a rung after the deadline), each problem located at the line that set the offending key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import yaml

from .model import DrainPolicy, Host, Rung
from .validate import Checker, F, _did_you_mean, child

ACTIONS = ("term", "supervisor-restart", "kill", "cont")
_RUNG = {"after": F("duration", required=True), "action": F("str", required=True, choices=ACTIONS)}


def batch_ok(v: object) -> str | None:
    return (
        None
        if re.fullmatch(r"[1-9]\d*%?", str(v))
        and not str(v).startswith("0")
        and (not str(v).endswith("%") or int(str(v)[:-1]) <= 100)
        else f"expected a host count like 1 or a percentage like 25%, got {v!r}"
    )


def _per_stage(key: str):
    return lambda v: (
        f"{key} is set per stage, not per role: one queue:restart reaches every host that "
        "shares the cache, so the restart mode cannot differ between hosts of a stage"
    )


_BASE = {
    "deadline": F("duration"),
    "poll": F(
        "duration",
        check=lambda v: (
            None if v >= 0.1 else "must be at least 100ms (one census per host per poll)"
        ),
    ),
    "on_timeout": F("str", choices=("abort", "escalate", "wait")),
    "ladder": F("list", sub=_RUNG),
    "remind_every": F("duration"),
    "unreached_after": F("duration"),
}
ROLE = {
    **_BASE,
    "restart_mode": F("str", check=_per_stage("restart_mode")),
    "batch": F("str", check=_per_stage("batch")),
}
DRAIN = {
    **_BASE,
    "restart_mode": F("str", choices=("cache", "signal")),
    "batch": F("str", check=batch_ok),
    "roles": F("any"),
    "kinds": F("any"),
}  # roles validated below, with ROLE, node by node; kinds in workersconf.py


@dataclass(frozen=True)
class Level:
    """One drain mapping as written: where it is, its keypath and its validated values."""

    keypath: str
    node: yaml.Node | None
    values: Mapping[str, object]
    key_node: yaml.Node | None = None  # where the mapping is named (`long-jobs:`)


def levels(
    ck: Checker,
    node: yaml.Node | None,
    values: Mapping[str, object] | None,
    keypath: str,
    role_fields: Mapping[str, F] = ROLE,
) -> tuple[Level, dict[str, Level]]:
    """The drain mapping at `node` (already validated with DRAIN) and its roles, each a Level
    (the web settings' too, with their own `role_fields`: config/webconf.py)."""
    values = dict(values or {})
    values.pop("roles", None)
    values.pop("kinds", None)
    roles: dict[str, Level] = {}
    roles_node = child(node, "roles")
    if roles_node is not None and isinstance(roles_node, yaml.MappingNode):
        for kn, vn in roles_node.value:
            kp = f"{keypath}.roles.{kn.value}"
            v = ck.obj(vn, dict(role_fields), kp)
            if v is not None:
                roles[str(kn.value)] = Level(kp, vn, v, kn)
    return Level(keypath, node, values), roles


def check_roles(ck: Checker, roles: Mapping[str, Level], known: Sequence[str], where: str) -> None:
    """A policy for a role no host has is a typo until proven otherwise."""
    for name, level in roles.items():
        if name not in known:
            error_once(
                ck,
                level.key_node,
                level.keypath,
                f"no host {where} has the role {name!r}{_did_you_mean(name, tuple(sorted(known)))}",
            )


def error_once(ck: Checker, node: yaml.Node | None, keypath: str, message: str) -> None:
    """Merged policies are checked once per stage and host: report each located problem once."""
    before = len(ck.problems)
    ck.error(node, keypath, message)
    if ck.problems[-1] in ck.problems[:before]:
        ck.problems.pop()


def policy(values: Mapping[str, object]) -> DrainPolicy:
    kw = dict(values)
    if "ladder" in kw:
        kw["ladder"] = tuple(
            sorted((Rung(**r) for r in kw["ladder"] if r and len(r) == 2), key=lambda r: r.after)
        )
    return DrainPolicy(**kw)


def merge(chain: Sequence[Level]) -> tuple[dict[str, object], dict[str, Level]]:
    """Merged values and, for each key, the level that set it last."""
    out: dict[str, object] = {}
    origin: dict[str, Level] = {}
    for level in chain:
        for k, v in level.values.items():
            out[k] = v
            origin[k] = level
    return out, origin


def stage_policies(
    ck: Checker,
    app: tuple[Level, dict[str, Level]],
    stage: tuple[Level, dict[str, Level]],
    stage_name: str,
    hosts: Sequence[Host],
    hosts_node: yaml.Node | None,
) -> tuple[DrainPolicy, dict[str, DrainPolicy]]:
    """The stage's policy and, for hosts whose roles have one, each host's policy."""
    (app_level, app_roles), (st_level, st_roles) = app, stage
    check_roles(ck, st_roles, sorted({r for h in hosts for r in h.roles}), f"of stage {stage_name}")
    base = [app_level, st_level]
    values, origin = merge(base)
    _validate(ck, values, origin, "")
    out: dict[str, DrainPolicy] = {}
    for i, h in enumerate(hosts):
        chain = [app_roles[r] for r in h.roles if r in app_roles] + [
            st_roles[r] for r in h.roles if r in st_roles
        ]
        if not chain:
            continue
        role_conflicts(ck, h, i, hosts_node, stage_name, app_roles, st_roles)
        hv, ho = merge(base + chain)
        _validate(ck, hv, ho, f" (host {h.name})")
        out[h.name] = policy(hv)
    return policy(values), out


def role_conflicts(
    ck: Checker,
    h: Host,
    i: int,
    hosts_node: yaml.Node | None,
    stage_name: str,
    app_roles: Mapping[str, Level],
    st_roles: Mapping[str, Level],
    what: str = "drain",
) -> None:
    """Two roles of one host setting one key differently: which one wins would be an accident of
    the roles' order, so it is an error."""
    per_role = {
        r: merge([lv for lv in (app_roles.get(r), st_roles.get(r)) if lv])[0]
        for r in h.roles
        if r in app_roles or r in st_roles
    }
    keys = {k for v in per_role.values() for k in v}
    for k in sorted(keys):
        setters = {r: v[k] for r, v in per_role.items() if k in v}
        if len({repr(v) for v in setters.values()}) > 1:
            node = (
                hosts_node.value[i]
                if isinstance(hosts_node, yaml.SequenceNode) and i < len(hosts_node.value)
                else hosts_node
            )
            a, b = sorted(setters)[:2]
            error_once(
                ck,
                node,
                f"stages.{stage_name}.hosts[{i}].roles",
                f"roles {a} and {b} set {what}.{k} differently for host {h.name}: give the host "
                f"one {what} policy",
            )


def _validate(
    ck: Checker, v: Mapping[str, object], origin: Mapping[str, Level], whose: str
) -> None:
    if any(not r or len(r) != 2 for r in v.get("ladder", ())):
        return  # a broken rung was already reported where it is written
    p = policy(v)
    if p.on_timeout != "escalate":
        return  # abort and wait disarm the ladder on purpose (docs/drain.md)
    if not p.ladder:
        lv = origin.get("on_timeout")
        error_once(
            ck,
            child(lv.node, "on_timeout") if lv else None,
            f"{lv.keypath}.on_timeout" if lv else "drain",
            f"on_timeout: escalate needs a ladder{whose}, e.g. "
            "ladder: [{after: 2m, action: term}]",
        )
        return
    lv = origin["ladder"]
    for i, rung in enumerate(v["ladder"]):
        if rung and "after" in rung and rung["after"] >= p.deadline:
            rn = child(lv.node, "ladder")
            item = rn.value[i] if isinstance(rn, yaml.SequenceNode) and i < len(rn.value) else rn
            dl = origin.get("deadline")
            error_once(
                ck,
                child(item, "after") or item,
                f"{lv.keypath}.ladder[{i}].after",
                f"this rung never fires{whose}: {rung['after']:g}s is not before the deadline "
                f"{p.deadline:g}s" + (f" ({dl.keypath}.deadline)" if dl else " (the default)"),
            )
