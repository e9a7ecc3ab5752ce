"""Load an inventory or a playbook: compose YAML (keeping marks), validate, freeze.

All problems are collected and raised together as one ConfigError, each line
`file:line:col: key.path: message (did you mean ...)`.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from ..errors import ConfigError
from ..probes.raw_migrations import IDENT
from ..probes.raw_migrations import dialect_of as raw_dialect_of
from . import drainconf
from .drainconf import DRAIN
from .model import (
    Application,
    Host,
    Inventory,
    MigrationSettings,
    Notify,
    Secret,
    SSHSettings,
    Stage,
)
from .validate import _SECRET_REF, Checker, F, child, compose


def _secret_or(check, expected: str):
    """A validator for a credential written inline or as ${env:NAME}: the variable must be set,
    an inline value must pass `check`."""

    def ok(v: object) -> str | None:
        m = _SECRET_REF.match(str(v))
        if m:
            return (
                None
                if m.group(1) in os.environ
                else f"environment variable {m.group(1)} is not set"
            )
        return None if check(str(v)) else f"expected {expected} or ${{env:NAME}}"

    return ok


def _secret(value: object) -> Secret:
    """A credential either way: the variable's value for ${env:NAME}, else the value inline."""
    m = _SECRET_REF.match(str(value))
    return Secret(os.environ[m.group(1)] if m else str(value))


def _ident_ok(v: object) -> str | None:
    return (
        None
        if IDENT.match(str(v))
        else "expected a table or column name (letters, digits, _; schema.table)"
    )


MIGRATIONS = {
    "policy": F("str", choices=("block", "warn", "off")),
    "dialect": F("str", choices=("auto", "mysql", "pgsql", "sqlite")),
    "rules": F("map"),
    "sql_dir": F("str"),
    "sql_table": F("str", check=_ident_ok),
    "sql_column": F("str", check=_ident_ok),
    "database_url": F(
        "str",
        check=_secret_or(
            raw_dialect_of, "mysql://, mariadb://, postgres://, postgresql:// or sqlite:///"
        ),
    ),
}
NOTIFY_ON = ("start", "success", "failure")


NOTIFY = {
    "webhook": F(
        "str",
        required=True,
        check=_secret_or(lambda v: v.startswith(("https://", "http://")), "an http(s) URL"),
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
    "command_timeout": F("duration"),
    "lock_lease": F("duration"),
    "workers": F(
        "obj", sub={"pattern": F("str"), "user": F("str"), "queues": F("strlist", scalar_ok=True)}
    ),
    "drain": F("obj", sub=DRAIN),
    "migrations": F("obj", sub=MIGRATIONS),
    "env": F("secretmap"),
    "notify": F("obj", sub=NOTIFY),
}
SSH = {
    "user": F("str", required=True),
    "identity_file": F("str"),
    "known_hosts": F("str"),
    "connect_timeout": F("duration"),
    "jump_host": F("str"),
    "transport": F("str", choices=("fabric", "asyncssh")),
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
    if isinstance(stages_node, yaml.MappingNode):
        for kn, vn in stages_node.value:
            s = ck.obj(vn, STAGE, f"stages.{kn.value}")
            if s is not None:
                stage = _stage(ck, str(kn.value), s, vn, app_drain)
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
    _check_raw_migrations(
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
        path=path.resolve(), application=_application(raw["application"]), stages=stages
    )


def _check_raw_migrations(ck: Checker, node: yaml.Node | None, m: dict) -> None:
    """Raw .sql migrations need the database that records them; without it the gate could not
    tell pending from applied, and a silently ignored sql_dir would let every file through."""
    if m.get("sql_dir") and not m.get("database_url"):
        ck.error(
            child(node, "sql_dir") or node,
            "application.migrations.sql_dir",
            "needs application.migrations.database_url (the database whose sql_table records "
            "applied versions), e.g. postgres://app@db/app with the password from ${env:NAME}",
        )
    ref = _SECRET_REF.match(str(m.get("database_url") or ""))
    if ref and ref.group(1) in os.environ and not raw_dialect_of(os.environ[ref.group(1)]):
        ck.error(
            child(node, "database_url") or node,
            "application.migrations.database_url",
            f"environment variable {ref.group(1)} does not hold a mysql://, mariadb://, "
            "postgres://, postgresql:// or sqlite:/// URL (its value is not shown: it is a secret)",
        )


def _application(a: dict) -> Application:
    kw = {
        k: v for k, v in a.items() if k not in ("workers", "drain", "migrations", "env", "notify")
    }
    workers = a.get("workers") or {}
    if "pattern" in workers:
        kw["worker_pattern"] = workers["pattern"]
    if "user" in workers:
        kw["worker_user"] = workers["user"]
    if "queues" in workers:
        kw["worker_queues"] = tuple(workers["queues"])
    if a.get("drain") is not None:
        kw["drain"] = drainconf.policy({k: v for k, v in a["drain"].items() if k != "roles"})
    if a.get("migrations") is not None:
        kw["migrations"] = _migrations(a["migrations"])
    kw["env"] = dict(a.get("env") or {})
    if a.get("notify") and "webhook" in a["notify"]:
        kw["notify"] = _notify(a["notify"])
    if "install_command" in kw:
        kw["install_command"] = tuple(kw["install_command"])
    return Application(**kw)


def _migrations(m: dict) -> MigrationSettings:
    """database_url is a credential either way (like the webhook): a Secret, from the environment
    or written inline."""
    m = dict(m)
    if m.get("database_url") is not None:
        m["database_url"] = _secret(m["database_url"])
    return MigrationSettings(**m)


def _notify(n: dict) -> Notify:
    """The webhook URL is a credential either way: a Secret, from the environment or inline."""
    return Notify(_secret(n["webhook"]), tuple(n.get("on") or NOTIFY_ON))


def _stage(ck: Checker, name: str, s: dict, node: yaml.Node, app_drain) -> Stage | None:
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
    return Stage(
        name=name,
        hosts=tuple(hosts),
        ssh=ssh,
        confirm=s.get("confirm", False),
        drain=drain,
        host_drain=host_drain,
    )
