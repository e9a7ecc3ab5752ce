"""Cmd and render(): the ONLY place where shell text for a remote host is made.

A command is an argv tuple plus an optional working directory and environment. `render()` quotes
every part with shlex.quote, so a config value holding `;`, `$(...)`, quotes or newlines reaches
the host as one literal argument. Pipes and `&&` chains are data too (Pipe, Chain), never strings.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .redaction import redact as redact_secrets


@dataclass(frozen=True)
class Cmd:
    argv: tuple[str, ...]
    cwd: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "argv", tuple(str(a) for a in self.argv))
        if not self.argv:
            raise ValueError("empty command")


@dataclass(frozen=True)
class Pipe:
    """`a | b` with pipefail semantics: fails if any part fails."""

    parts: tuple[Cmd, ...]


@dataclass(frozen=True)
class Chain:
    """`a && b && c`: stops at the first failing part."""

    parts: tuple[Cmd | Pipe, ...]


Command = Cmd | Pipe | Chain


def cmd(*argv: object, cwd: str | None = None, env: Mapping[str, str] | None = None) -> Cmd:
    return Cmd(tuple(str(a) for a in argv), cwd, dict(env or {}))


def script(text: str, *args: object, name: str = "deploytool") -> Cmd:
    """A constant sh script run as `sh -c TEXT NAME ARGS...`: user values travel as $1, $2, ..."""
    return Cmd(("sh", "-c", text, name) + tuple(str(a) for a in args))


def _one(c: Cmd, redact: Sequence[str] = ()) -> str:
    words = " ".join(shlex.quote(a) for a in c.argv)
    if c.env:
        words = (
            "env "
            + " ".join(shlex.quote(f"{k}={v}") for k, v in sorted(c.env.items()))
            + " "
            + words
        )
    if c.cwd:
        words = f"cd {shlex.quote(c.cwd)} && {words}"
    return words


def render(command: Command, redact: Sequence[str] = ()) -> str:
    """Shell text for `command`. With `redact`, every secret value is replaced by ***."""
    if isinstance(command, Cmd):
        text = _one(command, redact)
        if command.cwd:
            text = "(" + text + ")"
    elif isinstance(command, Pipe):
        # set -o pipefail is not POSIX sh; run the pipe under bash, which every target has.
        inner = " | ".join(
            "(" + _one(c, redact) + ")" if c.cwd else _one(c, redact) for c in command.parts
        )
        text = "bash -o pipefail -c " + shlex.quote(inner)
    else:
        text = " && ".join(render(p, redact) for p in command.parts)
    return redact_secrets(text, redact)


MARKER = "DEPLOYTOOL_RUN"
# What a persistent runner (transport/runner_php.py) carries instead: its commands carry MARKER.
RUNNER_MARKER = "DEPLOYTOOL_RUNNER"


def with_marker(text: str, token: str) -> str:
    """Tag a remote command's process tree with the ship's token (an exported variable its
    children inherit), so a cancelled ship can find and stop exactly what it started, and tests
    can prove nothing it started outlives it."""
    return f"{MARKER}={shlex.quote(token)}; export {MARKER}; {text}"
