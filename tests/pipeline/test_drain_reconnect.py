"""A host whose connection drops mid-drain (it crashed and boots), on a recording transport with
a fake clock: the drain keeps its last census, reconnects, reads it afresh and finishes, saying
so; a host that is not back within RECONNECT, or that times out (a blackhole), is lost as before.
The same on a real host: tests/e2e/test_host_faults.py."""

from __future__ import annotations

import pytest

from deploytool.config.model import DrainPolicy
from deploytool.drain.census import RECONNECT
from deploytool.errors import UnreachableError
from deploytool.events import DrainNotice
from deploytool.steps import drain

from .test_drain import NEW, OLD, Fleet, census_text, make, proc


class Crashing(Fleet):
    """h2's census answers `after` times, then its connection drops `drops` times (or times
    out)."""

    def __init__(self, script, drops, timed_out=False, after=1):
        super().__init__(script)
        self.drops, self.timed_out, self.after = drops, timed_out, after

    def __call__(self, host, text):
        if (
            host == "h2"
            and "deploytool-census" in text
            and self.polls["h2"] >= self.after
            and self.drops
        ):
            self.drops -= 1
            why = "command timed out after 10s" if self.timed_out else "connection lost: reset"
            raise UnreachableError(host, "drain", why, timed_out=self.timed_out)
        return super().__call__(host, text)


SCRIPT = {
    "h1": [census_text(proc(11, OLD))] * 3 + [census_text(proc(12, NEW))],
    "h2": [census_text(proc(21, OLD)), census_text(proc(25, NEW))],  # after the boot: new ones
    "h3": [census_text()],
}


@pytest.mark.parametrize("after", [1, 0])  # 0: it dropped before its first answer
def test_a_host_that_comes_back_is_reconnected_and_its_census_read_afresh(after):
    fleet = Crashing(SCRIPT, drops=3, after=after)
    ctx, tr, rec = make(fleet, DrainPolicy(deadline=60, poll=1))
    assert "no worker runs old code" in drain.run(ctx, {})
    said = [(e.host, e.message) for e in rec.of(DrainNotice) if e.topic == "reconnect"]
    assert [h for h, _ in said] == ["h2", "h2"]
    assert "its connection dropped (connection lost: reset)" in said[0][1]
    assert said[1][1].startswith("back after")
    assert ctx.state.lost_hosts == set()


@pytest.mark.parametrize("timed_out, drops", [(False, 10_000), (True, 1)])
def test_a_host_not_back_in_time_or_blackholed_is_lost(timed_out, drops):
    fleet = Crashing(SCRIPT, drops=drops, timed_out=timed_out)
    ctx, tr, rec = make(fleet, DrainPolicy(deadline=600, poll=1))
    with pytest.raises(UnreachableError, match="lost after the switch"):
        drain.run(ctx, {})
    assert ctx.state.lost_hosts == {"h2"}
    if not timed_out:
        assert ctx.clock.monotonic() >= RECONNECT
