"""The guarded signal script, run for real against local processes: it signals an old worker that
is still the process the census saw, and refuses a pid that was reused, a process of another user,
and one running the current release. Plus the probes' parsers on captured output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from deploytool.drain import OldWorker
from deploytool.drain.signal import parse_outcomes, signal_command
from deploytool.probes.census import Worker
from deploytool.probes.queues import parse_queues, queues_command
from deploytool.probes.restart_reach import RestartView, parse_reach, reach_command, reached

IGNORE_TERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('ready', flush=True); time.sleep(60)"
)


@pytest.fixture
def deploy(tmp_path):
    for rel in ("old", "new"):
        (tmp_path / "releases" / rel).mkdir(parents=True)
    os.symlink("releases/new", tmp_path / "current")
    procs = []

    def spawn(release, ignore_term=False):
        p = subprocess.Popen(
            [
                sys.executable,
                "-c",
                IGNORE_TERM
                if ignore_term
                else "import time; print('ready', flush=True); time.sleep(60)",
            ],
            cwd=tmp_path / "releases" / release,
            stdout=subprocess.PIPE,
            text=True,
        )
        p.stdout.readline()  # its handlers are installed
        procs.append(p)
        return p

    yield tmp_path, spawn
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait()


def ticks(pid):
    stat = open(f"/proc/{pid}/stat").read()
    return int(stat[stat.rfind(")") + 2 :].split()[19])


def target(pid, release="old", start=None):
    w = Worker(
        pid,
        os.getuid(),
        "",
        release,
        "sleeping",
        0,
        1,
        0,
        False,
        False,
        "x",
        1,
        ticks(pid) if start is None else start,
    )
    return OldWorker("h1", w)


def act(action, path, targets, uid=None):
    c = signal_command(action, str(path), os.getuid() if uid is None else uid, targets)
    done = subprocess.run(c.argv, capture_output=True, text=True, timeout=30)
    return parse_outcomes(done.stdout)


def gone(p, timeout=5.0):
    try:
        p.wait(timeout)
        return True
    except subprocess.TimeoutExpired:
        return False


def test_signals_only_what_is_still_the_old_worker(deploy):
    path, spawn = deploy
    old, reused, current = spawn("old"), spawn("old"), spawn("new")
    out = act(
        "term",
        path,
        [
            target(old.pid),
            target(reused.pid, start=ticks(reused.pid) + 1),
            target(current.pid, release="old"),
            target(4_000_000, start=1),
        ],
    )
    assert out[old.pid].ok and out[old.pid].detail == "SIGTERM sent"
    assert out[reused.pid].status == "gone" and "another process" in out[reused.pid].detail
    assert (
        out[current.pid].status == "refused"
        and out[current.pid].detail == "runs the current release"
    )
    assert out[4_000_000].status == "gone"
    assert gone(old) and old.returncode == -signal.SIGTERM
    assert reused.poll() is None and current.poll() is None


def test_another_users_process_is_refused(deploy):
    path, spawn = deploy
    p = spawn("old")
    out = act("kill", path, [target(p.pid)], uid=os.getuid() + 4242)
    assert out[p.pid].status == "refused" and "owned by uid" in out[p.pid].detail
    assert p.poll() is None


def test_a_worker_ignoring_term_survives_term_and_not_kill(deploy):
    path, spawn = deploy
    p = spawn("old", ignore_term=True)
    assert act("term", path, [target(p.pid)])[p.pid].ok
    assert not gone(p, 0.5)
    assert act("kill", path, [target(p.pid)])[p.pid].ok
    assert gone(p) and p.returncode == -signal.SIGKILL


def test_a_stopped_worker_keeps_term_pending_until_cont(deploy):
    path, spawn = deploy
    p = spawn("old")
    os.kill(p.pid, signal.SIGSTOP)
    assert act("term", path, [target(p.pid)])[p.pid].ok
    # kill(2) marks the signal pending at once; a stopped process only acts on it when continued
    pending = next(line for line in open(f"/proc/{p.pid}/status") if line.startswith("ShdPnd:"))
    assert int(pending.split()[1], 16) & (1 << 14) and p.poll() is None
    assert act("cont", path, [target(p.pid)])[p.pid].ok
    assert gone(p) and p.returncode == -signal.SIGTERM


def test_one_command_per_host_with_values_as_arguments():
    c = signal_command("supervisor-restart", "/var/www/my app", 1001, [target(os.getpid())])
    assert c.argv[:2] == ("sh", "-c") and c.argv[4:8] == (
        "restart",
        "/var/www/my app",
        "1001",
        str(os.getpid()),
    )


S = "\x1f"


def test_restart_reach_parse_and_verdict():
    text = (
        f'K{S}/app/releases/old{S}{{"store": "redis", "prefix": "other_", "value": null}}\n'
        f'K{S}/app/current{S}{{"store": "redis", "prefix": "lab_", "value": "1700000000"}}\n'
        f"K{S}/app/releases/broken{S}PHP Fatal error:  Uncaught Error\n"
    )
    v = parse_reach(text)
    assert v["/app/releases/old"] == RestartView("/app/releases/old", "redis", "other_", None)
    assert reached(v["/app/releases/old"], v["/app/current"]) is False
    assert reached(RestartView("d", value="1700000000"), v["/app/current"]) is True
    assert (
        v["/app/releases/broken"].error.startswith("PHP Fatal")
        and reached(v["/app/releases/broken"], v["/app/current"]) is None
    )
    c = reach_command("php8.2", ["/app/releases/old", "/app/current"], {"APP_ENV": "production"})
    assert (
        c.argv[-2:] == ("/app/releases/old", "/app/current")
        and c.argv[4] == "php8.2"
        and c.env == {"APP_ENV": "production"}
    )


def test_queue_figures_parse():
    q = parse_queues(
        'Deprecated: noise\n{"connection": "redis", "driver": "redis", "queues": {"default": '
        '{"pending": 3, "delayed": 1, "reserved": 2}}, "failed": 4}\n'
    )
    assert q.to_dict() == {
        "connection": "redis",
        "driver": "redis",
        "queues": {"default": {"pending": 3, "delayed": 1, "reserved": 2}},
        "failed": 4,
        "error": None,
        "failed_error": None,
    }
    assert parse_queues("PHP Fatal error: no vendor\n").error == "PHP Fatal error: no vendor"
    c = queues_command("php", "/app/current", ("default", "-weird"))
    assert c.argv[-3:] == ("--", "default", "-weird") and c.cwd == "/app/current"
