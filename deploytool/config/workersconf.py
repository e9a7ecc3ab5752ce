"""application.workers: the kinds of long-running process a drain waits for (docs/drain.md).

Two forms. The single one, `workers: {pattern, user, queues}`, is one kind named `queue`, restarted
by the playbook's restart-queue command. The list form names every kind:

    workers:
      - {name: queue, pattern: "artisan queue:work", restart: queue:restart, queues: [default]}
      - {name: scheduler, pattern: "artisan schedule:work", restart: TERM, drain: {deadline: 1m}}
      - {name: scheduled, pattern: "artisan report:build", restart: none, drain: {deadline: 30m}}

A kind's `drain:` is its own policy, and `stages.S.drain.kinds.K` refines it per stage. A host's
policy for kind K, key by key: application.drain < stages.S.drain < the host's role policies <
workers[K].drain < stages.S.drain.kinds.K: what a process is decides how it stops, so the kind
wins over the host's role; a key the kind does not set still comes from the role. Each merged
policy is checked like the role ones (config/drainconf.py), every problem at its file:line:col.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

import yaml

from .drainconf import _BASE, Level, _validate, merge, policy
from .model import RESTART_SIGNALS, Application, DrainPolicy, Host, Playbook, WorkerKind
from .validate import Checker, F, _did_you_mean, child

RESTARTS = ("queue:restart", "horizon:terminate", "none")
_NAME = re.compile(r"[a-z][a-z0-9_-]*")


def restart_of(v: object) -> str | None:
    """queue:restart, horizon:terminate, none, or a signal name (TERM, SIGTERM, term)."""
    text = str(v)
    if text in RESTARTS:
        return text
    sig = text.upper().removeprefix("SIG")
    return sig if sig in RESTART_SIGNALS else None


def _restart_ok(v: object) -> str | None:
    if restart_of(v) is not None:
        return None
    return (
        f"expected {', '.join(RESTARTS)} or a signal the drain sends to the kind's old processes "
        f"({', '.join(RESTART_SIGNALS)}), got {v!r}"
    )


def _per_stage(key: str):
    return lambda v: (
        f"{key} is set per stage, not per kind: it says how the stage's queue workers are "
        "restarted (a kind says its own with `restart:`)"
    )


KIND_DRAIN = {
    **_BASE,
    "restart_mode": F("str", check=_per_stage("restart_mode")),
    "batch": F("str", check=_per_stage("batch")),
}
SINGLE = {"pattern": F("str"), "user": F("str"), "queues": F("strlist", scalar_ok=True)}
KIND = {
    "name": F(
        "str",
        required=True,
        check=lambda v: (
            None
            if _NAME.fullmatch(str(v))
            else "expected a lower-case name like queue or cron-long"
        ),
    ),
    "pattern": F("str", required=True),
    "restart": F("str", required=True, check=_restart_ok),
    "user": F("str"),
    "queues": F("strlist", scalar_ok=True),
    "drain": F("obj", sub=KIND_DRAIN),
}
WORKERS = F("obj_or_list", sub=SINGLE, items=KIND)


def effective_kinds(app: Application, pb: Playbook | None) -> tuple[WorkerKind, ...]:
    """The kinds a run waits for. The single `workers: {pattern}` form is one `queue` kind whose
    pattern and restart the playbook may name (laravel-horizon: `artisan horizon`,
    horizon:terminate); the list form is as written."""
    kinds = app.workers
    if app.workers_listed or pb is None:
        return kinds
    restart = " ".join(pb.restart_command)
    return (
        replace(
            kinds[0],
            pattern=pb.worker_pattern or kinds[0].pattern,
            restart=restart if restart == "horizon:terminate" else kinds[0].restart,
        ),
    )


def read(ck: Checker, app_node: yaml.Node | None, app: Mapping[str, object]):
    """application.workers (and the misplaced application.drain.kinds): see kinds_of()."""
    no_application_kinds(ck, child(app_node, "drain"))
    return kinds_of(ck, child(app_node, "workers"), app.get("workers"))


def stage_kinds(ck: Checker, stage_node, name: str, workers, app_drain, stage_drain, hosts):
    """The stage's kind -> host -> policy (Stage.kind_drain)."""
    kinds, listed, own = workers
    drain_node = child(stage_node, "drain")
    stage_own = stage_kind_levels(ck, drain_node, f"stages.{name}.drain", kinds, listed)
    return kind_policies(ck, app_drain, stage_drain, own, stage_own, hosts)


def kinds_of(
    ck: Checker, node: yaml.Node | None, raw: object
) -> tuple[tuple[WorkerKind, ...], bool, dict[str, Level]]:
    """(kinds, listed, each kind's own drain Level) of application.workers as validated."""
    if not isinstance(raw, list):
        single = raw if isinstance(raw, dict) else {}
        kind = WorkerKind(
            pattern=single.get("pattern", WorkerKind.pattern),
            user=single.get("user"),
            queues=tuple(single.get("queues") or ()),
        )
        return (kind,), False, {}
    if not raw and isinstance(node, yaml.SequenceNode):
        ck.error(node, "application.workers", "list at least one kind (or give {pattern: ...})")
    kinds: list[WorkerKind] = []
    levels: dict[str, Level] = {}
    seen: dict[str, dict[str, int]] = {"name": {}, "pattern": {}}
    for i, d in enumerate(raw):
        item = node.value[i] if isinstance(node, yaml.SequenceNode) else None
        if not d or not all(k in d for k in ("name", "pattern", "restart")):
            continue  # already reported where it is written
        clash = [k for k in ("name", "pattern") if d[k] in seen[k]]
        for key in clash:
            ck.error(
                child(item, key),
                f"application.workers[{i}].{key}",
                f"{d[key]!r} is also the {key} of workers[{seen[key][d[key]]}]: a process belongs "
                "to one kind",
            )
        for key in ("name", "pattern"):
            seen[key].setdefault(d[key], i)
        if clash:
            continue
        kinds.append(
            WorkerKind(
                d["name"],
                d["pattern"],
                restart_of(d["restart"]) or "none",
                d.get("user"),
                tuple(d.get("queues") or ()),
            )
        )
        if d.get("drain"):
            kp = f"application.workers[{i}].drain"
            levels[d["name"]] = Level(kp, child(item, "drain"), d["drain"], child(item, "name"))
    return tuple(kinds), True, levels


def stage_kind_levels(
    ck: Checker, drain_node: yaml.Node | None, keypath: str, kinds: Sequence[WorkerKind], listed
) -> dict[str, Level]:
    """`<keypath>.kinds.K` of a drain mapping: per-kind refinements (a stage's)."""
    node = child(drain_node, "kinds")
    if node is None:
        return {}
    if not listed:
        ck.error(
            node,
            f"{keypath}.kinds",
            "per-kind policies need application.workers as a list of kinds ({name, pattern, "
            "restart, drain})",
        )
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}  # the validator said so (drain.kinds is a mapping)
    names = tuple(k.name for k in kinds)
    out: dict[str, Level] = {}
    for kn, vn in node.value:
        kp = f"{keypath}.kinds.{kn.value}"
        v = ck.obj(vn, KIND_DRAIN, kp)
        if str(kn.value) not in names:
            ck.error(kn, kp, f"no kind named {kn.value!r}{_did_you_mean(str(kn.value), names)}")
        elif v is not None:
            out[str(kn.value)] = Level(kp, vn, v, kn)
    return out


def no_application_kinds(ck: Checker, drain_node: yaml.Node | None) -> None:
    node = child(drain_node, "kinds")
    if node is not None:
        ck.error(
            node,
            "application.drain.kinds",
            "a kind's application-wide policy is the `drain:` of its application.workers entry; "
            "stages.S.drain.kinds.K refines it per stage",
        )


def kind_policies(
    ck: Checker,
    app: tuple[Level, Mapping[str, Level]],
    stage: tuple[Level, Mapping[str, Level]],
    own: Mapping[str, Level],
    stage_own: Mapping[str, Level],
    hosts: Sequence[Host],
) -> dict[str, dict[str, DrainPolicy]]:
    """kind -> host -> merged policy, for the kinds with a policy of their own."""
    (app_level, app_roles), (st_level, st_roles) = app, stage
    out: dict[str, dict[str, DrainPolicy]] = {}
    for name in dict.fromkeys([*own, *stage_own]):
        mine = [lv for lv in (own.get(name), stage_own.get(name)) if lv is not None]
        per_host: dict[str, DrainPolicy] = {}
        for h in hosts:
            roles = [app_roles[r] for r in h.roles if r in app_roles]
            roles += [st_roles[r] for r in h.roles if r in st_roles]
            values, origin = merge([app_level, st_level, *roles, *mine])
            # hosts without a role policy share one merged policy: one problem, said once
            whose = f" (host {h.name}, kind {name})" if roles else f" (kind {name})"
            _validate(ck, values, origin, whose)
            per_host[h.name] = policy(values)
        out[name] = per_host
    return out
