"""The stopper and the persistent runner, run here on this machine: a cancel's stopper (the
session's token) ends the commands and spares the runner that carries the token as
DEPLOYTOOL_RUNNER (the cancel's own stopper runs through it); a recovery's (`runners=True`)
ends the runner too."""

from __future__ import annotations

import os
import subprocess
import uuid

from deploytool.shell import MARKER, RUNNER_MARKER, render
from deploytool.stopper import stop_command


def started(var: str, token: str) -> subprocess.Popen:
    # its own session and group, as a runner's command (and a runner) is
    return subprocess.Popen(["setsid", "sleep", "60"], env={**os.environ, var: token})


def stop(token: str, **kw) -> list[str]:
    done = subprocess.run(
        ["sh", "-c", render(stop_command(token, **kw))], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_a_cancel_spares_the_runner_and_a_recovery_ends_it():
    token = uuid.uuid4().hex
    command, runner = started(MARKER, token), started(RUNNER_MARKER, token)
    other = started(RUNNER_MARKER, uuid.uuid4().hex)  # another session's runner
    try:
        assert stop(token) == [str(command.pid)]
        assert command.wait(timeout=10) == -15
        assert runner.poll() is None
        assert stop(token, runners=True) == [str(runner.pid)]
        assert runner.wait(timeout=10) == -15
        assert other.poll() is None
    finally:
        for p in (command, runner, other):
            p.kill()
            p.wait()
