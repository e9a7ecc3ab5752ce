"""Gather HostFacts from every host of a stage, read-only, in parallel.

testinfra's modules where they fit: `process` finds the running supervisord and the -c file it
was started with, `file` reads that file and its [include] files and resolves `current`,
`service` asks systemd for a unit's effective settings. Our own probes (a Cmd and a pure parser)
where testinfra has nothing or does not fit: `supervisorctl status` (testinfra's supervisor
module needs exit 0, which supervisorctl 4 does not give once a program is stopped), the unit
file search, PHP's pcntl, the app's config, the worker census. A host that cannot be reached
becomes a fact too, so one dead host does not hide the others' findings.
"""

from __future__ import annotations

from ..drain.census import census_of
from ..errors import DeployError
from ..probes.laravel_config import config_command, parse_config
from ..probes.php_runtime import parse_php, php_command
from ..probes.supervisor_conf import (
    SEARCH_PATHS,
    SupervisorConfig,
    config_path_from_args,
    include_patterns,
    matching,
    parse_status,
    parse_supervisor,
)
from ..probes.systemd_unit import from_properties, parse_units, units_command
from ..probes.worker_command import parse_worker_command
from ..shell import Cmd
from .facts import Current, HostFacts
from .testinfra_host import testinfra_host
from .web_facts import read_web

STEP = "doctor"
TESTINFRA_ERRORS = (AssertionError, RuntimeError, ValueError, NotImplementedError)


def gather_all(ctx) -> list[HostFacts]:
    hosts = ctx.hosts
    return ctx.fanout.map(lambda h: gather(ctx, h), hosts)


def gather(ctx, host) -> HostFacts:
    n = len(ctx.hosts)
    deploy = ctx.app.deploy_path
    try:
        ctx.transport.connect(host)
    except DeployError as e:
        return HostFacts(
            host.name, deploy, n, Current("", False, False, ""), None, unreachable=e.message
        )
    try:
        return _gather(ctx, host, n, deploy)
    except DeployError as e:  # a connection lost half-way
        return HostFacts(
            host.name, deploy, n, Current("", False, False, ""), None, unreachable=e.message
        )


def _gather(ctx, host, n: int, deploy: str) -> HostFacts:
    ti = testinfra_host(ctx, host)
    supervisor, sup_error = read_supervisor(ti)
    status, status_error = {}, ""
    if supervisor is not None:
        status, status_error = read_status(ctx, host, supervisor.main)
    units, systemd = read_units(ctx, host, ti)
    current = read_current(ti, deploy.rstrip("/") + "/current")
    binaries = php_binaries(supervisor, units, ctx.app.php)
    php = {b: parse_php(b, *_run(ctx, host, php_command(b))) for b in binaries}
    app = (
        parse_config(*_run(ctx, host, config_command(binaries[0], current.path)))
        if current.exists
        else None
    )
    census = census_of(ctx, host, STEP)
    web = read_web(ctx, host)
    return HostFacts(
        host.name,
        deploy,
        n,
        current,
        supervisor,
        sup_error,
        status,
        status_error,
        tuple(units),
        systemd,
        php,
        app,
        census,
        kinds=ctx.worker_kinds,
        web=web,
    )


def _run(ctx, host, command) -> tuple[int, str, str]:
    r = ctx.run(host, command, STEP, timeout=60, check=False)
    return r.exit_code, r.stdout, r.stderr


def read_supervisor(ti) -> tuple[SupervisorConfig | None, str]:
    """The config the running supervisord uses (its -c), else the first default path that exists."""
    try:
        running = [p.args for p in ti.process.filter(comm="supervisord")]
    except TESTINFRA_ERRORS:
        running = []
    main = next((config_path_from_args(a) for a in running if config_path_from_args(a)), "")
    if not main:
        main = next((p for p in SEARCH_PATHS if _safe(lambda p=p: ti.file(p).exists, False)), "")
    if not main:
        return None, (
            "supervisord is running but none of its config files is readable" if running else ""
        )
    files: dict[str, str] = {}
    text = _safe(lambda: ti.file(main).content_string, None)
    if text is None:
        return None, f"cannot read supervisord's config {main} as the deploy user"
    files[main] = text
    for pattern in include_patterns(text, main):
        directory = pattern.rsplit("/", 1)[0]
        for path in matching(pattern, _safe(lambda d=directory: ti.file(d).listdir(), [])):
            body = _safe(lambda path=path: ti.file(path).content_string, None)
            if body is not None:
                files[path] = body
    return parse_supervisor(files, main), ""


def read_status(ctx, host, main: str):
    code, out, err = _run(ctx, host, Cmd(("supervisorctl", "-c", main, "status")))
    status = parse_status(out)
    if not status and code not in (0, 3):
        return {}, (err.strip() or out.strip() or f"exit code {code}").splitlines()[-1][:200]
    return status, ""


def read_units(ctx, host, ti):
    code, out, err = _run(ctx, host, units_command())
    units, systemd = parse_units(out)
    if systemd:
        live = []
        for u in units:
            props = _safe(lambda u=u: ti.service(u.name).systemd_properties, None)
            live.append(from_properties(u.name, props, u) if props else u)
        units = live
    return units, systemd


def read_current(ti, path: str) -> Current:
    f = ti.file(path)
    exists = _safe(lambda: f.exists, False)
    is_link = _safe(lambda: f.is_symlink, False)
    target = _safe(lambda: f.linked_to, "") if exists else ""
    return Current(path, bool(exists), bool(is_link), str(target or ""))


def php_binaries(supervisor, units, default: str) -> list[str]:
    found: list[str] = []
    commands = [p.command for p in (supervisor.programs if supervisor else ())] + [
        u.exec_start for u in units
    ]
    for c in commands:
        w = parse_worker_command(c)
        if w is not None and w.php and w.php not in found:
            found.append(w.php)
    return found or [default]


def _safe(fn, default):
    try:
        return fn()
    except TESTINFRA_ERRORS:
        return default
