"""`deploytool init`: write a starter inventory (and nothing else), from flags or, on a terminal,
by asking for what the flags did not say; then check it as check-config does and offer doctor.

Never asks without a terminal: there, missing required flags are one usage error naming them
all. Never overwrites a file without --force. The text itself is config/starter.py.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from ..config import load_inventory
from ..config.starter import Starter, StarterHost, parse_host, render
from ..errors import ConfigError, UsageError
from ..ui.ask import ask, can_ask, say
from ..ui.document import Document
from . import check_config

REQUIRED = (("repository", "--repository"), ("deploy_path", "--deploy-path"), ("hosts", "--host"))


def add(sub) -> None:
    p = sub.add_parser(
        "init", help="write a starter inventory from flags, or by asking on a terminal"
    )
    p.add_argument("-o", "--output", default="inventory.yml", metavar="PATH")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument("--repository", help="a git URL or path the hosts can clone")
    p.add_argument("--deploy-path", help="an absolute path on the hosts (releases/, current)")
    p.add_argument(
        "--host",
        action="append",
        default=[],
        metavar="NAME=ADDRESS[:PORT][,ROLE...]",
        help="a host, e.g. web1=10.0.0.5 or w1=10.0.0.6:2222,worker (roles default: web,worker)",
    )
    p.add_argument(
        "--migrate-host", metavar="NAME", help="the host migrations run on (default: the first)"
    )
    p.add_argument("--worker-pattern", default=None, help="default: artisan queue:work")
    p.add_argument("--ssh-user", default=None, help="default: deploy")
    p.add_argument("--known-hosts", default=None, help="default: ~/.ssh/known_hosts")
    p.add_argument("--identity-file", default=None)
    p.add_argument("--name", default=None, help="the application (default: from --repository)")
    p.add_argument("--stage", default=None, help="default: production")
    p.add_argument("--branch", default=None, help="default: main")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")


def run(args, env) -> Document:
    out = Path(args.output)
    if out.exists() and not args.force:
        raise UsageError(
            f"{out} exists; nothing was written", "pass --force to overwrite it, or -o PATH"
        )
    starter = answers(args, env)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(starter, date.today().isoformat()))
    doc = {
        "path": str(out),
        "stage": starter.stage,
        "hosts": len(starter.hosts),
        "next": f"deploytool doctor {starter.stage}"
        + ("" if out == Path("inventory.yml") else f" -i {out}"),
    }
    try:
        doc["check"] = {"ok": True, "result": check_config.report(load_inventory(out))}
    except ConfigError as e:
        doc["check"] = {"ok": False, "problems": e.problems}
    return Document("init", doc, 0 if doc["check"]["ok"] else int(ConfigError.exit_code))


def answers(args, env) -> Starter:
    """The starter's values: the flags, then (on a terminal) questions for what they left out."""
    hosts = [_host(h) for h in args.host]
    given = {"repository": args.repository, "deploy_path": args.deploy_path, "hosts": hosts}
    missing = [flag for key, flag in REQUIRED if not given[key]]
    if missing and not can_ask(env):
        raise UsageError(
            "init needs " + ", ".join(missing) + " (no terminal to ask on)",
            "deploytool init --repository URL --deploy-path /var/www/app --host web1=10.0.0.5",
        )
    asking = can_ask(env)

    def value(current, question, default="", check=None):
        while True:
            if current is not None or not asking:
                got = current if current is not None else default
            else:
                got = ask(env, question, default)
            problem = check(got) if check else None
            if not problem:
                return got
            if not asking or current is not None:
                raise UsageError(problem)
            say(env, problem)

    repository = value(args.repository, "git repository the hosts clone", check=_required)
    deploy_path = value(args.deploy_path, "deploy path on the hosts", "/var/www/app", _absolute)
    while asking and not args.host:
        text = ask(
            env,
            "host NAME=ADDRESS[:PORT][,ROLE...] (empty: done)"
            if hosts
            else "host NAME=ADDRESS[:PORT][,ROLE...]",
        )
        if not text and hosts:
            break
        try:
            hosts.append(parse_host(text))
        except ValueError as e:
            say(env, str(e))
    names = [h.name for h in hosts]
    if len(set(names)) != len(names):
        raise UsageError(f"--host: a host name is used twice ({', '.join(names)})")
    migrate = value(
        args.migrate_host,
        f"host that runs migrations ({', '.join(names)})",
        names[0],
        lambda n: None if n in names else f"--migrate-host: {n!r} is not one of {', '.join(names)}",
    )
    default_name = Path(repository.rstrip("/")).name.removesuffix(".git") or "app"
    return Starter(
        name=value(args.name, "application name", default_name),
        repository=repository,
        deploy_path=deploy_path,
        hosts=tuple(hosts),
        migrate_host=migrate,
        stage=value(args.stage, "stage name", "production"),
        branch=value(args.branch, "branch to deploy", "main"),
        ssh_user=value(args.ssh_user, "SSH user on the hosts", "deploy"),
        known_hosts=value(args.known_hosts, "known_hosts file", "~/.ssh/known_hosts"),
        identity_file=value(args.identity_file, "SSH key (empty: ssh-agent)", "") or None,
        worker_pattern=value(args.worker_pattern, "worker command pattern", "artisan queue:work"),
    )


def _host(text: str) -> StarterHost:
    try:
        return parse_host(text)
    except ValueError as e:
        raise UsageError(f"--host {e}") from None


def _required(v: str) -> str | None:
    return None if v else "a value is needed"


def _absolute(v: str) -> str | None:
    return None if os.path.isabs(v) else f"--deploy-path: {v!r} is not an absolute path"
