"""A `confirm: true` stage asks to type its name on a terminal; --yes skips; no terminal, no
question."""

from __future__ import annotations

import io

import pytest

from deploytool.config.model import Host, SSHSettings, Stage
from deploytool.errors import UsageError
from deploytool.ui.confirm import confirm_stage


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


STAGE = Stage(
    "production", (Host("10.0.0.1", "app1", migrate=True),), SSHSettings("deploy"), confirm=True
)


def test_typing_the_stage_name_goes_ahead():
    err = Tty()
    confirm_stage(STAGE, yes=False, stdin=Tty("production\n"), stderr=err)
    assert (
        "Type the stage name to ship it:" in err.getvalue()
        and "'production' asks for confirmation" in err.getvalue()
    )


@pytest.mark.parametrize("typed", ["y\n", "staging\n", ""])
def test_anything_else_stops_before_connecting(typed):
    with pytest.raises(UsageError) as e:
        confirm_stage(STAGE, yes=False, stdin=Tty(typed), stderr=Tty())
    assert "nothing was done" in e.value.message and "--yes" in e.value.hint


def test_yes_unconfirmed_stages_and_no_terminal_never_ask():
    silent = Tty()
    confirm_stage(STAGE, yes=True, stdin=Tty(""), stderr=silent)
    confirm_stage(Stage("staging", STAGE.hosts, STAGE.ssh), yes=False, stdin=Tty(""), stderr=silent)
    confirm_stage(STAGE, yes=False, stdin=io.StringIO(""), stderr=silent)  # CI: stdin is not a TTY
    assert silent.getvalue() == ""
