"""Where a test session's labs live when the suite runs in parallel (pytest-xdist, `-n 2`).

Each xdist worker (PYTEST_XDIST_WORKER=gw0, gw1, ...) gets labs of its own: the root gets a
suffix, the third octet of the address prefix and the ports move by the worker's number, so two
workers' labs never share an address, a port or a directory. Without xdist nothing changes.
"""

from __future__ import annotations

import os
from pathlib import Path

PORT_STEP = 100  # per worker: 6393 -> 6493 -> 6593, clear of every other lab's ports


def worker_index() -> int:
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else 0


def slot(root: Path, prefix: str, redis: int, mariadb: int) -> tuple[Path, str, int, int]:
    i = worker_index()
    if i == 0:
        return root, prefix, redis, mariadb
    a, b, c = prefix.split(".")
    return (
        root.with_name(f"{root.name}-gw{i}"),
        f"{a}.{b}.{int(c) + i}",
        redis + PORT_STEP * i,
        mariadb + PORT_STEP * i,
    )
