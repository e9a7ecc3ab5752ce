"""pytest fixtures for tests that need the lab fleet. In a conftest.py:

    from tests.lab.fixtures import lab, clean_lab  # noqa: F401

`lab` (session scope) brings the fleet up once per session at $DEPLOYTOOL_LAB (default
/tmp/deploytool-lab) and takes it down at the end, unless it was already up when the
session started (someone ran `python -m tests.lab up`): then it is reused and left up.
A lab left behind by a session that died is taken down and started afresh.
Set DEPLOYTOOL_LAB_KEEP=1 to leave the lab up after the session for debugging.
`clean_lab` (function scope) is `lab` after reset_app_state(): no releases, no workers,
empty Redis, fresh database.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from .lab import Lab, default_root
from .slots import slot


def _int_env(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    root, prefix, redis, mariadb = slot(
        default_root(),
        os.environ.get("DEPLOYTOOL_LAB_PREFIX") or "127.20.0",
        _int_env("DEPLOYTOOL_LAB_REDIS", 6391),
        _int_env("DEPLOYTOOL_LAB_MARIADB", 3391),
    )
    # several labs side by side (each developer's, each xdist worker's): own addresses and ports
    fleet = Lab(
        root,
        hosts=_int_env("DEPLOYTOOL_LAB_HOSTS", 3),
        workers=_int_env("DEPLOYTOOL_LAB_WORKERS", 2),
        address_prefix=prefix,
        redis_port=redis,
        mariadb_port=mariadb,
    )
    if fleet.is_up() and fleet.owner_alive() is False:
        fleet.down()  # orphaned by a session that was killed before its teardown
    owned = not fleet.is_up()
    # CI stops a run with SIGTERM, which would skip the teardown below: turn it into the
    # KeyboardInterrupt that pytest unwinds through its finalizers.
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _interrupt)
    keep = bool(os.environ.get("DEPLOYTOOL_LAB_KEEP"))
    try:
        fleet.up(owner=os.getpid() if owned and not keep else None)
        yield fleet
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut down() short
        try:
            if owned and not keep:
                fleet.down()
        finally:
            signal.signal(signal.SIGTERM, previous)


@pytest.fixture
def clean_lab(lab: Lab) -> Lab:
    lab.reset_app_state()
    return lab


def _interrupt(signum, frame):  # noqa: ANN001
    raise KeyboardInterrupt(f"signal {signum}")
