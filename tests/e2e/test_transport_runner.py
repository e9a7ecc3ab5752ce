"""`ssh.runner: persistent` against the lab's real sshd hosts: every command of a host goes down
one long-lived channel to one runner process, which carries the session's token; a deadline
kills the command's process group and keeps the connection; a host where the runner cannot start
falls back to channels; and a whole ship runs through it with no secret in any process's argv or
environment on the host, and no runner outliving it."""

from __future__ import annotations

import hashlib
import logging
import signal
import threading
import uuid

import pytest

from deploytool.envelope import payload
from deploytool.errors import UnreachableError
from deploytool.redaction import Secret
from deploytool.shell import RUNNER_MARKER, cmd
from deploytool.transport import asyncssh_runner
from deploytool.transport.runner_php import runner_command
from tests.lab.procs import wait_until

from .conftest import current_of, ship, write_inventory
from .running import (
    SLOW_INSTALL,
    finish,
    lock_status,
    our_processes,
    read_until,
    slow_migration_release,
    start_ship,
    started,
)
from .test_security import scanning
from .test_sigkill import LONG_INSTALL
from .test_transport_asyncssh import context, settled

pytestmark = pytest.mark.lab
FINGERPRINT = "deploytool runner: no setsid"  # a string of the runner's program (its argv)


@pytest.fixture
def ctx(lab, tmp_path):
    ssh = {"transport": "asyncssh", "runner": "persistent"}
    c = context(write_inventory(lab, tmp_path / "inventory.yml", ssh=ssh))
    yield c
    c.transport.close()


# Run as root inside a host: the runner processes, by their argv (`php -n -r PROGRAM`).
FIND = f"""
import os
for p in filter(str.isdigit, os.listdir("/proc")):
    try:
        args = open(f"/proc/{{p}}/cmdline", "rb").read()
        env = open(f"/proc/{{p}}/environ", "rb").read().split(b"\\0")
    except OSError:
        continue
    if args.startswith(b"php\\0-n\\0-r\\0") and {FINGERPRINT.encode()!r} in args:
        tag = [e for e in env if e.startswith(b"{RUNNER_MARKER}=")]
        print(p, tag[0].partition(b"=")[2].decode() if tag else "")
"""


def runners(lab, host) -> list[tuple[int, str]]:
    """(pid, DEPLOYTOOL_RUNNER value) of every runner process on the host."""
    out = lab.run(host, ["python3", "-c", FIND], user="root").stdout.split("\n")
    return sorted((int(p), v) for p, _, v in (ln.partition(" ") for ln in out if ln))


def test_every_command_of_a_host_goes_through_one_runner_that_carries_the_token(ctx, lab):
    h1, h2 = ctx.hosts[0], ctx.hosts[1]
    ctx.transport.marker = "tokA"
    assert ctx.transport.run(h1, cmd("true"), timeout=10).ok
    assert ctx.transport.runners.current("h1") is None  # one command: no runner is started
    settled(ctx, h1)
    parent = cmd("sh", "-c", 'echo "$PPID ${DEPLOYTOOL_RUNNER:-none} $DEPLOYTOOL_RUN"')
    first = ctx.transport.run(h1, parent, timeout=10).stdout.split()
    runner = ctx.transport.runners.current("h1")
    assert runner is not None and first == [str(runner.pid), "none", "tokA"]
    # sequential and concurrent commands: one parent, the runner (setsid keeps the pid)
    seen = {ctx.transport.run(h1, parent, timeout=10).stdout for _ in range(20)}
    got: list[str] = []
    threads = [
        threading.Thread(
            target=lambda: got.append(ctx.transport.run(h1, parent, timeout=20).stdout)
        )
        for _ in range(12)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen | set(got) == {f"{runner.pid} none tokA\n"} and len(got) == 12
    assert runners(lab, lab.hosts[0]) == [(runner.pid, "tokA")]  # found by the token
    # another host has its own; a new session's token gets a new runner, the old one exits
    settled(ctx, h2)
    assert ctx.transport.runners.current("h2") is not None
    ctx.transport.marker = "tokB"
    settled(ctx, h1)
    again = ctx.transport.run(h1, parent, timeout=10).stdout.split()
    assert again[0] != str(runner.pid) and again[2] == "tokB"
    wait_until(
        lambda: [v for _, v in runners(lab, lab.hosts[0])] == ["tokB"], 10, "the old runner to exit"
    )
    ctx.transport.close()
    wait_until(lambda: not runners(lab, lab.hosts[0]), 10, "the runner to end with the connection")


def test_a_deadline_kills_the_commands_process_group_and_keeps_the_runner(ctx, lab):
    h1 = ctx.hosts[0]
    ctx.transport.marker = "tokT"
    settled(ctx, h1)
    pid = ctx.transport.runners.current("h1").pid
    tag = f"31.{uuid.uuid4().int % 1000}"
    with pytest.raises(UnreachableError) as e:  # a child of the command's shell, same group
        ctx.transport.run(h1, cmd("sh", "-c", f"sleep {tag}; true"), timeout=0.5)
    assert e.value.timed_out and "timed out after 0.5s" in e.value.message

    def alive() -> bool:
        return lab.run(lab.hosts[0], ["pgrep", "-f", f"sleep {tag}"]).returncode == 0

    wait_until(lambda: not alive(), 5, "the timed-out command's group to be killed")
    r = ctx.transport.run(h1, cmd("sh", "-c", "echo $PPID"), timeout=10)
    assert r.stdout.strip() == str(pid)  # the same runner on the same connection


def test_a_runner_that_ends_fails_its_commands_as_unreachable_and_the_next_starts_anew(ctx, lab):
    h1 = ctx.hosts[0]
    settled(ctx, h1)
    pid = ctx.transport.runners.current("h1").pid
    with pytest.raises(
        UnreachableError,
        match="the runner ended while the command ran; the command may have partly run",
    ):
        ctx.transport.run(h1, cmd("sh", "-c", f"kill -KILL {pid}; sleep 5"), timeout=10)
    settled(ctx, h1)
    r = ctx.transport.run(h1, cmd("sh", "-c", "echo $PPID"), timeout=10)
    assert r.ok and r.stdout.strip() == str(ctx.transport.runners.current("h1").pid) != str(pid)
    assert ctx.transport.runners.unavailable == {}


def test_a_host_without_the_runner_falls_back_to_channels_and_says_so_once(
    ctx, monkeypatch, caplog
):
    monkeypatch.setattr(
        asyncssh_runner, "runner_command", lambda token: runner_command(token, "no-such-php")
    )
    h1 = ctx.hosts[0]
    with caplog.at_level(logging.DEBUG, logger="deploytool.transport"):
        for _ in range(2):  # the first on a channel, the second too while the runner starts
            r = ctx.transport.run(h1, cmd("sh", "-c", "echo out; exit 4"), timeout=10)
            assert (r.exit_code, r.stdout) == (4, "out\n")
        wait_until(lambda: ctx.transport.runners.unavailable, 10, "the runner to fail")
        for _ in range(3):
            r = ctx.transport.run(h1, cmd("sh", "-c", "echo out; exit 4"), timeout=10)
            assert (r.exit_code, r.stdout) == (4, "out\n")
    assert list(ctx.transport.runners.unavailable) == ["h1"]
    said = [r.getMessage() for r in caplog.records if "no persistent runner" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("h1:"), said


def test_a_secret_reaches_the_command_over_stdin_only(ctx, lab):
    """The runner takes the envelope's text and stdin as they are: the command's secrets file
    holds exactly the payload, and while it runs no process (the runner, the envelope's shell,
    the command) has the secret or its base64 in its argv or environment."""
    h1 = ctx.hosts[0]
    ctx.transport.marker = "tokS"
    secret = "rs3cr3t-" + uuid.uuid4().hex[:12]
    env = {"TOKEN": Secret(secret)}
    probe = cmd("sh", "-c", 'sha256sum < "$DEPLOYTOOL_SECRETS"; sleep 1.5', env=env)
    settled(ctx, h1)
    with scanning(lab, lab.hosts[0], secret) as report:
        r = ctx.transport.run(h1, probe, timeout=20)
    assert r.exit_code == 0, r
    assert r.stdout.split()[0] == hashlib.sha256(payload(env)).hexdigest()
    assert any("sleep 1.5" in s for s in report["seen"]), report["seen"]  # seen while it ran
    assert ctx.transport.runners.current("h1") is not None
    assert not list((lab.hosts[0].app_dir.parent / "tmp").glob("deploytool-env-*"))


def test_a_ship_through_the_runner_leaks_no_secret_and_leaves_no_runner(lab, fresh, tmp_path):
    """The security scan of test_security.py on h1 (the migration host) through a whole ship with
    `runner: persistent`, and a watch on the runners: one per session on h1, none after."""
    secret = "s3cr3t-" + uuid.uuid4().hex[:16]
    tag = slow_migration_release(lab, "v2-slowmig-runner", 3)
    inv = write_inventory(
        lab,
        tmp_path / "inv.yml",
        ssh={"runner": "persistent"},
        install_command=SLOW_INSTALL,
        env={"DEPLOY_TOKEN": "${env:DT_TEST_SECRET}", "APP_NAME": "${env:DT_TEST_SECRET}"},
    )
    h1 = lab.hosts[0]
    seen_runners: set[tuple[int, str]] = set()
    watching = threading.Event()

    def watch():
        while not watching.wait(0.2):
            seen_runners.update(runners(lab, h1))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with scanning(lab, h1, secret) as report:
            result = ship(inv, "--ref", tag, env={"DT_TEST_SECRET": secret})
    finally:
        watching.set()
        watcher.join()
    assert result.code == 0, result
    assert set(current_of(lab).values()) == {result.release}
    seen = " | ".join(report["seen"])
    for what in ("composer", "artisan migrate", "artisan config:cache", "sleep 4"):
        assert what in seen, (what, report["seen"])
    tokens = {v for _, v in seen_runners}
    assert len(tokens) == 1 and len(next(iter(tokens))) == 32, seen_runners  # the ship's token
    assert len(seen_runners) == 1, seen_runners  # one runner carried the whole ship on h1
    wait_until(lambda: not runners(lab, h1), 10, "the ship's runner to exit with it")
    assert list((h1.app_dir.parent / "tmp").glob("deploytool-env-*")) == []


@pytest.mark.parametrize("step", ["install", "drain"])
def test_a_cancelled_ship_through_the_runner_stops_its_commands_and_leaves_no_runner(
    lab, fresh, tmp_path, step
):
    """SIGINT mid-step (a 4 s install; a drain waiting on a busy worker): the cancel's stopper,
    run through the runner, ends the ship's commands and not the runner that carries it; the
    ship ends 130, unlocked, nothing it started left on any host, no runner after it."""
    inv = write_inventory(
        lab,
        tmp_path / "inv.yml",
        ssh={"runner": "persistent"},
        install_command=SLOW_INSTALL,
        migrations={"policy": "off"},
    )
    if step == "drain":
        lab.dispatch(1, 8.0, start=700 + len(lab.ledger()))
        wait_until(lambda: any(r.finished_at is None for r in lab.ledger()), 30, "the job to start")
    proc = start_ship(inv, "--ref", "v2")
    seen = read_until(proc, started(step))
    assert any(runners(lab, h) for h in lab.hosts), "the ship runs through runners"
    proc.send_signal(signal.SIGINT)
    result = finish(proc, seen)
    ended = result.of("ShipFinished")[0]
    assert result.code == 130 and "interrupted by signal" in ended["message"], result
    assert len(set(current_of(lab).values())) == 1
    assert "unlocked" in lock_status(inv)
    wait_until(lambda: not any(our_processes(lab).values()), 10, "no ship-started process left")
    wait_until(lambda: not any(runners(lab, h) for h in lab.hosts), 10, "no runner left")
    assert ship(inv, "--ref", "v2").code == 0


def test_a_ship_killed_mid_install_through_the_runner_is_recovered_and_its_runner_ended(
    lab, fresh, tmp_path
):
    """SIGKILL while a 60 s install runs under the runner: the next ship takes the expired lock
    over and its recovery stops the dead session's commands and runners (runners=True)."""
    kw = {"ssh": {"runner": "persistent"}, "lock_lease": "3s", "migrations": {"policy": "off"}}
    inv = write_inventory(lab, tmp_path / "inv.yml", install_command=LONG_INSTALL, **kw)
    plain = write_inventory(lab, tmp_path / "plain.yml", **kw)
    victim = start_ship(inv, "--ref", "v2")
    read_until(victim, started("install"))
    wait_until(lambda: any(our_processes(lab).values()), 10, "the install to run")
    dead = {v for h in lab.hosts for _, v in runners(lab, h)}
    assert len(dead) == 1, dead  # the dead session's token
    victim.send_signal(signal.SIGKILL)
    victim.communicate()
    result = ship(plain, "--ref", "v2", "--wait-lock", "1m")
    assert result.code == 0, result
    said = [w["message"] for w in result.of("Warning") if w["message"].startswith("after the")]
    assert said and "stopped the processes it left running on" in said[0], result
    wait_until(lambda: not any(our_processes(lab).values()), 10, "no ship-started process left")
    wait_until(lambda: not any(runners(lab, h) for h in lab.hosts), 10, "no runner left")
