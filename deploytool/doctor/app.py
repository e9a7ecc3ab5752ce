"""Rules about the host and the app rather than one process manager: `current`, pcntl, the queue
connection's retry_after against the worker timeout, and the cache store queue:restart uses."""

from __future__ import annotations

from ..probes.worker_command import WorkerCommand, parse_worker_command
from .facts import HostFacts
from .report import Finding, failed, passed, warned
from .supervisor import worker_programs

SHARED = ("redis", "memcached", "database", "dynamodb")
PER_PROCESS = ("array", "null", "apc")


def workers(facts: HostFacts) -> list[tuple[str, WorkerCommand, str]]:
    """(subject, worker, where) for every worker this host runs under supervisord or systemd."""
    found = [(f"{facts.host} [program:{p.name}]", w, p.where) for p, w in worker_programs(facts)]
    for u in facts.units:
        w = parse_worker_command(u.exec_start)
        if w is not None:
            found.append((f"{facts.host} {u.name}", w, u.where))
    return found


def current_rule(facts: HostFacts) -> Finding:
    c = facts.current
    if c.exists and c.is_symlink:
        return passed("release.current", facts.host, f"{c.path} -> {c.target}")
    if c.exists:
        return failed(
            "release.current",
            facts.host,
            f"{c.path} is a directory, not a symlink: a deploy cannot switch it atomically",
            "move it aside and let `deploytool ship` create the link",
        )
    if c.is_symlink:
        return failed(
            "release.current",
            facts.host,
            f"{c.path} is a dangling symlink: workers cannot start",
            "ship again, or `deploytool rollback` to a release that exists",
        )
    return failed(
        "release.current",
        facts.host,
        f"{c.path} does not exist: nothing has been shipped here",
        "run `deploytool ship` for this stage",
    )


def pcntl_rules(facts: HostFacts) -> list[Finding]:
    out = []
    for binary, rt in facts.php.items():
        subject = f"{facts.host} {binary}"
        if rt.error:
            out.append(
                warned(
                    "php.pcntl",
                    subject,
                    f"cannot run `{binary} -r`: {rt.error}",
                    "make sure the workers' PHP binary is on the deploy user's PATH",
                )
            )
        elif not rt.pcntl:
            out.append(
                failed(
                    "php.pcntl",
                    subject,
                    f"PHP {rt.version} has no pcntl extension: SIGTERM kills the "
                    "worker in the middle of a job",
                    "install/enable pcntl for the CLI (php-cli ships it "
                    "on Debian/Ubuntu; `docker-php-ext-install pcntl` in images)",
                )
            )
        elif rt.missing_functions:
            out.append(
                failed(
                    "php.pcntl",
                    subject,
                    "pcntl is loaded but "
                    + ", ".join(rt.missing_functions)
                    + " are disabled (disable_functions): the worker cannot trap SIGTERM",
                    "remove pcntl_* from disable_functions in the CLI php.ini",
                )
            )
        else:
            out.append(
                passed("php.pcntl", subject, f"PHP {rt.version} has pcntl: workers trap SIGTERM")
            )
    return out


def retry_after_rules(facts: HostFacts) -> list[Finding]:
    app = facts.app
    if app is None or app.error:
        return []
    out = []
    for subject, w, where in workers(facts):
        pairs: list[tuple[str | None, int]] = []
        if w.kind == "horizon":
            for s in (app.horizon or {}).values():
                if str(s.get("timeout", "")).isdigit():
                    pairs.append((str(s.get("connection") or "") or None, int(s["timeout"])))
        else:
            pairs.append((w.connection, w.timeout))
        for connection, timeout in pairs:
            name = connection or app.queue_default
            retry = app.retry_after(name)
            if retry is None:
                continue  # sqs, sync, ...: no visibility timeout to race
            if timeout == 0 or retry <= timeout:
                out.append(
                    failed(
                        "queue.retry-after",
                        subject,
                        f"queue connection `{name}` has retry_after={retry} but the worker's "
                        f"--timeout is {timeout or 'unlimited'}: a job still running is handed to "
                        "a second worker",
                        f"raise `retry_after` for `{name}` in "
                        f"config/queue.php above {timeout or 'the timeout'} (or lower --timeout)",
                        where,
                    )
                )
            else:
                out.append(
                    passed(
                        "queue.retry-after",
                        subject,
                        f"retry_after={retry} of `{name}` is above --timeout={timeout}",
                        where,
                    )
                )
    return out


def cache_rule(facts: HostFacts) -> Finding | None:
    app = facts.app
    if app is None:
        return None
    if app.error:
        return warned(
            "cache.shared",
            facts.host,
            f"cannot boot the app from current to read its config: {app.error}",
            "fix the error above (it also breaks `php artisan` there)",
        )
    d = app.cache_driver
    what = app.describe_cache()
    if d in SHARED:
        return passed("cache.shared", facts.host, f"queue:restart writes to {what}")
    if d == "file" and facts.hosts_in_stage == 1:
        return warned(
            "cache.shared",
            facts.host,
            f"cache store is {what}: queue:restart reaches only workers on this host",
            "use a shared store (CACHE_DRIVER=redis) before adding a second host",
        )
    why = "each PHP process" if d in PER_PROCESS else "each host"
    return failed(
        "cache.shared",
        facts.host,
        f"cache store is {what}, private to {why}: queue:restart never "
        "reaches the other workers, so they keep running old code",
        (
            "set CACHE_DRIVER=redis (or memcached/database) in the shared .env, then "
            "`php artisan config:cache`"
        ),
    )
