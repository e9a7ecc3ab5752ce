"""The `deploytool` program (cli.console): it leaves with os._exit after main() to skip tearing
the interpreter down, so it must still hand over everything a normal exit would: the exit code,
all of stdout and stderr (through a pipe, and to a reader that goes away), and atexit handlers.
A reader that goes away changes nothing else: the command runs to its end and exits with its own
code (ui/env.Outlives), so a deploy is never stopped half way by its log."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = (
    "import atexit, sys\n"
    "from deploytool import cli\n"
    "atexit.register(lambda: sys.stderr.write('atexit ran\\n'))\n"
    "sys.argv = ['deploytool', *sys.argv[1:]]\n"
    "cli.console()\n"
)


def deploytool(*args: str, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DEPLOY_TOKEN": "t0k"}
    return subprocess.run(
        [sys.executable, "-c", PROGRAM, *args], capture_output=True, text=True, env=env, **kw
    )


def test_the_exit_code_output_and_atexit_handlers_survive_the_fast_exit():
    ok = deploytool("check-config", "production", "-i", str(ROOT / "inventory.example.yml"))
    assert ok.returncode == 0, ok
    assert ok.stdout.endswith("configuration OK\n"), ok.stdout  # all of it, flushed
    assert ok.stderr == "atexit ran\n"
    bad = deploytool("check-config", "production", "-i", "/nonexistent/inventory.yml")
    assert bad.returncode == 3, bad
    assert "cannot read" in bad.stderr and bad.stderr.endswith("atexit ran\n"), bad.stderr


def test_a_reader_that_went_away_is_no_traceback():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DEPLOY_TOKEN": "t0k"}
    args = ["check-config", "production", "-i", str(ROOT / "inventory.example.yml")]
    proc = subprocess.Popen(
        [sys.executable, "-c", PROGRAM, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    proc.stdout.close()  # like `| head -0`: nobody reads stdout
    err = proc.stderr.read().decode()
    assert proc.wait(30) == 0  # the command's own code: its output going nowhere changes nothing
    assert "Traceback" not in err and "Exception ignored" not in err and "internal" not in err, err


def test_a_stream_whose_reader_went_away_swallows_what_follows():
    import io

    from deploytool.ui.env import Outlives

    class Cut(io.StringIO):
        def write(self, text):
            raise BrokenPipeError

    out = Outlives(Cut())
    assert out.write("a line\n") == 7 and out.reader_gone
    out.write("more\n")  # to devnull, no error
    out.flush()
