"""The lab's long-running process kinds besides queue workers: a `schedule:work` scheduler whose
scheduled `ledger:long` outlives a restart of the scheduler, from the old release; a custom
artisan daemon that finishes its unit of work on SIGTERM. Each is found by its command line and
its release by /proc/PID/cwd, as deploytool finds them."""

from __future__ import annotations

import time

import pytest

from tests.lab import Lab
from tests.lab.handmade import switch
from tests.lab_smoke.conftest import R1, R2

pytestmark = pytest.mark.lab


def pgrep(lab: Lab, pattern: str) -> list[int]:
    out = lab.run("h1", ["pgrep", "-f", "--", pattern]).stdout
    return sorted(int(p) for p in out.split())


def cwd(lab: Lab, pid: int) -> str:
    return lab.run("h1", ["readlink", f"/proc/{pid}/cwd"]).stdout.strip()


def alive(lab: Lab, pid: int) -> bool:
    return lab.run("h1", ["kill", "-0", str(pid)]).returncode == 0


def test_the_daemon_finishes_its_unit_of_work_on_sigterm(two_releases: Lab):
    lab = two_releases
    switch(lab, "h1", R1)
    started = time.time()
    lab.kinds.start("daemon", ["h1"])
    pid = lab.kinds.pid("h1", "daemon")
    assert pgrep(lab, "[a]rtisan lab:daemon") == [pid]
    assert cwd(lab, pid) == f"/var/www/app/releases/{R1}"
    lab.kinds.wait_for_run("h1", "daemon", "unit-start", after=started)
    lab.kinds.stop("daemon", ["h1"])  # supervisord: TERM, KILL only after stopwaitsecs=30

    runs = [r for r in lab.kinds.runs("h1", "daemon") if r.pid == pid]
    events = [(r.event, r.extra.get("unit")) for r in runs]
    (signal,) = [r for r in runs if r.event == "signal"]
    unit = signal.extra["unit"]
    assert signal.extra["signal"] == 15 and unit >= 1
    # the unit in progress when TERM came was finished, then the daemon exited
    assert events[-3:] == [("signal", unit), ("unit-finish", unit), ("exit", None)]
    assert {r.release for r in runs} == {R1}
    log = (lab.root / "hosts/h1/log/supervisord.log").read_text()
    assert "stopped: daemon (exit status 0)" in log


def test_a_scheduled_long_command_outlives_a_scheduler_restart_on_its_old_release(
    two_releases: Lab,
):
    lab = two_releases
    switch(lab, "h1", R1)
    # long enough to outlive a scheduler restart on a loaded machine (two supervisorctl calls
    # and a switch took over 6 s on three xdist workers); the test waits for it to finish
    lab.kinds.set_long_seconds(20, ["h1"])
    started = time.time()
    lab.kinds.start("scheduler", ["h1"])
    old_scheduler = lab.kinds.pid("h1", "scheduler")
    assert pgrep(lab, "[a]rtisan schedule:work") == [old_scheduler]
    # schedule:work runs schedule:run at second 0 of each minute
    long = lab.kinds.wait_for_run("h1", "long", "start", timeout=75, after=started)
    assert (long.release, long.version) == (R1, "v1")
    # only the php process matches; schedule:run's `sh -c` writes 'artisan' in quotes
    assert pgrep(lab, "[a]rtisan ledger:long") == [long.pid]
    assert cwd(lab, long.pid) == f"/var/www/app/releases/{R1}"
    assert [cwd(lab, p) for p in pgrep(lab, "[a]rtisan schedule:run")] == [
        f"/var/www/app/releases/{R1}"
    ]

    switch(lab, "h1", R2)
    lab.kinds.stop("scheduler", ["h1"])
    lab.kinds.start("scheduler", ["h1"])
    new_scheduler = lab.kinds.pid("h1", "scheduler")
    assert new_scheduler != old_scheduler
    assert cwd(lab, new_scheduler) == f"/var/www/app/releases/{R2}"
    assert alive(lab, long.pid)  # still running the old release's code

    finished = lab.kinds.wait_for_run("h1", "long", "finish", timeout=60, after=long.at)
    assert (finished.pid, finished.release) == (long.pid, R1)
    lab.kinds.stop("scheduler", ["h1"])


def test_a_cron_style_schedule_run_and_what_a_reset_ends(two_releases: Lab):
    lab = two_releases
    switch(lab, "h1", R1)
    lab.kinds.set_long_seconds(120, ["h1"])
    started = time.time()
    lab.kinds.run_schedule("h1")  # one `php artisan schedule:run`, as cron starts it
    long = lab.kinds.wait_for_run("h1", "long", "start", timeout=30, after=started)
    assert long.release == R1
    left = lab.kinds.release_processes("h1")
    assert len(left) >= 2  # schedule:run and ledger:long (and sh between them)

    lab.kinds.stop_release_processes("h1")
    assert lab.kinds.release_processes("h1") == []
    assert not [r for r in lab.kinds.runs("h1", "long") if r.event == "finish" and r.at > started]


def test_a_daemon_signalled_by_pid_comes_back_on_the_new_release(two_releases: Lab):
    # what deploytool's "signal" restart does: TERM to the pid, as deploy; supervisord
    # (autorestart) starts the program again from `current`, now the new release
    lab = two_releases
    switch(lab, "h1", R1)
    lab.kinds.start("daemon", ["h1"])
    old = lab.kinds.pid("h1", "daemon")
    switch(lab, "h1", R2)
    signalled = time.time()
    lab.run("h1", ["kill", "-s", "TERM", str(old)], check=True)
    exited = lab.kinds.wait_for_run("h1", "daemon", "exit", timeout=20, after=signalled)
    assert (exited.pid, exited.release) == (old, R1)
    started = lab.kinds.wait_for_run("h1", "daemon", "start", timeout=20, after=exited.at)
    assert started.release == R2 and started.pid != old
    assert cwd(lab, started.pid) == f"/var/www/app/releases/{R2}"
    lab.kinds.stop("daemon", ["h1"])
