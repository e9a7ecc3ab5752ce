"""Entry point: parse argv, dispatch to a command, turn every error into a message and an exit
code. The error boundary lives here and only here: a DeployError prints its message and hint
(never a traceback); anything else is a bug, whose traceback goes to a file we name."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import traceback

from . import __version__
from .errors import DeployError, ExitCode

COMMANDS = (
    "ship",
    "rollback",
    "releases",
    "lock",
    "check_config",
    "drain_status",
    "check_migrations",
    "doctor",
    "plan",
    "completion",
)


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own exit code 2 is our USAGE too
        self.print_usage(sys.stderr)
        self.exit(int(ExitCode.USAGE), f"deploytool: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="deploytool", description="Ship Laravel-style apps over SSH; verify the queue drain."
    )
    p.add_argument("--version", action="version", version=f"deploytool {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    modules = {}
    for name in COMMANDS:
        mod = importlib.import_module(f".commands.{name}", __package__)
        mod.add(sub)
        modules[name.replace("_", "-")] = mod
    p.set_defaults(_modules=modules)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args._modules[args.command].run(args)
    except DeployError as e:
        sys.stderr.write(f"deploytool: {e.message}\n")
        if e.hint:
            sys.stderr.write(f"hint: {e.hint}\n")
        return int(e.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("deploytool: interrupted\n")
        return int(ExitCode.INTERRUPTED)
    except Exception:
        fd, path = tempfile.mkstemp(prefix="deploytool-crash-", suffix=".txt")
        with os.fdopen(fd, "w") as f:
            traceback.print_exc(file=f)
        sys.stderr.write(
            f"deploytool: internal error (a bug, not your config); traceback written to {path}\n"
        )
        return int(ExitCode.INTERNAL)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
