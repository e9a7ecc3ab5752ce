"""Rules for every kind of long-running process (application.workers), where a process manager
runs it: is each artisan program one the drain knows, does a kind restarted by a signal get that
signal from its process manager too and come back after it, and does a scheduler's stop leave
the commands it started running the old release. Pure: HostFacts in, findings out; queue workers
keep their own rules (supervisor.py, systemd.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..config.model import WorkerKind
from ..probes.worker_command import parse_worker_command
from .facts import HostFacts
from .report import Finding, failed, passed, warned

_ARTISAN = re.compile(r"artisan['\"]?\s+([a-z][\w:-]*)")


@dataclass(frozen=True)
class Managed:
    """A program or unit as these rules see it, whichever process manager runs it."""

    subject: str
    command: str
    stopsignal: str
    grouped: bool  # the stop reaches the children too (stopasgroup, KillMode=control-group)
    restarts: bool  # started again whatever its exit code (autorestart=true, Restart=always)
    where: str
    settings: dict  # how to say each of them in this manager: key -> (setting, fix)


def artisan_command(command: str) -> str | None:
    m = _ARTISAN.search(command)
    return m.group(1) if m else None


def kind_of(command: str, kinds: Sequence[WorkerKind]) -> WorkerKind | None:
    """The kind the processes of this command line belong to: the census's rule (first pattern
    the command line holds)."""
    text = " ".join(command.split())
    return next((k for k in kinds if k.pattern in text), None)


def managed(facts: HostFacts) -> list[Managed]:
    out = []
    for p in facts.supervisor.programs if facts.supervisor else ():
        apply = f"in [program:{p.name}], then `supervisorctl reread && supervisorctl update`"
        out.append(
            Managed(
                f"{facts.host} [program:{p.name}]",
                p.command,
                p.stopsignal,
                p.stopasgroup,
                p.autorestart == "true",
                p.at("command"),
                {
                    "group": ("stopasgroup", f"set stopasgroup=true and killasgroup=true {apply}"),
                    "restart": (f"autorestart={p.autorestart}", f"set autorestart=true {apply}"),
                    "signal": ("stopsignal", f"set stopsignal={{sig}} {apply}"),
                },
            )
        )
    for u in facts.units:
        apply = f"in [Service] of {u.name}, then `systemctl daemon-reload`"
        out.append(
            Managed(
                f"{facts.host} {u.name}",
                u.exec_start,
                u.kill_signal,
                u.kill_mode not in ("process", "none"),  # mixed: SIGKILL reaches them
                u.restart == "always",
                u.where,
                {
                    "group": (f"KillMode={u.kill_mode}", f"set KillMode=control-group {apply}"),
                    "restart": (f"Restart={u.restart}", f"set Restart=always {apply}"),
                    "signal": ("KillSignal", f"set KillSignal=SIG{{sig}} {apply}"),
                },
            )
        )
    return out


def kind_rules(facts: HostFacts) -> list[Finding]:
    out: list[Finding] = []
    for m in managed(facts):
        sub = artisan_command(m.command)
        if sub is None or parse_worker_command(m.command) is not None:
            continue  # not the app (sshd, php-fpm, nginx), or a queue worker: the worker rules'
        k = kind_of(m.command, facts.kinds)
        if k is None:
            out.append(
                warned(
                    "kind.declared",
                    m.subject,
                    f"runs `artisan {sub}`, which no kind of application.workers matches: the "
                    "drain never waits for it, so it can run the old release after a ship",
                    f"add it to application.workers, e.g. {{name: {sub.split(':')[0]}, pattern: "
                    f'"artisan {sub}", restart: TERM}} (docs/drain.md)',
                    m.where,
                )
            )
            continue
        out.append(passed("kind.declared", m.subject, f"kind {k.name} (restart: {k.restart})"))
        if k.signal:
            out += signal_kind(m, k)
        if sub == "schedule:work":
            out.append(scheduler(m, k, facts.kinds))
    return out


def signal_kind(m: Managed, k: WorkerKind) -> list[Finding]:
    """A kind the drain restarts with a signal: its manager must stop it the same way (the signal
    it traps) and start it again after it exits (a trapped signal ends in exit code 0)."""
    setting, fix = m.settings["signal"]
    if m.stopsignal == k.signal:
        sig = passed(
            "kind.stopsignal",
            m.subject,
            f"{setting}={m.stopsignal}, as its kind's restart",
            m.where,
        )
    else:
        sig = warned(
            "kind.stopsignal",
            m.subject,
            f"{setting}={m.stopsignal}, but kind {k.name} is restarted with SIG{k.signal} (the "
            "signal it finishes its work on): a stop or restart by the process manager cuts it",
            fix.format(sig=k.signal),
            m.where,
        )
    setting, fix = m.settings["restart"]
    if m.restarts:
        back = passed(
            "kind.autorestart", m.subject, f"{setting}: it comes back after SIG{k.signal}"
        )
    else:
        back = failed(
            "kind.autorestart",
            m.subject,
            f"{setting}: after the drain's SIG{k.signal} it exits (exit code 0 when it finishes "
            "its unit of work) and is not started again: after a ship none runs",
            fix,
            m.where,
        )
    return [sig, back]


def scheduler(m: Managed, k: WorkerKind, kinds: Sequence[WorkerKind]) -> Finding:
    """schedule:work starts `schedule:run`, which runs the scheduled commands. A stop that reaches
    schedule:work alone leaves them running from the release they started in."""
    setting, fix = m.settings["group"]
    waits = [x.name for x in kinds if x.restart == "none" or "schedule:run" in x.pattern]
    if m.grouped:
        return passed(
            "scheduler.children",
            m.subject,
            f"{setting}: a stop reaches the schedule:run it started and its commands (one that "
            "does not trap the stop signal is cut)",
            m.where,
        )
    if waits:
        return passed(
            "scheduler.children",
            m.subject,
            f"{setting} not set: the schedule:run it started and its commands outlive a restart "
            f"on the old release, and the drain waits for them (kind {', '.join(waits)})",
            m.where,
        )
    return failed(
        "scheduler.children",
        m.subject,
        f"{setting} not set: a restart of kind {k.name} stops schedule:work alone; the "
        "schedule:run it started and its commands live on from the old release and no kind of "
        "application.workers waits for them: old code runs unnoticed",
        "declare the long scheduled commands as a kind the drain waits for ({name: scheduled, "
        'pattern: "artisan report:build", restart: none, drain: {deadline: 30m}}), or '
        + fix
        + " (a scheduled command that does not trap SIGTERM is then cut)",
        m.where,
    )
