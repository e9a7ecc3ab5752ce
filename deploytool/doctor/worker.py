"""Rules about a worker itself, whoever runs it (supervisord, systemd, Docker, Kubernetes).

The grace rule is the heart of graceful shutdown: whatever stops the worker sends a signal and
then waits; that wait must outlast the longest job (the worker's --timeout), or the job is
SIGKILLed in the middle. Pure functions over parsed values.
"""

from __future__ import annotations

from ..probes.worker_command import DEFAULT_MEMORY, WorkerCommand
from .report import Finding, failed, passed, warned

GRACEFUL = ("TERM", "QUIT")  # what Laravel's worker traps (pcntl): finish the job, then exit
MARGIN = 10  # seconds of headroom suggested above the job timeout


def secs(value: float | None) -> str:
    """Seconds as people set them: 90s, 3700s (1h01m40s), 1.5s."""
    if value is None:
        return "infinity"
    if value != int(value):
        return f"{value:g}s"
    n = int(value)
    if n < 120:
        return f"{n}s"
    h, rest = divmod(n, 3600)
    m, s = divmod(rest, 60)
    return (
        f"{n}s ("
        + (f"{h}h" if h else "")
        + (f"{m:02d}m" if h else f"{m}m")
        + (f"{s:02d}s" if s else "")
        + ")"
    )


def suggested(timeout: float, extra: float = 0) -> int:
    return int(timeout + extra + MARGIN)


def kind_rule(w: WorkerCommand, subject: str, where: str = "") -> Finding:
    if w.kind == "listen":
        return failed(
            "worker.queue-work",
            subject,
            "runs `queue:listen`, which boots a new PHP process per job (for development)",
            "run `php artisan queue:work` instead: it boots once and stops between jobs on SIGTERM",
            where,
        )
    return passed("worker.queue-work", subject, f"runs `artisan {w.argv[1]}`", where)


def recycle_rule(w: WorkerCommand, subject: str, where: str = "") -> Finding:
    if w.kind == "horizon":
        return passed("worker.recycle", subject, "Horizon recycles its own worker processes", where)
    set_ = [f"--{o}={w.options[o]}" for o in ("max-time", "max-jobs") if w.options.get(o)]
    if set_:
        return passed("worker.recycle", subject, "recycles itself (" + ", ".join(set_) + ")", where)
    return warned(
        "worker.recycle",
        subject,
        "never recycles itself: leaked memory grows until a deploy",
        "add --max-time=3600 (and/or --max-jobs=1000) to the queue:work command",
        where,
    )


def memory_rule(w: WorkerCommand, subject: str, where: str = "") -> Finding:
    if w.kind == "horizon" or w.options.get("memory"):
        return passed(
            "worker.memory",
            subject,
            f"--memory={w.options.get('memory')}"
            if w.options.get("memory")
            else "Horizon sets memory limits per supervisor",
            where,
        )
    return warned(
        "worker.memory",
        subject,
        f"no --memory: Laravel's default {DEFAULT_MEMORY} MB applies silently",
        (
            "set --memory explicitly (e.g. --memory=256) so the safety valve is a decision, not a "
            "default"
        ),
        where,
    )


def signal_rule(
    check: str, subject: str, sig: str, setting: str, fix: str, where: str = ""
) -> Finding:
    if sig in GRACEFUL:
        return passed(
            check, subject, f"{setting}={sig}: the worker finishes its job, then exits", where
        )
    return failed(
        check,
        subject,
        f"{setting}={sig}: the worker does not trap SIG{sig}, so a stop kills the "
        "job in the middle",
        fix,
        where,
    )


def grace_rule(
    check: str,
    subject: str,
    grace: float | None,
    timeout: float,
    setting: str,
    fix: str,
    where: str = "",
    extra: float = 0,
    extra_label: str = "",
    default: bool = False,
) -> Finding:
    """`grace` seconds between the stop signal and SIGKILL against the job timeout (+ extra).
    `default`: the setting is not written anywhere, so the tool's default applies."""
    need = timeout + extra
    label = f"the job timeout of {secs(timeout)}" + (
        f" + {extra_label} {secs(extra)}" if extra else ""
    )
    value = f"{setting} is {secs(grace)}" + (" (the default)" if default else "")
    if grace is None:
        return passed(
            check, subject, f"{setting} is infinity: a stop always waits for the job", where
        )
    if timeout == 0:
        return warned(
            check,
            subject,
            f"{value} but the worker has no --timeout (0): a job longer than "
            f"{secs(grace)} is killed on stop",
            f"give the worker a --timeout below {setting}",
            where,
        )
    if grace <= need:
        return failed(
            check,
            subject,
            f"{value}, not above {label}: a job still running after {secs(grace)} is SIGKILLed",
            fix,
            where,
        )
    return passed(check, subject, f"{value}, above {label}", where)


def worker_rules(w: WorkerCommand, subject: str, where: str = "") -> list[Finding]:
    return [
        kind_rule(w, subject, where),
        recycle_rule(w, subject, where),
        memory_rule(w, subject, where),
    ]
