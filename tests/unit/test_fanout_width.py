"""A step runs on every host at once: the fan-out never splits a 500-host asyncssh stage into
waves (a pool of 64 did: eight waves, each as long as its slowest command)."""

from __future__ import annotations

import threading

import pytest

from deploytool.fanout import MAX_HOSTS_AT_ONCE, MAX_THREADS, Fanout, pool_size


def all_at_once(fanout: Fanout, hosts: int, deadline: float = 20) -> list[bool]:
    """Every call waits until `hosts` calls are in flight together; a pool too small for that
    can never get there (the calls it has block the ones it has not started), and the deadline
    only ends the wait: it is no speed threshold."""
    barrier = threading.Barrier(hosts, timeout=deadline)

    def one(_):
        try:
            barrier.wait()
            return True
        except threading.BrokenBarrierError:
            return False

    try:
        return fanout.map(one, range(hosts))
    finally:
        fanout.close()


def test_an_asyncssh_stage_of_500_hosts_has_every_host_in_flight_at_once():
    assert all(all_at_once(Fanout(pool_size(500, "asyncssh")), 500))


def test_the_old_pool_of_64_could_not():
    assert not all(all_at_once(Fanout(MAX_THREADS), 65, deadline=1))


@pytest.mark.parametrize(
    ("hosts", "transport", "size"),
    [
        (3, "asyncssh", MAX_THREADS),
        (500, "asyncssh", 500),
        (5000, "asyncssh", MAX_HOSTS_AT_ONCE),
        (500, "fabric", MAX_THREADS),  # a pipe pair and paramiko's threads per command in flight
    ],
)
def test_pool_size(hosts, transport, size):
    assert pool_size(hosts, transport) == size
