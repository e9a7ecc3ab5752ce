"""`ship --batch 1` on the real lab: every step before the switch runs on one host at a time (read
from the commands' own start and end times in the events), the switch flips every host, the drain
finishes, and every host ends on the new release."""

from __future__ import annotations

import pytest

from .conftest import current_of, ship

pytestmark = pytest.mark.lab


def overlapping(commands: list[dict]) -> list[tuple[str, str]]:
    """Pairs of commands on different hosts whose [start, end] intervals overlap."""
    spans = sorted((c["at"] - c["duration"], c["at"], c["host"]) for c in commands)
    return [
        (a[2], b[2])
        for i, a in enumerate(spans)
        for b in spans[i + 1 :]
        if b[0] < a[1] and a[2] != b[2]
    ]


def test_batch_one_runs_each_step_on_one_host_at_a_time(lab, fresh):
    result = ship(fresh, "--ref", "v2", "--batch", "1")
    assert result.code == 0, result
    assert set(current_of(lab).values()) == {result.release}
    ran = result.of("CommandRan")
    for step in ("pull", "install", "cache"):
        mine = [c for c in ran if c["step"] == step]
        assert {c["host"] for c in mine} == {"h1", "h2", "h3"}, step
        assert overlapping(mine) == [], step  # never two hosts mid-step at once
    flips = [c for c in ran if c["step"] == "switch" and "mv -T" in c["command"]]
    assert {c["host"] for c in flips} == {"h1", "h2", "h3"}
    assert result.of("DrainFinished")
