"""The drain with census watchers, on a transport that can stream: rounds read from the
watchers, a silent watcher's host polled instead, a worker's exit ending the sleep at once."""

import threading

from deploytool.config.model import DrainPolicy
from deploytool.drain import census as census_source
from deploytool.drain.run import StageDrain
from deploytool.errors import UnreachableError
from deploytool.events import DrainNotice
from deploytool.pipeline import Cancel
from deploytool.pipeline import Clock as Clock_
from deploytool.steps import drain
from tests.pipeline.recording import RecordingTransport

from .test_drain import NEW, OLD, Fleet, S, census_text, make, proc  # noqa: F401


class WatchingTransport(RecordingTransport):
    """A recording transport with open_stream(): each host's watcher answers a snapshot request
    with the fleet's next census for that host, like probes/census_watch.py; `silent` hosts never
    answer. Every request and watcher start is logged."""

    def __init__(self, fleet, silent=(), dropped=()):
        super().__init__(fleet)
        self.silent, self.dropped = set(silent), set(dropped)
        self.streams = {}

    def open_stream(self, host, command, on_line, on_close, *, step=""):
        self.log.append((host.name, "<watch>"))
        if host.name in self.dropped:  # what the asyncssh transport raises on a dead connection
            raise UnreachableError(host.name, step, "connection lost: Connection lost")
        transport = self

        class Stream:
            closed = False
            asked = 0

            def send(self, text):
                transport.log.append((host.name, "<round>"))
                if host.name in transport.silent:
                    return
                self.asked += 1
                seq = transport.answer.script[host.name]
                out = seq[min(transport.answer.polls[host.name], len(seq) - 1)]
                transport.answer.polls[host.name] += 1
                for line in out.splitlines():
                    on_line(line)
                on_line(f"E{S}{self.asked}")

            def close(self):
                self.closed = True

        self.streams[host.name] = Stream()
        return self.streams[host.name]


def make_watching(fleet, policy, silent=(), dropped=()):
    return make(fleet, policy, transport=WatchingTransport(fleet, silent, dropped))


def test_with_watchers_every_round_is_read_from_them_and_they_are_closed_after(monkeypatch):
    monkeypatch.setattr(census_source, "WATCH_ANSWER", 0.05)
    fleet = Fleet(
        {
            "h1": [census_text(proc(11, OLD)), census_text(proc(12, NEW))],
            "h2": [census_text(proc(21, OLD))] * 3 + [census_text()],
            "h3": [census_text(proc(31, NEW))],
        }
    )
    ctx, tr, rec = make_watching(fleet, DrainPolicy(deadline=60, poll=1))
    drain.run(ctx, {})
    assert tr.ran("deploytool-census") == []  # no polled census at all
    assert sorted(tr.ran("<watch>")) == ["h1", "h2", "h3"]  # one watcher per host, once
    assert fleet.polls == {"h1": 2, "h2": 4, "h3": 1}  # drained hosts are not asked again
    assert all(s.closed for s in tr.streams.values())
    assert ctx.state.drain["census_rounds"] == {"watch": 4, "poll": 0}


def test_a_watcher_that_does_not_answer_has_its_host_polled_from_then_on(monkeypatch):
    monkeypatch.setattr(census_source, "WATCH_ANSWER", 0.05)
    fleet = Fleet(
        {
            "h1": [census_text(proc(11, OLD))] * 2 + [census_text()],
            "h2": [census_text(proc(21, OLD))] * 2 + [census_text()],
            "h3": [census_text()],
        }
    )
    ctx, tr, rec = make_watching(fleet, DrainPolicy(deadline=60, poll=1), silent={"h2"})
    drain.run(ctx, {})
    assert tr.ran("<round>").count("h2") == 1  # asked once, then never again
    assert tr.ran("deploytool-census") == ["h2", "h2", "h2"]  # polled instead, every round
    assert fleet.polls["h1"] == 3 and fleet.polls["h2"] == 3


def test_a_worker_exiting_ends_the_sleep_between_rounds_at_once():
    ctx, tr, rec = make_watching(
        Fleet({"h1": [census_text()], "h2": [census_text()], "h3": [census_text()]}),
        DrainPolicy(deadline=60, poll=30),
    )
    dr = StageDrain(ctx)
    dr.open()
    dr.census._line("h2", f"-{S}4242")  # h2's watcher: pid 4242 exited
    dr.sleep(30)
    assert ctx.clock.t == 0  # woke at once, not after the 30 s poll
    dr.sleep(30)
    assert ctx.clock.t == 30  # nothing changed since: the whole interval
    dr.census.close()


def test_the_real_clock_wakes_on_the_event_and_on_a_cancel():
    clock, event, cancel = Clock_(), threading.Event(), Cancel()
    threading.Timer(0.1, event.set).start()
    assert clock.wait_for(event, 60) is True
    threading.Timer(0.1, cancel.trip, (2,)).start()
    assert clock.wait_for(threading.Event(), 60, cancel) is False
    assert clock.wait_for(threading.Event(), 0.01) is False


def test_a_watcher_whose_connection_dropped_says_so_though_its_host_answers_the_next_poll():
    # a host that crashed and whose sshd was back before the next round: the poll answers as if
    # nothing happened (another caller took the connection's error), so only the watcher's end
    # tells that every process there was gone
    fleet = Fleet(
        {
            "h1": [census_text(proc(11, OLD))],
            "h2": [census_text(proc(21, OLD)), census_text(proc(25, NEW))],
            "h3": [census_text()],
        }
    )
    ctx, tr, rec = make_watching(fleet, DrainPolicy(deadline=60, poll=1))
    dr = StageDrain(ctx)
    dr.open()
    dr.poll(["h1", "h2"])
    ctx.clock.sleep(2.0)
    dr.census._closed("h2", ConnectionResetError("Connection lost"))  # on the loop thread
    dr.census._closed("h3", ConnectionResetError("Connection lost"))  # drained: not asked
    got = dr.poll(["h1", "h2"])
    assert [w.pid for w in got["h2"].workers] == [25]  # polled afresh
    said = [(e.host, e.message) for e in rec.of(DrainNotice) if e.topic == "reconnect"]
    assert [h for h, _ in said] == ["h2", "h2"], said
    assert said[0][1].startswith("its connection dropped (Connection lost)")
    assert said[1][1].startswith("back after")
    # a watcher that ends cleanly (its lifetime, close()) is no drop
    dr.census._closed("h1", None)
    dr.poll(["h1"])
    assert len([e for e in rec.of(DrainNotice) if e.topic == "reconnect"]) == 2
    dr.census.close()


def test_a_host_whose_connection_dropped_before_its_watcher_started_says_so_too():
    # the crash landed between the drain's start and the watcher's: its start fails on the dead
    # connection, and the poll that follows reconnects as if nothing had happened
    fleet = Fleet({"h1": [census_text(proc(11, OLD))], "h2": [census_text(proc(25, NEW))]})
    ctx, tr, rec = make_watching(fleet, DrainPolicy(deadline=60, poll=1), dropped={"h2"})
    dr = StageDrain(ctx)
    dr.open()
    got = dr.poll(["h1", "h2"])
    assert [w.pid for w in got["h2"].workers] == [25]  # polled
    said = [(e.host, e.message) for e in rec.of(DrainNotice) if e.topic == "reconnect"]
    assert [h for h, _ in said] == ["h2", "h2"], said
    assert said[0][1].startswith("its connection dropped (Connection lost)")
    assert said[1][1].startswith("back after")
    dr.census.close()


def test_a_watcher_start_that_hit_a_deadline_is_not_a_drop():
    err = UnreachableError("h2", "drain", "no answer within 10s", timed_out=True)
    assert census_source._dropped(err) == ""
    assert census_source._dropped(None) == ""
