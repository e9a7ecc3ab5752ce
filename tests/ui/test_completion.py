"""Shell completion: the bash and zsh scripts, generated from the real parser, complete commands,
options, choices and the inventory's stage names, driven the way the shells drive them (bash
through COMP_WORDS, zsh in a pty). Also --version."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deploytool.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]
INVENTORY = (
    "application: {name: x, repository: /x, deploy_path: /srv/x}\n"
    "stages: {production: {}, staging: {}}\n"
)


@pytest.fixture
def shell_env(tmp_path):
    """A `deploytool` on PATH running this checkout, and a directory holding an inventory.yml."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "deploytool"
    exe.write_text(f'#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} -m deploytool.cli "$@"\n')
    exe.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    (work / "inventory.yml").write_text(INVENTORY)
    (tmp_path / "other.yml").write_text(INVENTORY.replace("staging", "qa"))
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return env, work, tmp_path


def script(shell: str, env) -> str:
    return subprocess.run(
        ["deploytool", "completion", shell], capture_output=True, text=True, env=env, check=True
    ).stdout


def bash_complete(words: str, env, cwd) -> list[str]:
    src = script("bash", env)
    harness = src + (
        "\nCOMP_WORDS=( " + words + " )\nCOMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
        '_deploytool\nprintf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    out = subprocess.run(
        ["bash", "-c", harness], capture_output=True, text=True, env=env, cwd=cwd, timeout=30
    )
    assert out.returncode == 0, out.stderr
    return [line for line in out.stdout.splitlines() if line]


@pytest.mark.parametrize(
    "words,expected",
    [
        ("deploytool sh", ["ship"]),
        ("deploytool ''", [c.replace("_", "-") for c in COMMANDS] + ["--version", "--help"]),
        ("deploytool ship ''", ["production", "staging"]),
        ("deploytool ship -i ../other.yml ''", ["production", "qa"]),
        ("deploytool doctor --j", ["--job-timeout", "--json"]),
        ("deploytool lock ''", ["status", "release"]),
        ("deploytool lock status st", ["staging"]),
        ("deploytool plan --ref ''", []),  # a ref is free text
        ("deploytool completion ''", ["bash", "zsh", "stages"]),
    ],
)
def test_bash(shell_env, words, expected):
    env, work, _ = shell_env
    assert bash_complete(words, env, work) == expected


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
@pytest.mark.parametrize(
    "typed,expected",
    [
        ("deploytool sh", ["ship"]),
        ("deploytool lock ", ["status", "release"]),
        ("deploytool lock status ", ["production", "staging"]),
        ("deploytool doctor --j", ["--job-timeout", "--json"]),
        ("deploytool ship -i ../other.yml ", ["production", "qa"]),
    ],
)
def test_zsh(shell_env, typed, expected):
    env, work, _ = shell_env
    out = subprocess.run(
        ["zsh", str(Path(__file__).with_name("zsh_capture.zsh")), typed, str(work)],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert sorted(out.stdout.split()) == sorted(expected), out.stderr


def test_scripts_parse_and_stages_never_print_errors(shell_env, tmp_path):
    env, work, _ = shell_env
    assert subprocess.run(["bash", "-n"], input=script("bash", env), text=True).returncode == 0
    if shutil.which("zsh"):
        assert subprocess.run(["zsh", "-n"], input=script("zsh", env), text=True).returncode == 0
    (tmp_path / "broken.yml").write_text("stages: [\n")
    for args in (["-i", str(tmp_path / "broken.yml")], ["-i", str(tmp_path / "missing.yml")]):
        out = subprocess.run(
            ["deploytool", "completion", "stages", *args], capture_output=True, text=True, env=env
        )
        assert (out.returncode, out.stdout, out.stderr) == (0, "", "")


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.startswith("deploytool ")
