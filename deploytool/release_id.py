"""Release ids: `<UTC timestamp>-<short commit>`, sortable by time, readable by people."""

from __future__ import annotations

import re
from datetime import UTC, datetime

RELEASE_RE = re.compile(r"^(\d{8}T\d{6}Z)-([0-9a-f]{7,40})(?:\.(\d+))?$")


def release_id(when: datetime, commit: str) -> str:
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + commit[:7]


def unique_release_id(when: datetime, commit: str, existing: set[str] | frozenset[str]) -> str:
    """The release id, with a `.N` suffix when a ship in the same second already used it (two
    ships of one commit within a second must not share, or clobber, a directory)."""
    base = release_id(when, commit)
    rid, n = base, 1
    while rid in existing:
        n += 1
        rid = f"{base}.{n}"
    return rid


def parse_release_id(rid: str) -> tuple[datetime, str] | None:
    m = RELEASE_RE.match(rid)
    if not m:
        return None
    return datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC), m.group(2)
