"""Local commands (the artifact build's git, composer and build steps): exit codes and output as
a host's command gives them, a missing program as 127, and a deadline or a cancel that ends the
whole process group, never leaving a child behind."""

from __future__ import annotations

import os
import threading
import time

import pytest

from deploytool.errors import DeployError, Interrupted
from deploytool.local import check, run_local
from deploytool.pipeline import Cancel
from deploytool.shell import Cmd, cmd


def test_output_exit_code_cwd_and_env(tmp_path):
    r = run_local(
        Cmd(
            ("sh", "-c", 'pwd; echo "$X"; echo oops >&2; exit 3'), cwd=str(tmp_path), env={"X": "1"}
        ),
        timeout=10,
    )
    assert (r.host, r.exit_code, r.stdout, r.stderr) == ("local", 3, f"{tmp_path}\n1\n", "oops\n")
    lines = []
    run_local(cmd("printf", "a\\nb\\n"), timeout=10, on_output=lambda s, x: lines.append((s, x)))
    assert lines == [("stdout", "a"), ("stdout", "b")]


def test_a_missing_program_is_127_and_check_names_it():
    r = run_local(cmd("no-such-program-here"), timeout=5)
    assert r.exit_code == 127 and "command not found" in r.stderr
    with pytest.raises(DeployError) as e:
        check(r, "build", "npm ci", "install node")
    assert e.value.message.startswith("build: npm ci failed with exit code 127 (on this machine)")
    assert e.value.hint == "install node"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split()[2] != "Z"


def test_the_deadline_ends_the_whole_group(tmp_path):
    pidfile = tmp_path / "child"
    script = f"sleep 60 & echo $! > {pidfile}; wait"
    with pytest.raises(DeployError, match="timed out after 0.5s"):
        run_local(cmd("sh", "-c", script), timeout=0.5)
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while pid_alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(child)


def test_a_cancel_stops_it_as_interrupted():
    cancel = Cancel()
    threading.Timer(0.3, cancel.trip, args=(2,)).start()
    with pytest.raises(Interrupted) as e:  # a sleep that ran out would return, not raise
        run_local(cmd("sleep", "30"), timeout=60, cancel=cancel, step="build")
    assert e.value.exit_code == 130 and "build" in e.value.message
