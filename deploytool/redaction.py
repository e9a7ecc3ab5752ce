"""Secrets: what one is (`Secret`), and the one redaction, used by shell.render, events, errors,
audit, notify and the crash file.

The inventory's secret values (Inventory.secrets()) are replaced by *** wherever text leaves the
process. Longest first, so a secret that contains another is never half shown; the shell-quoted
form first, since it contains the bare value. How a secret reaches a remote command (over its
stdin, never its argv or environment) is envelope.py.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable

# Every secret value this process has made, for the one place that has no inventory at hand: the
# crash handler (cli.py), whose traceback file must not show one either.
_made: set[str] = set()


class Secret(str):
    """A value resolved from the environment. str() of it is the value (commands need it);
    repr() shows *** and every output path redacts it by value. In a command's `env` it travels
    over the command's stdin and reaches PHP processes only (envelope.py)."""

    def __new__(cls, value: str = ""):
        obj = super().__new__(cls, value)
        if value:
            _made.add(str(value))
        return obj

    def __repr__(self) -> str:  # pragma: no cover - trivial
        return "Secret('***')"


class ExportedSecret(Secret):
    """A secret that a program which is not PHP reads from its environment (a database client's
    MYSQL_PWD or PGPASSWORD): still off the command line, but exported into that one program's
    environment, where its own user can read it while it runs (/proc/PID/environ)."""


def made() -> frozenset[str]:
    return frozenset(_made)


def redact(text: str, secrets: Iterable[str]) -> str:
    for s in sorted((s for s in secrets if s), key=len, reverse=True):
        quoted = shlex.quote(s)
        if quoted != s:
            text = text.replace(quoted, "***")
        text = text.replace(s, "***")
    return text
