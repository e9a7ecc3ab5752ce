"""A fleet whose hosts disagree about `current`: what it looks like, and the one sentence for it.

It happens when a ship died in its switch (SIGKILL: no undo ran; some hosts point at the new
release, some at the old), or after a deliberate `--limit` ship. A ship repairs it by switching
every host to its own new release (pull says so at the start); a rollback without `--to` moves
every host to the older of exactly two releases, where the fleet was before (select-rollback),
and refuses when there are more.
"""

from __future__ import annotations

from collections.abc import Mapping


def releases_in_use(currents: Mapping[str, str]) -> list[str]:
    """The distinct releases hosts point at, oldest first (hosts with no `current` left out: a
    host that was never shipped to is not a split)."""
    return sorted({c for c in currents.values() if c})


def is_split(currents: Mapping[str, str]) -> bool:
    return len(releases_in_use(currents)) > 1


def describe(currents: Mapping[str, str]) -> str:
    """'h1, h2 -> A; h3 -> B', releases oldest first."""
    by: dict[str, list[str]] = {}
    for host, rel in sorted(currents.items()):
        by.setdefault(rel or "(none)", []).append(host)
    return "; ".join(f"{', '.join(hosts)} -> {rel}" for rel, hosts in sorted(by.items()))
