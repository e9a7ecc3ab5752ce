"""session.run_session on a recording transport: what every ship and rollback gets around its
steps. Connect, lock, steps, the failure list, the final event, the lock released, the audit line
on every host and locally, the connections closed: on success, on a failing step, on a held lock
and on a cancel. (The same paths on real hosts: tests/e2e/test_lock.py, test_host_faults.py,
test_cancel.py.)"""

from __future__ import annotations

import json
import signal

import pytest

from deploytool.errors import ExitCode
from deploytool.events import ShipFinished, ShipStarted, StepStarted
from deploytool.session import run_session
from deploytool.steps import REGISTRY

from .test_runner import happy, make


class Closing:
    """The recording transport, also noting close()."""

    def __init__(self, inner):
        self.inner, self.closed = inner, False

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def close(self):
        self.closed = True


def locking(answer, held=False):
    def lock_then(host, text):
        if "deploytool-lock" in text:
            if " acquire " in text:
                if held:
                    return 0, 'HELD 2000000000 1000000000\n{"owner": "ci@runner", "ref": "v9"}\n'
                return 0, "ACQUIRED 1000000060 1000000000\n"
            if " release " in text:
                return 0, "RELEASED 0 1000000000\n"
            return 0, "RENEWED 1000000060 1000000000\n"
        return answer(host, text)

    return lock_then


def session(answer, tmp_path, monkeypatch, *, held=False):
    monkeypatch.setenv("DEPLOYTOOL_AUDIT_LOG", str(tmp_path / "audit.log"))
    ctx, tr, rec = make(locking(answer, held))
    closing = Closing(tr)
    object.__setattr__(ctx, "transport", closing)
    code = run_session(ctx, "ship", ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    return code, ctx, tr, rec, closing


def audit_lines(tmp_path):
    return [json.loads(line) for line in (tmp_path / "audit.log").read_text().splitlines()]


def test_success_connects_locks_runs_releases_audits_and_closes(tmp_path, monkeypatch):
    code, ctx, tr, rec, closing = session(happy, tmp_path, monkeypatch)
    assert code == ExitCode.OK
    log = [t for _, t in tr.log]
    assert [h for h, t in tr.log if t == "<connect>"] == ["h1", "h2", "h3"]
    acquire = next(i for i, t in enumerate(log) if " acquire " in t)
    release = next(i for i, t in enumerate(log) if " release " in t)
    first_step = next(i for i, t in enumerate(log) if "git" in t and "fetch" in t)
    assert acquire < first_step < release
    assert tr.ran(" acquire ") == ["h1"]  # the lock lives on the migration host
    assert isinstance(rec.events[0], ShipStarted)
    assert isinstance(rec.events[-1], ShipFinished) and rec.events[-1].ok
    assert sorted(tr.ran("audit.log")) == ["h1", "h2", "h3"]
    (entry,) = audit_lines(tmp_path)
    assert entry["result"] == "success" and entry["exit_code"] == 0 and entry["release"]
    assert closing.closed


def test_a_failing_step_discards_releases_the_lock_and_says_so(tmp_path, monkeypatch):
    def answer(host, text):
        return (1, "") if "composer install" in text and host == "h2" else happy(host, text)

    code, ctx, tr, rec, closing = session(answer, tmp_path, monkeypatch)
    assert code == ExitCode.FAILED
    assert sorted(tr.ran("rm -rf -- /app/releases/")) == ["h1", "h2", "h3"]  # on_failure: discard
    assert tr.ran(" release ") == ["h1"]
    finished = rec.events[-1]
    assert isinstance(finished, ShipFinished) and not finished.ok and finished.exit_code == 1
    assert "h2: install" in finished.message
    assert audit_lines(tmp_path)[0]["result"] == "failed"
    assert closing.closed


def test_a_held_lock_stops_before_any_step(tmp_path, monkeypatch):
    code, ctx, tr, rec, closing = session(happy, tmp_path, monkeypatch, held=True)
    assert code == ExitCode.LOCKED
    assert rec.of(StepStarted) == []
    assert "ci@runner" in rec.events[-1].message
    assert tr.ran("mv -T") == [] and tr.ran("rm -rf -- ") == []
    assert closing.closed


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_cancel_during_install_stops_our_commands_discards_and_unlocks(
    tmp_path, monkeypatch, signum, code
):
    holder = {}

    def answer(host, text):
        if "composer install" in text and host == "h1":
            # what the signal handler does, from inside the step: trip the cancel, stop remotely
            holder["ctx"].cancel.trip(signum)
            from deploytool.session import stop_remote

            stop_remote(holder["ctx"])
        return happy(host, text)

    monkeypatch.setenv("DEPLOYTOOL_AUDIT_LOG", str(tmp_path / "audit.log"))
    ctx, tr, rec = make(locking(answer))
    holder["ctx"] = ctx
    got = run_session(ctx, "ship", ctx.playbook.steps, REGISTRY, ctx.playbook.on_failure)
    assert got == code
    assert sorted(tr.ran("deploytool-stop")) == ["h1", "h1", "h2", "h2", "h3", "h3"]  # twice
    assert tr.ran("mv -T") == []  # nothing switched
    assert sorted(tr.ran("rm -rf -- /app/releases/")) == ["h1", "h2", "h3"]
    assert tr.ran(" release ") == ["h1"]
    assert "nothing was switched" in rec.events[-1].hint
