"""A worker's command line, read the way Laravel reads it: which artisan command, which queue
connection, and the options that decide how it stops (--timeout, --max-time, --max-jobs, --memory).

Pure. Used on supervisord `command=` lines, systemd `ExecStart=`, Dockerfile CMD, compose
`command:` and Kubernetes `command`/`args`, so every doctor rule reads a worker the same way.
A command wrapped in `sh -c '...'` is unwrapped (and remembered: a shell as the parent decides
whether SIGTERM reaches PHP).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

KINDS = {"queue:work": "work", "queue:listen": "listen", "horizon": "horizon"}
# Options of queue:work / queue:listen that take a value (Symfony accepts --opt=V and --opt V).
VALUE_OPTIONS = {
    "name",
    "queue",
    "delay",
    "backoff",
    "max-jobs",
    "max-time",
    "memory",
    "sleep",
    "rest",
    "timeout",
    "tries",
    "environment",
    "env",
}
DEFAULT_TIMEOUT = 60  # Laravel's queue:work --timeout default
DEFAULT_MEMORY = 128
SHELLS = {"sh", "bash", "dash", "ash", "zsh"}


@dataclass(frozen=True)
class WorkerCommand:
    kind: str  # work | listen | horizon
    argv: tuple[str, ...]  # the artisan invocation, unwrapped from any `sh -c`
    php: str  # the PHP binary ("" when artisan is run directly)
    artisan: str  # the artisan path as written
    connection: str | None  # queue:work's connection argument
    options: Mapping[str, str | None] = field(default_factory=dict)
    via_shell: str = ""  # the shell's command text when wrapped in `sh -c`

    def int_option(self, name: str) -> int | None:
        v = self.options.get(name)
        try:
            return int(float(v)) if v is not None else None
        except ValueError:
            return None

    @property
    def timeout(self) -> int:
        """Seconds a job may run (Laravel's default 60 when not given; 0 means no limit)."""
        t = self.int_option("timeout")
        return DEFAULT_TIMEOUT if t is None else t

    @property
    def timeout_explicit(self) -> bool:
        return self.int_option("timeout") is not None

    @property
    def shell_execs(self) -> bool:
        """True when the wrapping shell replaces itself with PHP (`sh -c 'exec php ...'`)."""
        return _last_segment(self.via_shell).startswith("exec ")


def split(command: str | Sequence[str]) -> list[str]:
    if isinstance(command, str):
        try:
            return shlex.split(command)
        except ValueError:
            return command.split()
    return [str(a) for a in command]


def parse_worker_command(command: str | Sequence[str]) -> WorkerCommand | None:
    """The worker in `command`, or None when it does not run artisan queue:work/listen/horizon."""
    argv = split(command)
    if len(argv) >= 3 and argv[0].rsplit("/", 1)[-1] in SHELLS and argv[1] in ("-c", "-lc", "-ec"):
        inner = parse_worker_command(_strip_exec(argv[2]))
        if inner is None:
            return None
        return WorkerCommand(
            inner.kind,
            inner.argv,
            inner.php,
            inner.artisan,
            inner.connection,
            inner.options,
            via_shell=argv[2],
        )
    for i, word in enumerate(argv):
        if word.rsplit("/", 1)[-1] == "artisan" and i + 1 < len(argv) and argv[i + 1] in KINDS:
            php = next((w for w in reversed(argv[:i]) if "php" in w.rsplit("/", 1)[-1]), "")
            connection, options = _options(argv[i + 2 :])
            return WorkerCommand(
                KINDS[argv[i + 1]], tuple(argv[i:]), php, word, connection, options
            )
    return None


def _last_segment(text: str) -> str:
    """The last command of a shell snippet (after `cd x &&`, `;`), where the worker runs."""
    for sep in ("&&", ";"):
        if sep in text:
            text = text.rsplit(sep, 1)[-1]
    return text.strip()


def _strip_exec(text: str) -> str:
    text = _last_segment(text)
    return text[5:] if text.startswith("exec ") else text


def _options(words: list[str]) -> tuple[str | None, dict[str, str | None]]:
    connection = None
    options: dict[str, str | None] = {}
    i = 0
    while i < len(words):
        w = words[i]
        if w.startswith("--"):
            name, eq, value = w[2:].partition("=")
            if (
                not eq
                and name in VALUE_OPTIONS
                and i + 1 < len(words)
                and not words[i + 1].startswith("-")
            ):
                value, i = words[i + 1], i + 1
            options[name] = value if (eq or name in VALUE_OPTIONS) else None
        elif connection is None and not w.startswith("-"):
            connection = w
        i += 1
    return connection, options
