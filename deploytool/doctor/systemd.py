"""Rules for systemd units that run workers: the stop signal, TimeoutStopSec against the job
timeout, KillMode, and Restart (a worker leaves with exit code 0 after queue:restart, so only
Restart=always brings it back)."""

from __future__ import annotations

from ..probes.systemd_unit import Unit
from ..probes.worker_command import parse_worker_command
from .facts import HostFacts
from .report import Finding, failed, passed, warned
from .supervisor import job_timeout
from .worker import grace_rule, signal_rule, suggested, worker_rules

APPLY = "then `systemctl daemon-reload`"


def unit_rules(
    facts: HostFacts | None, u: Unit, subject: str, deploy_path: str = ""
) -> list[Finding]:
    w = parse_worker_command(u.exec_start)
    if w is None:
        return []
    where = u.where
    edit = f"in [Service] of {u.name} (or a drop-in: `systemctl edit {u.name}`), {APPLY}"
    timeout, source = job_timeout(w, facts) if facts is not None else (w.timeout, "--timeout")
    out = [
        signal_rule(
            "systemd.killsignal",
            subject,
            u.kill_signal,
            "KillSignal",
            f"set KillSignal=SIGTERM {edit}",
            where,
        ),
        grace_rule(
            "systemd.timeoutstopsec",
            subject,
            u.timeout_stop,
            timeout,
            "TimeoutStopSec",
            (
                f"set TimeoutStopSec={suggested(timeout)} (above the {source} of {int(timeout)}s) "
                f"{edit}"
            ),
            where,
            default=bool(u.explicit) and not {"timeoutstopsec", "timeoutsec"} & u.explicit,
        ),
    ]
    if u.kill_mode in ("mixed", "control-group"):
        out.append(passed("systemd.killmode", subject, f"KillMode={u.kill_mode}", where))
    else:
        out.append(
            warned(
                "systemd.killmode",
                subject,
                f"KillMode={u.kill_mode}: a job's child processes are left behind on stop",
                f"set KillMode=mixed {edit}",
                where,
            )
        )
    if u.restart == "always":
        out.append(
            passed(
                "systemd.restart",
                subject,
                "Restart=always: workers come back after queue:restart",
                where,
            )
        )
    else:
        out.append(
            failed(
                "systemd.restart",
                subject,
                f"Restart={u.restart}: a worker leaving after queue:restart "
                "(exit code 0) is not started again",
                f"set Restart=always {edit}",
                where,
            )
        )
    out += worker_rules(w, subject, where)
    if deploy_path:
        current = deploy_path.rstrip("/") + "/current"
        if w.artisan.startswith(current + "/") or u.working_directory.rstrip("/") == current:
            out.append(passed("systemd.directory", subject, f"runs from {current}", where))
        else:
            out.append(
                warned(
                    "systemd.directory",
                    subject,
                    f"artisan {w.artisan} is not under {current}: "
                    "workers may not run the release deploytool ships",
                    f"run `php {current}/artisan ...` in ExecStart, {APPLY}",
                    where,
                )
            )
    return out


def systemd_rules(facts: HostFacts) -> list[Finding]:
    out: list[Finding] = []
    for u in facts.units:
        out += unit_rules(facts, u, f"{facts.host} {u.name}", facts.deploy_path)
    return out
