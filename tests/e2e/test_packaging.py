"""Installed as a user installs it: a wheel built from this tree in a fresh venv, and pipx.

From a directory with no playbooks/ of its own, the installed `deploytool` must find its built-in
playbooks (check-config on the documented example, a real ship to the lab) and report the version
from the package metadata. The venvs see this machine's site-packages for the dependencies (no
download of fabric, asyncssh, ... per test run); deploytool itself comes only from the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .conftest import AUDIT_LOG, Shipped, current_of, write_inventory

pytestmark = pytest.mark.lab
ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def run(argv, cwd, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # never this source tree
    env.update(CI="1", DEPLOYTOOL_AUDIT_LOG=str(AUDIT_LOG), **kw.pop("env", {}))
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env, timeout=600, **kw)


def source_copy(where: Path) -> Path:
    """What an sdist or a clone holds, and nothing a previous build left (a stale build/ folder
    once carried the playbooks into a wheel whose config had lost them)."""
    src = where / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("deploytool", "playbooks"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    return src


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    src = source_copy(out)
    build = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)], cwd=out
    )
    assert build.returncode == 0, build.stderr
    (whl,) = out.glob("deploytool-*.whl")
    return whl


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with only the wheel installed: returns its `deploytool` script."""
    venv = tmp_path_factory.mktemp("venv")
    assert (
        run(
            [sys.executable, "-m", "venv", "--system-site-packages", str(venv)], cwd=venv
        ).returncode
        == 0
    )
    pip = run(
        [str(venv / "bin" / "pip"), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        cwd=venv,
    )
    assert pip.returncode == 0, pip.stderr
    return venv / "bin" / "deploytool"


def test_the_wheel_carries_the_playbooks_and_the_version(installed, tmp_path):
    where = run(
        [str(installed.parent / "python"), "-c", "import deploytool; print(deploytool.__file__)"],
        cwd=tmp_path,
    )
    assert str(installed.parent.parent) in where.stdout  # the wheel's copy, not this tree
    shutil.copy(ROOT / "inventory.example.yml", tmp_path / "inventory.yml")
    checked = run(
        [str(installed), "check-config", "production"], cwd=tmp_path, env={"DEPLOY_TOKEN": "t0ken"}
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "playbook laravel (pull -> install" in checked.stdout
    version = run([str(installed), "--version"], cwd=tmp_path)
    assert version.stdout.strip() == f"deploytool {VERSION}"


def test_a_real_ship_from_the_installed_wheel(lab, installed, tmp_path):
    lab.reset_app_state()
    inv = write_inventory(lab, tmp_path / "inventory.yml")
    shipped = Shipped(
        run([str(installed), "ship", "lab", "-i", str(inv), "--json", "--ref", "v1"], cwd=tmp_path)
    )
    assert shipped.code == 0, shipped
    assert set(current_of(lab).values()) == {shipped.release}


@pytest.mark.skipif(shutil.which("pipx") is None, reason="pipx is installed by scripts/setup")
def test_pipx_install(tmp_path):
    env = {"PIPX_HOME": str(tmp_path / "pipx"), "PIPX_BIN_DIR": str(tmp_path / "bin")}
    done = run(
        ["pipx", "install", "--system-site-packages", str(source_copy(tmp_path))],
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    version = run([str(tmp_path / "bin" / "deploytool"), "--version"], cwd=tmp_path, env=env)
    assert version.stdout.strip() == f"deploytool {VERSION}"
    shutil.copy(ROOT / "inventory.example.yml", tmp_path / "inventory.yml")
    checked = run(
        [str(tmp_path / "bin" / "deploytool"), "check-config"],
        cwd=tmp_path,
        env={**env, "DEPLOY_TOKEN": "t0ken"},
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
