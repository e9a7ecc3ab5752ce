"""Entry point: parse argv, run a command, show its answer, turn every error into a message and an
exit code. The error boundary lives here and only here: a DeployError prints its message and hint
(never a traceback); anything else is a bug, whose traceback goes to a file we name.

A command's `run(args, env)` returns an exit code (ship and rollback, whose views subscribe to
their events) or a ui.document.Document, which the one output layer shows on `env`.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import os
import sys
import tempfile
import traceback

from .errors import DeployError, ExitCode
from .redaction import made, redact
from .ui.document import Document, show
from .ui.env import Env

COMMANDS = (
    "ship",
    "build",
    "rollback",
    "releases",
    "lock",
    "maintenance",
    "check_config",
    "drain_status",
    "check_migrations",
    "doctor",
    "plan",
    "completion",
    "init",
)


class Version(argparse.Action):
    """--version, with the version read only when asked for (see deploytool/__init__.py)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, **kw):
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit", **kw)

    def __call__(self, parser, namespace, values, option_string=None):
        from . import __version__

        sys.stdout.write(f"deploytool {__version__}\n")
        parser.exit()


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own exit code 2 is our USAGE too
        self.print_usage(sys.stderr)
        self.exit(int(ExitCode.USAGE), f"deploytool: error: {message}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or with `only` the one command asked for: each command module imports
    what it needs (the gate, the drain's views, doctor's rules), and a ship importing all ten
    spent ~0.2 s of its start-up on commands it never runs."""
    p = Parser(
        prog="deploytool", description="Ship Laravel-style apps over SSH; verify the queue drain."
    )
    p.add_argument("--version", action=Version)
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    modules = {}
    for name in (only,) if only in COMMANDS else COMMANDS:
        mod = importlib.import_module(f".commands.{name}", __package__)
        mod.add(sub)
        modules[name.replace("_", "-")] = mod
    p.set_defaults(_modules=modules)
    return p


def main(argv: list[str] | None = None, env: Env | None = None) -> int:
    env = env or Env()
    words = sys.argv[1:] if argv is None else argv
    first = next((w for w in words if not w.startswith("-")), "")
    # `deploytool --help` and an unknown command still get every command listed
    parser = build_parser(first.replace("-", "_") if "-h" not in words[:1] else None)
    args = parser.parse_args(argv)
    try:
        answer = args._modules[args.command].run(args, env)
        if isinstance(answer, Document):
            return show(env, answer, bool(getattr(args, "json", False)))
        return answer
    except DeployError as e:
        env.error(e.message, e.hint)
        return int(e.exit_code)
    except KeyboardInterrupt:
        env.error("interrupted")
        return int(ExitCode.INTERRUPTED)
    except Exception:
        fd, path = tempfile.mkstemp(prefix="deploytool-crash-", suffix=".txt")  # 0600
        with os.fdopen(fd, "w") as f:
            # an exception's message may quote a value: no secret this process made is written
            f.write(redact(traceback.format_exc(), made()))
        env.error(f"internal error (a bug, not your config); traceback written to {path}")
        return int(ExitCode.INTERNAL)


def console() -> None:
    """The `deploytool` program: main(), then out without tearing the interpreter down.

    Everything a run owns is finished when main() returns (the lock released, the audit written,
    connections closed, files closed by their `with`), yet a normal exit then spent 0.08-0.18 s
    (median 0.12 s, measured on the lab's ships) destroying every module and object of the gate's
    parsers and the SSH stack, time the user waits after "done". So: flush the two streams, run
    the atexit handlers (logging's among them), and leave with os._exit."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`), a closed stream
            pass
    run_exitfuncs = getattr(atexit, "_run_exitfuncs", None)  # CPython's; not a public API
    if run_exitfuncs is None:
        sys.exit(code)  # elsewhere: the ordinary exit, slower but complete
    run_exitfuncs()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    console()
