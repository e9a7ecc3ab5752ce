"""Rules for worker programs under supervisord: how they are stopped, restarted and where they
run from. Pure: HostFacts in, findings out."""

from __future__ import annotations

from ..probes.supervisor_conf import Program
from ..probes.worker_command import WorkerCommand, parse_worker_command
from .facts import HostFacts
from .report import Finding, failed, passed, warned
from .worker import grace_rule, signal_rule, suggested, worker_rules

APPLY = "then `supervisorctl reread && supervisorctl update`"


def worker_programs(facts: HostFacts) -> list[tuple[Program, WorkerCommand]]:
    if facts.supervisor is None:
        return []
    found = []
    for p in facts.supervisor.programs:
        w = parse_worker_command(p.command)
        if w is not None:
            found.append((p, w))
    return found


def job_timeout(w: WorkerCommand, facts: HostFacts) -> tuple[float, str]:
    """The longest a job may run, and where that number comes from."""
    if w.kind == "horizon":
        sups = (facts.app.horizon if facts.app else None) or {}
        timeouts = [int(s["timeout"]) for s in sups.values() if str(s.get("timeout", "")).isdigit()]
        return (max(timeouts), "config/horizon.php") if timeouts else (60, "Horizon's default")
    return w.timeout, ("--timeout" if w.timeout_explicit else "default --timeout")


def program_rules(facts: HostFacts, p: Program, w: WorkerCommand) -> list[Finding]:
    subject = f"{facts.host} [program:{p.name}]"
    out = [
        signal_rule(
            "supervisor.stopsignal",
            subject,
            p.stopsignal,
            "stopsignal",
            f"set stopsignal=TERM in [program:{p.name}], {APPLY}",
            p.at("stopsignal"),
        )
    ]
    timeout, source = job_timeout(w, facts)
    out.append(
        grace_rule(
            "supervisor.stopwaitsecs",
            subject,
            p.stopwaitsecs,
            timeout,
            "stopwaitsecs",
            f"set stopwaitsecs={suggested(timeout)} in [program:{p.name}] (above the {source} of "
            f"{int(timeout)}s), {APPLY}",
            p.at("stopwaitsecs"),
            default=not p.explicit("stopwaitsecs"),
        )
    )
    group = [k for k in ("stopasgroup", "killasgroup") if not getattr(p, k)]
    if group:
        out.append(
            warned(
                "supervisor.stopasgroup",
                subject,
                f"{' and '.join(group)} not true: a job's child "
                "processes are orphaned on stop and survive an escalation to SIGKILL",
                f"set stopasgroup=true and killasgroup=true in [program:{p.name}], {APPLY}",
                p.at("stopasgroup"),
            )
        )
    else:
        out.append(
            passed(
                "supervisor.stopasgroup",
                subject,
                "stopasgroup and killasgroup are true",
                p.at("stopasgroup"),
            )
        )
    if p.autorestart == "true":
        out.append(
            passed(
                "supervisor.autorestart",
                subject,
                "autorestart=true: workers come back after queue:restart",
                p.at("autorestart"),
            )
        )
    else:
        why = (
            "`unexpected` (supervisord's default) ignores exit code 0, which is how a worker "
            "leaves after queue:restart"
            if p.autorestart == "unexpected"
            else f"autorestart={p.autorestart}"
        )
        out.append(
            failed(
                "supervisor.autorestart",
                subject,
                f"workers that exit are not started again: {why}; "
                "after a deploy no worker would be running",
                f"set autorestart=true in [program:{p.name}], {APPLY}",
                p.at("autorestart"),
            )
        )
    out += worker_rules(w, subject, p.at("command"))
    out.append(directory_rule(facts, p, w, subject))
    out += live_rules(facts, p, w, subject)
    return out


def directory_rule(facts: HostFacts, p: Program, w: WorkerCommand, subject: str) -> Finding:
    """Workers must start from `current`: deploytool's drain tells a worker's release by its working
    directory, so one pinned to a release looks old (or new) forever."""
    current = facts.deploy_path.rstrip("/") + "/current"
    releases = facts.deploy_path.rstrip("/") + "/releases/"
    fix = (
        f"set directory={current} and run `php {current}/artisan ...` in [program:{p.name}], "
        f"{APPLY}"
    )
    if p.directory.startswith(releases):
        return failed(
            "supervisor.directory",
            subject,
            f"directory={p.directory} is one release: the drain sees "
            "these workers on that release forever, and relative paths never move on",
            fix,
            p.at("directory"),
        )
    if w.artisan.startswith(releases):
        return failed(
            "supervisor.directory",
            subject,
            f"runs {w.artisan}, pinned to one release: workers never pick up a new release",
            fix,
            p.at("command"),
        )
    in_current = w.artisan.startswith(current + "/") or not w.artisan.startswith("/")
    if p.directory.rstrip("/") == current and in_current:
        return passed(
            "supervisor.directory",
            subject,
            f"runs from {current}, so a restart picks up the new release",
            p.at("directory"),
        )
    return warned(
        "supervisor.directory",
        subject,
        f"directory={p.directory or '(unset)'} and artisan {w.artisan}: not both on {current}, so "
        "workers may not run (or be seen to run) the release deploytool ships",
        fix,
        p.at("directory"),
    )


def live_rules(facts: HostFacts, p: Program, w: WorkerCommand, subject: str) -> list[Finding]:
    """What supervisord is doing now with this program, and whether that matches the file."""
    if facts.status_error:
        return [
            warned(
                "supervisor.running",
                subject,
                f"cannot read `supervisorctl status`: {facts.status_error}",
                "let the deploy user use supervisorctl (chown the socket in [unix_http_server])",
            )
        ]
    group = facts.supervisor.group_of(p.name) if facts.supervisor else p.name
    names = p.process_names(group)
    states = {n: facts.status.get(n) for n in names}
    missing = [n for n, s in states.items() if s is None]
    out = []
    if len(missing) == len(names):
        out.append(
            warned(
                "supervisor.running",
                subject,
                "supervisord has not loaded this program (the file changed since it started)",
                "run `supervisorctl reread && supervisorctl update`",
                p.where,
            )
        )
        return out
    bad = {
        n: s.state for n, s in states.items() if s and s.state in ("FATAL", "BACKOFF", "UNKNOWN")
    }
    idle = {
        n: s.state
        for n, s in states.items()
        if s and s.state not in ("RUNNING", "STARTING") and n not in bad
    }
    if bad:
        out.append(
            failed(
                "supervisor.running",
                subject,
                "crashing: " + ", ".join(f"{n} {s}" for n, s in bad.items()),
                (
                    f"read the program's log (`supervisorctl tail {next(iter(bad))}`) and fix the "
                    "start error"
                ),
            )
        )
    elif idle:
        out.append(
            warned(
                "supervisor.running",
                subject,
                "not running: "
                + ", ".join(f"{n} {s}" for n, s in idle.items())
                + "; nothing consumes the queue there",
                f"`supervisorctl start {group}:*`",
            )
        )
    else:
        out.append(passed("supervisor.running", subject, f"{len(names)} process(es) RUNNING"))
    out.extend(applied_rule(facts, p, states, subject))
    return out


def applied_rule(facts: HostFacts, p: Program, states, subject: str) -> list[Finding]:
    """A running worker whose command line differs from the file runs an edited-but-unapplied
    config."""
    if facts.census is None:
        return []
    by_pid = {w.pid: w for w in facts.census.workers}
    want = " ".join(p.command.split())
    stale = [
        (n, by_pid[s.pid].args)
        for n, s in states.items()
        if s and s.pid in by_pid and " ".join(by_pid[s.pid].args.split()) != want
    ]
    if stale:
        name, args = stale[0]
        return [
            warned(
                "supervisor.applied",
                subject,
                f"{name} runs `{args}`, not the command in the file: the "
                "file was edited but not applied",
                "run `supervisorctl reread && supervisorctl update`",
                p.at("command"),
            )
        ]
    return []


def supervisor_rules(facts: HostFacts) -> list[Finding]:
    out: list[Finding] = []
    if facts.supervisor is None:
        if facts.supervisor_error:
            out.append(
                warned(
                    "supervisor.config",
                    facts.host,
                    facts.supervisor_error,
                    "let the deploy user read supervisord's configuration files",
                )
            )
        return out
    for problem in facts.supervisor.problems:
        out.append(warned("supervisor.config", facts.host, problem, "fix the file's syntax"))
    for p, w in worker_programs(facts):
        out += program_rules(facts, p, w)
    return out
