"""Load an inventory or a playbook: compose YAML (keeping marks), validate, freeze.

All problems are collected and raised together as one ConfigError, each line
`file:line:col: key.path: message (did you mean ...)`.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import ConfigError
from . import drainconf, migrationsconf, webconf, workersconf
from .drainconf import DRAIN, batch_ok
from .model import Application, Host, Inventory, Notify, SSHSettings, Stage
from .validate import Checker, F, child, compose, secret, secret_or

NOTIFY_ON = ("start", "success", "failure")


NOTIFY = {
    "webhook": F(
        "str",
        required=True,
        check=secret_or(lambda v: v.startswith(("https://", "http://")), "an http(s) URL"),
    ),
    "on": F(
        "strlist",
        scalar_ok=True,
        check=lambda v: (
            None
            if set(v) <= set(NOTIFY_ON)
            else f"expected some of {', '.join(NOTIFY_ON)}, got "
            f"{', '.join(sorted(set(v) - set(NOTIFY_ON)))}"
        ),
    ),
}
APPLICATION = {
    "name": F("str", required=True),
    "repository": F("str", required=True),
    "branch": F("str"),
    "deploy_path": F(
        "str",
        required=True,
        check=lambda v: None if str(v).startswith("/") else "must be an absolute path",
    ),
    "shared_files": F("strlist"),
    "shared_dirs": F("strlist"),
    "keep_releases": F("int", minimum=1),
    "php": F("str"),
    "composer": F("str"),
    "install_command": F("strlist", scalar_ok=False),
    "playbook": F("str"),
    "strategy": F("str", choices=("git", "artifact")),
    "maintenance": F("str", choices=("never", "auto", "always")),
    "command_timeout": F("duration"),
    "lock_lease": F("duration"),
    "workers": workersconf.WORKERS,
    "drain": F("obj", sub=DRAIN),
    "web": F("obj", sub=webconf.WEB),
    "migrations": F("obj", sub=migrationsconf.MIGRATIONS),
    "env": F("secretmap"),
    "notify": F("obj", sub=NOTIFY),
    "batch": F("str", check=batch_ok),  # rolling window per step (`ship --batch`)
}
SSH = {
    "user": F("str", required=True),
    "identity_file": F("str"),
    "known_hosts": F("str"),
    "connect_timeout": F("duration"),
    "jump_host": F("str"),
    "transport": F("str", choices=("fabric", "asyncssh")),
    "max_concurrent_connects": F("int", minimum=1),
    "runner": F("str", choices=("channel", "persistent")),
}
HOST = {
    "address": F("str", required=True),
    "name": F("str"),
    "port": F("int", minimum=1),
    "user": F("str"),
    "roles": F("strlist", scalar_ok=True),
    "migrate": F("bool"),
}
STAGE = {
    "ssh": F("obj", required=True, sub=SSH),
    "hosts": F("list", required=True, sub=HOST),
    "confirm": F("bool"),
    "drain": F("obj", sub=DRAIN),
    "web": F("obj", sub=webconf.WEB),
    "batch": F("str", check=batch_ok),
}
INVENTORY = {
    "application": F("obj", required=True, sub=APPLICATION),
    "stages": F("any", required=True),
}


def load_inventory(path: Path | str) -> Inventory:
    path = Path(path)
    root = compose(path)
    ck = Checker(str(path))
    raw = ck.obj(root, INVENTORY, "") or {}
    stages: dict[str, Stage] = {}
    stages_node = child(root, "stages")
    app_drain = drainconf.levels(
        ck,
        child(child(root, "application"), "drain"),
        (raw.get("application") or {}).get("drain"),
        "application.drain",
    )
    app_node = child(root, "application")
    app_web = webconf.web_levels(
        ck, child(app_node, "web"), (raw.get("application") or {}).get("web"), "application.web"
    )
    workers = workersconf.read(ck, child(root, "application"), raw.get("application") or {})
    if isinstance(stages_node, yaml.MappingNode):
        for kn, vn in stages_node.value:
            s = ck.obj(vn, STAGE, f"stages.{kn.value}")
            if s is not None:
                stage = _stage(ck, str(kn.value), s, vn, app_drain, app_web, workers)
                if stage is not None:
                    stages[stage.name] = stage
        if not stages_node.value:
            ck.error(stages_node, "stages", "define at least one stage")
        drainconf.check_roles(
            ck,
            app_drain[1],
            sorted({r for st in stages.values() for h in st.hosts for r in h.roles}),
            "of any stage",
        )
        drainconf.check_roles(
            ck,
            app_web[1],
            sorted({r for st in stages.values() for h in st.hosts for r in h.roles}),
            "of any stage",
        )
    migrationsconf.check_raw(
        ck,
        child(child(root, "application"), "migrations"),
        (raw.get("application") or {}).get("migrations") or {},
    )
    if ck.problems:
        raise ConfigError(
            ck.problems,
            "fix the lines above; `deploytool check-config` re-checks without connecting",
        )
    return Inventory(
        path=path.resolve(), application=_application(raw["application"], workers), stages=stages
    )


def _application(a: dict, workers) -> Application:
    kw = {
        k: v
        for k, v in a.items()
        if k not in ("workers", "drain", "migrations", "env", "notify", "web")
    }
    kw["workers"], kw["workers_listed"] = workers[:2]
    if a.get("drain") is not None:
        kw["drain"] = drainconf.policy(
            {k: v for k, v in a["drain"].items() if k not in ("roles", "kinds")}
        )
    if a.get("migrations") is not None:
        kw["migrations"] = migrationsconf.settings(a["migrations"])
    kw["env"] = dict(a.get("env") or {})
    if a.get("notify") and "webhook" in a["notify"]:
        kw["notify"] = _notify(a["notify"])
    if "install_command" in kw:
        kw["install_command"] = tuple(kw["install_command"])
    return Application(**kw)


def _notify(n: dict) -> Notify:
    """The webhook URL is a credential either way: a Secret, from the environment or inline."""
    return Notify(secret(n["webhook"]), tuple(n.get("on") or NOTIFY_ON))


def _stage(
    ck: Checker, name: str, s: dict, node: yaml.Node, app_drain, app_web, workers
) -> Stage | None:
    if "ssh" not in s or "hosts" not in s:
        return None
    hosts = []
    seen: dict[str, int] = {}
    hosts_node = child(node, "hosts")
    for i, h in enumerate(s["hosts"]):
        if not h or "address" not in h:
            continue
        host = Host(
            address=h["address"],
            name=h.get("name") or h["address"],
            port=h.get("port", 22),
            user=h.get("user"),
            roles=tuple(h.get("roles", ("web", "worker"))),
            migrate=h.get("migrate", False),
        )
        if host.name in seen:
            ck.error(
                hosts_node.value[i] if hosts_node else node,
                f"stages.{name}.hosts[{i}].name",
                f"host name {host.name!r} is used twice (also hosts[{seen[host.name]}])",
            )
        seen[host.name] = i
        hosts.append(host)
    if not s["hosts"]:
        ck.error(hosts_node, f"stages.{name}.hosts", "a stage needs at least one host")
    elif hosts and sum(h.migrate for h in hosts) != 1:
        n = sum(h.migrate for h in hosts)
        ck.error(
            hosts_node,
            f"stages.{name}.hosts",
            f"exactly one host must have `migrate: true` (found {n}): migrations run once, "
            "from one host",
        )
    if "user" not in s["ssh"]:  # already reported (missing or not a string)
        return None
    ssh = SSHSettings(**{k: v for k, v in s["ssh"].items()})
    stage_drain = drainconf.levels(ck, child(node, "drain"), s.get("drain"), f"stages.{name}.drain")
    drain, host_drain = drainconf.stage_policies(
        ck, app_drain, stage_drain, name, hosts, hosts_node
    )
    stage_web = webconf.web_levels(ck, child(node, "web"), s.get("web"), f"stages.{name}.web")
    web, rollout = webconf.stage_web(ck, app_web, stage_web, name, hosts, hosts_node)
    kind_drain = workersconf.stage_kinds(ck, node, name, workers, app_drain, stage_drain, hosts)
    return Stage(
        name=name,
        hosts=tuple(hosts),
        ssh=ssh,
        confirm=s.get("confirm", False),
        batch=s.get("batch"),
        drain=drain,
        host_drain=host_drain,
        web=web,
        rollout=rollout,
        kind_drain=kind_drain,
    )
