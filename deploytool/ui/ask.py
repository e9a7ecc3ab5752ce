"""Questions on a terminal (`deploytool init`): asked on stderr, answered on stdin, never without
a terminal on both (ui/confirm.py's rule: in CI, cron or a pipe nobody can answer, so nothing is
asked and a missing answer is a usage error instead)."""

from __future__ import annotations

from .confirm import interactive
from .env import Env


def can_ask(env: Env) -> bool:
    return interactive(env.stdin, env.stderr)


def ask(env: Env, question: str, default: str = "") -> str:
    """One answer; Enter keeps `default` (shown in brackets). End of input answers `default`."""
    env.stderr.write(f"{question}" + (f" [{default}]" if default else "") + ": ")
    env.stderr.flush()
    line = env.stdin.readline()
    return line.strip() or default


def say(env: Env, text: str) -> None:
    """A remark between questions (why an answer was refused)."""
    env.stderr.write(text + "\n")
    env.stderr.flush()
