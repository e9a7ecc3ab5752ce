"""The wheel must carry every package and the built-in playbooks (a `pip install .` once shipped
none: every ship then failed with `no playbook named 'laravel'`). pyproject.toml lists the
packages by hand, so this test fails when a new package folder is not listed."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_folder_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "deploytool").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert listed - found == {"deploytool.playbooks"}
    assert config["package-dir"]["deploytool.playbooks"] == "playbooks"
    assert config["package-data"]["deploytool.playbooks"] == ["*.yml"]
