"""The asyncssh transport (the default) against the lab's real sshd hosts: the same guarantees as
the Fabric one (host keys from the stage's known_hosts only, per-command deadline,
UnreachableError, render() text), a whole ship through each, and census watchers that never
outlive their connection."""

from __future__ import annotations

import pytest

from deploytool.config import load_inventory
from deploytool.drain.census import CensusSource
from deploytool.errors import HostKeyError, UnreachableError
from deploytool.events import Bus
from deploytool.pipeline import Context
from deploytool.shell import cmd
from deploytool.transport import open_transport
from tests.lab.procs import wait_until

from .conftest import current_of, ship, write_inventory

pytestmark = pytest.mark.lab


def context(inventory_path):
    inv = load_inventory(inventory_path)
    stage = inv.stages["lab"]
    return Context(
        inventory=inv,
        stage=stage,
        playbook=None,
        transport=open_transport(stage.ssh),
        bus=Bus(),
        ref="",
    )


@pytest.fixture(params=["channel", "persistent"])
def ctx(lab, tmp_path, request):
    """Both ways of running a command: a session channel each (the default), or every command of
    a host through its one persistent runner (`ssh.runner: persistent`)."""
    ssh = {"transport": "asyncssh", "runner": request.param}
    c = context(write_inventory(lab, tmp_path / "inventory.yml", ssh=ssh))
    yield c
    c.transport.close()


def settled(ctx, host) -> None:
    """With `runner: persistent`, wait until the host's runner (for the current token) is
    ready, so the commands that follow go through it and not the channels that stand in while
    it starts."""
    if ctx.stage.ssh.runner == "persistent":
        for _ in range(2):  # a host's second command starts it
            ctx.transport.run(host, cmd("true"), timeout=10)
        wait_until(lambda: ctx.transport.runners.current(host.name), 10, "the runner to start")


def through_the_runner(ctx, host) -> bool:
    """With `runner: persistent`, the host's commands really went through its runner (a runner
    that fails to start falls back to channels silently: the tests must not pass on that)."""
    if ctx.stage.ssh.runner != "persistent":
        return True
    return ctx.transport.runners.unavailable == {} and ctx.transport.runners.current(host.name)


def test_commands_exit_codes_output_stdin_and_marker(ctx):
    h1 = ctx.hosts[0]
    settled(ctx, h1)
    r = ctx.transport.run(h1, cmd("sh", "-c", "echo out; echo err >&2; exit 3"), timeout=10)
    assert (r.exit_code, r.stdout, r.stderr) == (3, "out\n", "err\n")
    assert ctx.transport.run(h1, cmd("cat"), timeout=5).ok  # stdin is at EOF at once
    r = ctx.transport.run(h1, cmd("sh", "-c", "kill -TERM $$"), timeout=10)
    assert r.exit_code == -1  # a signal ended it: no exit status, as a channel reports it
    lines = []
    r = ctx.transport.run(
        h1,
        cmd("sh", "-c", "printf 'a\\nb'; echo c >&2; printf '\\nd\\n'"),
        timeout=10,
        on_output=lambda stream, line: lines.append((stream, line)),
    )
    assert (r.stdout, r.stderr) == ("a\nb\nd\n", "c\n")
    assert sorted(lines) == [("stderr", "c"), ("stdout", "a"), ("stdout", "b"), ("stdout", "d")]
    ctx.transport.marker = "tok42"
    settled(ctx, h1)  # (a new token: a new runner)
    r = ctx.transport.run(h1, cmd("sh", "-c", 'echo "$DEPLOYTOOL_RUN"'), timeout=10)
    assert r.stdout.strip() == "tok42"
    r = ctx.transport.run(
        h1, cmd("sh", "-c", 'echo "${DEPLOYTOOL_RUN:-none}"'), timeout=10, marked=False
    )
    assert r.stdout.strip() == "none"
    assert through_the_runner(ctx, h1)


def test_a_timeout_is_unreachable_and_the_next_command_reconnects(ctx):
    h1 = ctx.hosts[0]
    settled(ctx, h1)
    with pytest.raises(UnreachableError, match="timed out after 0.5s"):
        ctx.transport.run(h1, cmd("sleep", "30"), timeout=0.5)
    assert ctx.transport.run(h1, cmd("true"), timeout=10).ok
    assert through_the_runner(ctx, h1)


def test_unknown_and_changed_host_keys_fail_naming_the_host(lab, tmp_path):
    lines = lab.known_hosts.read_text().splitlines()
    # h2's entry carries h1's key: a changed key for h2; h1 has no entry: an unknown key
    h1_key = lines[0].split(" ", 1)[1]
    bad = tmp_path / "known_hosts"
    bad.write_text(f"{lines[1].split(' ', 1)[0]} {h1_key}\n")
    c = context(
        write_inventory(
            lab, tmp_path / "inventory.yml", ssh={"transport": "asyncssh", "known_hosts": str(bad)}
        )
    )
    try:
        with pytest.raises(HostKeyError) as e:
            c.transport.run(c.hosts[1], cmd("touch", "/tmp/should-not-exist"), timeout=10)
        assert e.value.host == "h2" and "CHANGED" in e.value.message
        with pytest.raises(HostKeyError) as e:
            c.transport.connect(c.hosts[0])
        assert e.value.host == "h1" and "is not in" in e.value.message
    finally:
        c.transport.close()
    assert not lab.run("h2", ["test", "-e", "/tmp/should-not-exist"]).returncode == 0


def test_an_unreachable_port_is_unreachable(lab, tmp_path):
    inv = write_inventory(
        lab, tmp_path / "inventory.yml", ssh={"transport": "asyncssh", "connect_timeout": "2s"}
    )
    c = context(inv)
    from dataclasses import replace

    try:
        with pytest.raises(UnreachableError) as e:
            c.transport.connect(replace(c.hosts[0], port=1))
        assert e.value.host == "h1"
    finally:
        c.transport.close()


def test_a_ship_through_asyncssh_drains_on_census_watchers_that_end_with_it(lab, fresh, tmp_path):
    inv = write_inventory(lab, tmp_path / "inventory-async.yml", ssh={"transport": "asyncssh"})
    seqs = lab.dispatch(1, 6.0, start=900)  # one old worker busy well into the drain
    row = wait_until(
        lambda: next((r for r in lab.ledger() if r.seq == 900), None), 30, "the job to start"
    )
    result = ship(inv, "--ref", "v2")
    assert result.code == 0, result
    assert set(current_of(lab).values()) == {result.release}
    done = result.of("DrainFinished")[-1]
    assert done["ok"] is True
    rounds = dict(done["census"])
    assert rounds["watch"] >= 2 and rounds["poll"] == 0, (
        rounds
    )  # every round read from the watchers
    finished = next(r for r in lab.ledger() if r.seq == 900 and r.finished)
    assert (finished.host, finished.pid) == (row.host, row.pid)  # the same worker finished it
    assert lab.account(seqs).interrupted == []
    assert len(result.of("DrainProgress")) == rounds["watch"]
    assert not any(watchers(lab).values())  # none outlives the ship


def test_a_ship_through_the_fabric_transport_polls_the_census(lab, fresh, tmp_path):
    """Fabric (paramiko) stays selectable with the same pipeline; it cannot stream, so the drain
    polls."""
    inv = write_inventory(lab, tmp_path / "inventory-fabric.yml", ssh={"transport": "fabric"})
    result = ship(inv, "--ref", "v2")
    assert result.code == 0, result
    assert set(current_of(lab).values()) == {result.release}
    rounds = dict(result.of("DrainFinished")[-1]["census"])
    assert rounds["watch"] == 0 and rounds["poll"] >= 1


def test_census_stream_matches_the_polled_census_and_its_watchers_end_with_the_channel(
    lab, fresh, tmp_path
):
    c = context(write_inventory(lab, tmp_path / "inventory.yml", ssh={"transport": "asyncssh"}))
    try:
        watch = CensusSource(c, lifetime=120)
        polled = CensusSource(c, watch=False).round()
        streamed = watch.round()
        assert set(streamed) == {"h1", "h2", "h3"}
        for h in streamed:
            assert {(w.pid, w.release) for w in streamed[h].workers} == {
                (w.pid, w.release) for w in polled[h].workers
            }
            assert (
                len(streamed[h].workers) == lab.n_workers
                and streamed[h].current == polled[h].current
            )
        assert watchers(lab) == {"h1": 1, "h2": 1, "h3": 1}
        watch.close()
        wait_until(
            lambda: not any(watchers(lab).values()), 10, "the watchers to exit after close()"
        )

        CensusSource(c, lifetime=120)  # never closed: the connection's end must end it
        # open_stream() returns once the channel is open; the shell may not have exec'd PHP yet
        wait_until(lambda: sum(watchers(lab).values()) == 3, 10, "three new watchers")
    finally:
        c.transport.close()
    wait_until(
        lambda: not any(watchers(lab).values()), 10, "the watchers to exit with the connection"
    )


def watchers(lab) -> dict[str, int]:
    """Census watcher processes per host (PHP run with -n -r, the pattern's hex among its args)."""
    hexpat = b"artisan queue:work".hex()
    out = {}
    for h in lab.hosts:
        ps = lab.run(h, ["ps", "-eo", "args"], user="root").stdout
        out[h.name] = sum(
            1 for line in ps.splitlines() if line.startswith("php -n -r") and hexpat in line
        )
    return out
