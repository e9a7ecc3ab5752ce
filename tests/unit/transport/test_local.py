"""The local transport (`local: true` user steps): exit status and output, the marker, the
deadline, and stop() ending the whole process group (a child that ignores TERM too)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from deploytool.errors import UnreachableError
from deploytool.redaction import Secret
from deploytool.shell import Cmd, cmd
from deploytool.transport.local import HOST, LocalTransport


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is gone for our purpose
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_runs_in_its_directory_with_the_marker_and_streams_lines(tmp_path):
    t = LocalTransport(tmp_path)
    t.marker = "tok123"
    lines = []
    r = t.run(
        HOST,
        cmd("sh", "-c", 'pwd; echo "$DEPLOYTOOL_RUN"; echo oops >&2; exit 3'),
        timeout=10,
        on_output=lambda stream, line: lines.append((stream, line)),
    )
    assert r.exit_code == 3 and r.host == "local"
    assert r.stdout.splitlines() == [str(tmp_path), "tok123"] and r.stderr == "oops\n"
    assert ("stderr", "oops") in lines and ("stdout", "tok123") in lines


def test_a_command_past_its_deadline_is_killed_and_reported(tmp_path):
    t = LocalTransport(tmp_path)
    pidfile = tmp_path / "pid"
    with pytest.raises(UnreachableError, match="timed out after 0.5s"):
        t.run(HOST, cmd("sh", "-c", f"sleep 60 & echo $! > {pidfile}; wait"), timeout=0.5)
    assert not alive(int(pidfile.read_text()))


def test_stop_ends_the_process_group_even_a_child_ignoring_term(tmp_path):
    t = LocalTransport(tmp_path)
    pidfile = tmp_path / "pid"
    script = f"(trap '' TERM; exec sleep 60) & echo $! > {pidfile}; wait"
    done = {}
    th = threading.Thread(
        target=lambda: done.update(r=t.run(HOST, cmd("sh", "-c", script), timeout=60))
    )
    th.start()
    deadline = time.monotonic() + 10
    while not (pidfile.exists() and pidfile.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.02)
    child = int(pidfile.read_text())
    t.stop()
    th.join(10)
    assert not th.is_alive() and done["r"].exit_code != 0
    assert not alive(child)


def test_a_local_commands_secrets_reach_it_over_stdin_not_its_argv_or_environment(tmp_path):
    """`local: true` steps and the artifact build get their secrets the way remote commands do
    (envelope.py): the program's own cmdline and environ hold none; sourcing the sh loader (or
    an ExportedSecret) is the one way into its environment."""
    value = "local-s3cr3t-7c6b"
    own = 'tr "\\0" "\\n" < /proc/$$/cmdline; tr "\\0" "\\n" < /proc/$$/environ'
    t = LocalTransport(tmp_path)
    plain = Cmd(("sh", "-c", own + '; echo "tok=${TOK:-}"'), env={"TOK": Secret(value)})
    r = t.run(HOST, plain, timeout=10)
    assert r.exit_code == 0, r.stderr
    assert value not in r.stdout and "tok=\n" in r.stdout
    opted = Cmd(
        ("sh", "-c", '. "$DEPLOYTOOL_ENV_SH" && echo "tok=$TOK"'), env={"TOK": Secret(value)}
    )
    assert t.run(HOST, opted, timeout=10).stdout == f"tok={value}\n"


def test_a_stop_that_lands_while_a_command_is_starting_still_ends_it(tmp_path, monkeypatch):
    # a cancel between the fork and run() registering the process used to miss it: the command
    # then ran to its deadline (CI saw it under load)
    import subprocess

    from deploytool.transport import local

    t = LocalTransport(tmp_path)
    real = subprocess.Popen

    def racing(*args, **kwargs):
        proc = real(*args, **kwargs)
        t.stop()  # after the fork, before run() has the process in its set
        return proc

    monkeypatch.setattr(local.subprocess, "Popen", racing)
    r = t.run(HOST, cmd("sleep", "60"), timeout=20)
    assert r.exit_code != 0
