"""docker-compose rules for services that run workers: `init`, `stop_signal`, and
`stop_grace_period` (default 10s) against the job timeout.

Compose splits a string `command:` into words itself (no shell), so only an explicit
`sh -c '...'` puts a shell in front of PHP.
"""

from __future__ import annotations

from pathlib import Path

from ...config.durations import parse_duration
from ...probes.supervisor_conf import signal_name
from ...probes.worker_command import SHELLS, parse_worker_command, split
from ..report import Finding, failed, passed, warned
from ..worker import GRACEFUL, grace_rule, suggested, worker_rules
from .yamlmarks import line_of

DEFAULT_GRACE = 10.0


def is_compose(doc: object) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("services"), dict)


def check_compose(path: Path, doc: dict, lines: dict, job_timeout: int | None) -> list[Finding]:
    out: list[Finding] = []
    workers = []
    for name, svc in doc["services"].items():
        if not isinstance(svc, dict):
            continue
        argv = split(svc.get("entrypoint") or []) + split(svc.get("command") or [])
        w = parse_worker_command(argv) if argv else None
        if w is not None:
            workers.append(name)
            out += service_rules(path, name, svc, w, lines, job_timeout)
    if not workers:
        out.append(
            warned(
                "compose.workers",
                str(path),
                "no service runs `artisan queue:work` or `horizon` "
                f"(services: {', '.join(doc['services'])})",
                "nothing to check here; pass the file that runs the workers",
            )
        )
    return out


def service_rules(
    path: Path, name: str, svc: dict, w, lines: dict, job_timeout: int | None
) -> list[Finding]:
    subject = f"{path} service {name}"
    base = ("services", name)

    def at(key: str) -> str:
        return f"{path}:{line_of(lines, base + (key,))}"

    out = []
    argv = split(svc.get("entrypoint") or []) + split(svc.get("command") or [])
    key = "entrypoint" if svc.get("entrypoint") else "command"
    if svc.get("init") is True:
        out.append(
            passed(
                "compose.pid1",
                subject,
                "init: true: tini is PID 1 and forwards SIGTERM",
                at("init"),
            )
        )
    elif argv and argv[0].rsplit("/", 1)[-1] in SHELLS and not w.shell_execs:
        out.append(
            failed(
                "compose.pid1",
                subject,
                f"{key} runs `{argv[0]} -c ...`: the shell is PID 1 and swallows SIGTERM",
                "set `init: true`, or end the snippet with `exec php ...`",
                at(key),
            )
        )
    else:
        out.append(
            passed(
                "compose.pid1",
                subject,
                f"{key} runs PHP directly as PID 1 (compose does not wrap it in "
                "a shell); `init: true` would also reap zombies",
                at(key),
            )
        )
    sig = svc.get("stop_signal")
    if sig is None or signal_name(str(sig)) in GRACEFUL:
        out.append(
            passed(
                "compose.stop_signal",
                subject,
                f"stop_signal: {sig or 'SIGTERM (default)'}",
                at("stop_signal"),
            )
        )
    else:
        out.append(
            failed(
                "compose.stop_signal",
                subject,
                f"stop_signal: {sig}: the worker does not trap it",
                "stop_signal: SIGTERM",
                at("stop_signal"),
            )
        )
    timeout = job_timeout if (job_timeout is not None and not w.timeout_explicit) else w.timeout
    raw = svc.get("stop_grace_period")
    try:
        grace = parse_duration(raw) if raw is not None else DEFAULT_GRACE
    except ValueError:
        out.append(
            warned(
                "compose.stop_grace_period",
                subject,
                f"cannot read stop_grace_period {raw!r}",
                "write it like 1h or 90s",
                at("stop_grace_period"),
            )
        )
    else:
        out.append(
            grace_rule(
                "compose.stop_grace_period",
                subject,
                grace,
                timeout,
                "stop_grace_period",
                f"stop_grace_period: {suggested(timeout)}s",
                at("stop_grace_period") if raw is not None else at(key),
                default=raw is None,
            )
        )
    return out + worker_rules(w, subject, at(key))
