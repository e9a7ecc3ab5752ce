"""render() is the one place shell text is made: whatever argv goes in comes out unchanged."""

import re
import subprocess
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from deploytool.shell import Chain, Pipe, cmd, render, script

ECHO_ARGS = 'for a in "$@"; do printf "%s\\0" "$a"; done'
argv_text = st.text(
    alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=40
)


@settings(max_examples=200, deadline=None)
@given(st.lists(argv_text, min_size=0, max_size=6))
def test_any_argv_survives_a_real_shell(args):
    text = render(script(ECHO_ARGS, *args))
    out = subprocess.run(["sh", "-c", text], capture_output=True).stdout
    assert out.split(b"\0")[:-1] == [a.encode() for a in args]


def test_nasty_values_are_literal(tmp_path):
    nasty = ["; rm -rf /", "$(touch pwned)", "`id`", "a'b\"c", "line\nbreak", "*", "~", "$HOME"]
    text = render(cmd("printf", "%s|", *nasty, cwd=str(tmp_path)))
    out = subprocess.run(["sh", "-c", text], capture_output=True, text=True, cwd=tmp_path).stdout
    assert out == "|".join(nasty) + "|"
    assert not (tmp_path / "pwned").exists()


def test_cwd_env_pipe_chain():
    assert render(cmd("ls", "-1", cwd="/var/www/my app")) == "(cd '/var/www/my app' && ls -1)"
    assert render(cmd("php", "artisan", env={"A": "b c"})) == "env 'A=b c' php artisan"
    assert render(Pipe((cmd("false"), cmd("cat")))) == "bash -o pipefail -c 'false | cat'"
    assert subprocess.run(["sh", "-c", render(Pipe((cmd("false"), cmd("cat"))))]).returncode != 0
    assert render(Chain((cmd("a"), cmd("b", "c d")))) == "a && b 'c d'"


def test_redaction_hides_quoted_and_bare_secrets():
    secret = "p@ss word$1"
    assert secret not in render(cmd("mysql", f"--password={secret}", secret), redact=[secret])
    assert "***" in render(cmd("echo", secret), redact=[secret])


def test_no_shell_text_is_built_outside_render():
    """Remote commands are argv tuples; an f-string, % or .format building a command elsewhere is a
    bug (scattered quoting is how Fabric/Deployer users got injections)."""
    offenders = []
    for path in Path("deploytool").rglob("*.py"):
        if path.name == "shell.py":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"""\b(cmd|script|Cmd)\(\s*f["']""", line) or re.search(
                r"""sh", "-c", f["']""", line
            ):
                offenders.append(f"{path}:{n}: {line.strip()}")
    assert offenders == []
