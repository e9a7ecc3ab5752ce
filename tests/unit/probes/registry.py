"""The probes whose parsers have data-file cases: name -> how a case's captured input is parsed.

A case (cases/<probe>/<name>.json) is one command's captured output (`input`: stdout, and what
else the parser is given) and the fact the parser must make of it (`fact`: the parsed value as
plain data). Most were captured from the lab's real hosts with `python -m tests.unit.probes.capture`
(it runs the exact commands deploytool sends); the rest are shapes a host rarely shows (a stopped
worker, a missing binary) kept from hand-checked outputs. Adding a case is adding a file.
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from deploytool.doctor import fpm_conf, nginx_conf
from deploytool.probes import laravel_migrations, raw_migrations
from deploytool.probes.census import parse_census
from deploytool.probes.census_watch import parse_line
from deploytool.probes.disk import parse_disk
from deploytool.probes.fpm import parse_fpm
from deploytool.probes.git_ref import parse_ref
from deploytool.probes.laravel_config import parse_config
from deploytool.probes.php_runtime import parse_php
from deploytool.probes.queues import parse_queues
from deploytool.probes.releases import parse_releases
from deploytool.probes.restart_reach import parse_reach
from deploytool.probes.supervisor_conf import parse_status, parse_supervisor
from deploytool.probes.systemd_unit import parse_units
from deploytool.probes.web_conf import parse_web_conf
from deploytool.probes.web_probe import parse_answers
from deploytool.probes.worker_command import parse_worker_command

PARSERS = {
    "census": lambda i: parse_census(
        i["stdout"], i["deploy_path"], tuple(tuple(k) for k in i.get("kinds", [["queue", ""]]))
    ),
    "fpm": lambda i: parse_fpm(i["exit_code"], i["stdout"], i["stderr"], i["socket"]),
    "census_watch": lambda i: [parse_line(line) for line in i["stdout"].splitlines()],
    "disk": lambda i: parse_disk(i["stdout"]),
    "git_ref": lambda i: parse_ref(i["stdout"], i["ref"]),
    "laravel_config": lambda i: parse_config(i["exit_code"], i["stdout"], i["stderr"]),
    "laravel_migrations": lambda i: laravel_migrations.parse(
        i["exit_code"], i["stdout"], i["stderr"]
    ),
    "php_runtime": lambda i: parse_php(i["binary"], i["exit_code"], i["stdout"], i["stderr"]),
    "queues": lambda i: parse_queues(i["stdout"]),
    "raw_migrations": lambda i: raw_migrations.parse(i["stdout"]),
    "releases": lambda i: parse_releases(i["stdout"], i["deploy_path"]),
    "restart_reach": lambda i: parse_reach(i["stdout"]),
    "supervisor_conf": lambda i: parse_supervisor(i["files"], i["main"]),
    "supervisor_status": lambda i: parse_status(i["stdout"]),
    "systemd_units": lambda i: parse_units(i["stdout"]),
    "worker_command": lambda i: parse_worker_command(i["stdout"]),
    # the files as read, and what nginx passes to PHP and FPM's reload settings made of them
    "web_conf": lambda i: web_conf_facts(
        parse_web_conf(i["exit_code"], i["stdout"], i["stderr"]), i["deploy_path"]
    ),
    # each answer with the release the probe's body names ("" for anything else)
    "web_probe": lambda i: [
        {**dataclasses.asdict(a), "release": a.release}
        for a in parse_answers(i["exit_code"], i["stdout"], i["stderr"], i["urls"])
    ],
}


def web_conf_facts(conf, deploy_path: str) -> dict:
    sites = nginx_conf.sites(conf.nginx.files, conf.nginx.main, deploy_path)
    return {
        "nginx": sites,
        "resolves": [s.resolves for s in sites.sites],
        "fpm": fpm_conf.settings(conf.fpm.files, conf.fpm.main) if conf.fpm.files else None,
        "mains": [conf.nginx.main, conf.fpm.main],
        "unreadable": {**conf.nginx.unreadable, **conf.fpm.unreadable},
        "error": conf.error,
    }


def to_data(value: object) -> object:
    """A parsed value as JSON data: dataclasses as dicts of their fields, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict | MappingProxyType):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_data(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(to_data(v) for v in value)
    return value
