"""Plain CI lines for a recorded ship and a recorded failure, snapshot-tested per CI flavor:
no CI, GitLab (collapsible sections) and GitHub Actions (groups, ::error/::warning)."""

from __future__ import annotations

import io

import pytest

from deploytool import events as ev
from deploytool.ui import choose
from deploytool.ui.ci import Flavor, GitHub, GitLab, detect
from deploytool.ui.jsonl import JsonLines
from deploytool.ui.plain import Plain

from .events import T0, failed, shipped
from .snapshot import snapshot


def render(events, flavor, verbose=False) -> str:
    out = io.StringIO()
    view = Plain(out, flavor=flavor, verbose=verbose)
    for e in events:
        view(e)
    return out.getvalue()


@pytest.mark.parametrize("flavor", [Flavor(), GitLab(), GitHub()], ids=lambda f: f.name)
def test_plain_snapshots(flavor):
    snapshot(f"plain-{flavor.name}-shipped.txt", render(shipped(), flavor))
    snapshot(f"plain-{flavor.name}-failed.txt", render(failed(), flavor))


def test_gitlab_sections_open_and_close_around_each_step():
    text = render(shipped(), GitLab())
    starts = [line for line in text.split("\n") if "section_start:" in line]
    ends = [line for line in text.split("\n") if "section_end:" in line]
    assert len(starts) == len(ends) == 9
    assert starts[0] == f"\x1b[0Ksection_start:{int(T0)}:deploytool_pull\r\x1b[0Kpull on h1, h2, h3"
    assert ends[-1].startswith("\x1b[0Ksection_end:") and ends[-1].endswith(
        "deploytool_cleanup\r\x1b[0K"
    )


def test_github_groups_and_a_multiline_error_annotation():
    lines = render(failed(), GitHub()).splitlines()
    assert (
        lines.count("::endgroup::") == 2
        and sum(line.startswith("::group::") for line in lines) == 2
    )
    error = next(line for line in lines if line.startswith("::error"))
    assert error == (
        "::error title=deploytool%3A exit 1::h1: install: composer install failed with exit code 1:"
        "%0A    Your lock file is out of sync%0Ahint: fix composer.lock, then ship again"
    )
    assert "::warning::h3: could not remove /var/www/app/releases/x: connection lost" in lines


def test_detect_from_the_runner_environment():
    assert detect({"GITHUB_ACTIONS": "true", "CI": "true"}).name == "github"
    assert detect({"GITLAB_CI": "true", "CI": "true"}).name == "gitlab"
    assert detect({"CI": "1"}).name == "plain"


def test_verbose_shows_each_command_on_one_line_and_streamed_output():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class CommandOutput(ev.Event):  # the shape the transport's streaming emits
        host: str
        step: str
        line: str

    events = [
        ev.CommandRan("h1", "pull", "sh -c '\nset -e\nmkdir x\n' deploytool /srv", 0, 0.05, at=T0),
        CommandOutput("h1", "install", "Generating optimized autoload files", at=T0),
    ]
    assert render(events, Flavor()) == ""
    assert render(events, Flavor(), verbose=True).splitlines() == [
        "00:00:00    $ h1: sh -c ' …(2 lines)… ' deploytool /srv (exit 0, 50ms)",
        "00:00:00    h1| Generating optimized autoload files",
    ]


def test_jsonl_snapshot():
    out = io.StringIO()
    view = JsonLines(out)
    for e in shipped():
        view(e)
    snapshot("shipped.jsonl", out.getvalue())


def test_choose_keeps_its_signature(no_ci):
    assert isinstance(choose(True, io.StringIO()), JsonLines)
    assert isinstance(choose(False, io.StringIO()), Plain)  # not a TTY: plain lines


class ReaderGoesAway(io.StringIO):
    """A pipe whose reader leaves after `n` writes (`| head`, a dying log collector)."""

    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def write(self, text):
        self.n -= 1
        if self.n < 0:
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


@pytest.mark.parametrize(
    "make", [lambda s: Plain(s, flavor=Flavor()), JsonLines], ids=["plain", "json"]
)
def test_a_reader_that_goes_away_mid_ship_never_raises_into_the_run(make):
    # a view raising inside bus.emit would stop the ship where it stands, in the switch too
    from deploytool.ui.env import Outlives

    stream = Outlives(ReaderGoesAway(5))
    view = make(stream)
    for e in shipped():
        view(e)
    assert stream.reader_gone


class TerminalGoesAway(ReaderGoesAway):
    """A terminal (isatty) whose other end closes after `n` writes."""

    def isatty(self):
        return True


def test_the_live_view_writes_to_the_stream_it_is_given(monkeypatch):
    # the rich view used to make its own Console on sys.stdout, around the Outlives wrapper
    from deploytool.ui.env import Outlives
    from deploytool.ui.terminal import Terminal

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    stream = Outlives(TerminalGoesAway(3))
    view = choose(False, stream)
    assert isinstance(view, Terminal) and view.console.file is stream
    if view.live is not None:
        view.live.stop()  # no refresh thread in a unit test: the events below draw directly
    for e in shipped():
        view(e)
    view.console.print("done")  # after the reader is gone: no BrokenPipeError
    assert stream.reader_gone
