"""The exception tree and the exit codes: every user-facing failure is a DeployError.

Each error carries a message (what happened, naming the file:line or the host and step), a hint
(what to do next) and an exit code from one enum, so scripts and CI can tell failures apart.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    OK = 0
    FAILED = 1  # a remote step failed (composer, migrate, ...)
    USAGE = 2  # bad command line
    CONFIG = 3  # the inventory or playbook is invalid
    UNREACHABLE = 4  # a host could not be reached or timed out
    HOST_KEY = 5  # a host key is unknown or changed
    MIGRATION_BLOCKED = 6  # the migration gate found unsafe migrations
    DRAIN_TIMEOUT = 7  # old workers were still running at the drain deadline
    LOCKED = 8  # another deploy holds the stage's lock
    NOT_DRAINED = 9  # drain-status: old workers remain (not an error, a state)
    DOCTOR_FAILED = 10  # doctor found a failing check
    UNHEALTHY_ROLLED_BACK = 11  # a health check failed; the touched hosts were rolled back
    UNHEALTHY = 12  # a health check failed and the fleet was left as it was (or not fully back)
    WEB_ACCESS = 13  # the deploy user cannot talk to php-fpm (its socket's permissions)
    ARTIFACT = 14  # an artifact is unreadable, or failed its checksum here or on a host
    INTERNAL = 70  # a bug in deploytool: a traceback file was written
    INTERRUPTED = 130  # SIGINT (128 + 2)
    TERMINATED = 143  # SIGTERM (128 + 15)


class DeployError(Exception):
    """A failure the user can act on. Never shown with a traceback."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(self, message: str, hint: str = "", *, exit_code: ExitCode | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(DeployError):
    exit_code = ExitCode.USAGE


class ConfigError(DeployError):
    """One or more problems in a config file; `problems` holds every located message."""

    exit_code = ExitCode.CONFIG

    def __init__(self, problems: list[str], hint: str = ""):
        self.problems = problems
        head = (
            f"{len(problems)} problem(s) in the configuration:"
            if len(problems) > 1
            else "invalid configuration:"
        )
        super().__init__(head + "\n  " + "\n  ".join(problems), hint)


class HostError(DeployError):
    """A failure on one host during one step."""

    def __init__(
        self,
        host: str,
        step: str,
        message: str,
        hint: str = "",
        *,
        exit_code: ExitCode | None = None,
    ):
        self.host = host
        self.step = step
        super().__init__(f"{host}: {step}: {message}", hint, exit_code=exit_code)


class UnreachableError(HostError):
    """A host did not answer: `timed_out` when a deadline passed (a blackhole, a hung command),
    else the connection failed or dropped (refused, reset: a host that crashed or rebooted)."""

    exit_code = ExitCode.UNREACHABLE

    def __init__(self, host: str, step: str, message: str, hint: str = "", *, timed_out=False):
        super().__init__(host, step, message, hint)
        self.timed_out = timed_out


class HostKeyError(HostError):
    exit_code = ExitCode.HOST_KEY


class DrainTimeout(DeployError):
    exit_code = ExitCode.DRAIN_TIMEOUT


class WebAccessError(HostError):
    """The deploy user may not open the FPM socket (or FPM cannot run deploytool's helper)."""

    exit_code = ExitCode.WEB_ACCESS


class Unhealthy(DeployError):
    """A web host failed its health check after the switch; rollout.py decides what follows."""

    exit_code = ExitCode.UNHEALTHY

    def __init__(self, message: str, hint: str = "", *, host: str = "", exit_code=None):
        self.host = host
        super().__init__(message, hint, exit_code=exit_code)


class MigrationBlocked(DeployError):
    exit_code = ExitCode.MIGRATION_BLOCKED


class ArtifactError(DeployError):
    """A build-once artifact that cannot be trusted: unreadable, not an artifact, or bytes that
    do not match its manifest (here, or on a host after the upload)."""

    exit_code = ExitCode.ARTIFACT


class LockHeld(DeployError):
    exit_code = ExitCode.LOCKED


class Interrupted(DeployError):
    """The user (or CI) sent a signal; raised at the next safe point."""

    def __init__(self, signum: int, where: str):
        self.signum = signum
        code = ExitCode.TERMINATED if signum == 15 else ExitCode.INTERRUPTED
        super().__init__(f"interrupted by signal {signum} during {where}", exit_code=code)
