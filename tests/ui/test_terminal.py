"""The rich live view rendered to a string console: per-host rows with step and elapsed time, the
drain table counting old workers down against the deadline, and the final summary."""

from __future__ import annotations

from rich.console import Console

from deploytool import events as ev
from deploytool.ui.terminal import Terminal

from .events import RELEASE, T0, failed, shipped


def console() -> Console:
    return Console(
        record=True, width=110, force_terminal=True, color_system=None, file=open("/dev/null", "w")
    )


def play(view, events, until=None):
    for e in events:
        if until is not None and e is until:
            return
        view(e)


def text_of(c: Console, renderable=None) -> str:
    if renderable is not None:
        c.print(renderable)
    return c.export_text(clear=True)


def test_per_host_rows_show_step_status_and_elapsed():
    now = [T0]
    c = console()
    view = Terminal(console=c, live=False, clock=lambda: now[0])
    events = shipped()
    install = next(e for e in events if isinstance(e, ev.StepStarted) and e.step == "install")
    play(view, events, until=install)
    view(install)
    view(ev.HostStepFinished("install", "h2", True, 0.7, at=T0 + 1.2))
    now[0] = T0 + 1.5
    text_of(c)
    lines = text_of(c, view.render()).splitlines()
    assert lines[0].strip() == "step 2/9: install"
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:5]}
    assert rows["h1"] == ["install", "running", "1.0s"]  # elapsed counts from the step's start
    assert rows["h2"] == ["install", "ok", "700ms"]  # a finished host keeps its own time
    assert rows["h3"] == ["install", "running", "1.0s"]


def test_the_drain_table_counts_old_workers_down_to_the_deadline():
    now = [T0]
    c = console()
    view = Terminal(console=c, live=False, clock=lambda: now[0])
    events = shipped()
    progress = [e for e in events if isinstance(e, ev.DrainProgress)]
    play(view, events, until=progress[1])
    now[0] = progress[0].at + 2.0  # 2 s after the first poll: the countdown moved on
    first = text_of(c, view.render())
    assert "drain: 4 old worker(s) left (0 of 4 gone), 2 new, 2.5s, deadline in 9m58s" in first
    assert (
        "h1    drain  2 old worker(s) left" in first
        and "h3    drain  1 old worker(s) left" in first
    )
    assert first.count("20251231T120000Z-3662ffa") == 4
    view(progress[1])
    view(progress[2])
    now[0] = progress[2].at
    later = text_of(c, view.render())
    assert "drain: 1 old worker(s) left (3 of 4 gone), 5 new, 4.5s, deadline in 9m56s" in later
    assert "h2    drain  drained" in later and later.count("20251231T120000Z-3662ffa") == 1


def test_the_final_summary_has_the_release_steps_drain_and_jobs_waited_for():
    c = console()
    view = Terminal(console=c, live=False, clock=lambda: T0)
    play(view, shipped())
    text = text_of(c)
    assert f"ship production v2: shipped {RELEASE} in 9.7s" in text
    assert f"release {RELEASE} (commit e3bbaff86aae)" in text
    for step, took in (("install", "900ms"), ("cache", "1.1s"), ("drain", "6.1s")):
        assert any(line.split()[:2] == [step, took] for line in text.splitlines()), step
    assert "drain: 6.1s, 4 old worker(s), waited for 1 job(s) in progress" in text


def test_a_failure_shows_where_and_what_next():
    c = console()
    view = Terminal(console=c, live=False, clock=lambda: T0)
    play(view, failed())
    text = text_of(c)
    assert (
        "ship production v3: FAILED at install (exit 1): h1: install: composer install failed"
        in text
    )
    assert (
        "Your lock file is out of sync" in text
        and "hint: fix composer.lock, then ship again" in text
    )
    assert "warning h3: could not remove" in text


def test_the_live_view_refreshes_in_place_and_leaves_only_the_log():
    c = Console(
        record=True, width=100, force_terminal=True, color_system=None, file=open("/dev/null", "w")
    )
    view = Terminal(console=c, live=True, clock=lambda: T0)
    play(view, shipped())
    assert view.live is None  # stopped at ShipFinished
    text = c.export_text()
    assert "✓ drain" in text and "shipped" in text
