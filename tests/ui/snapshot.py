"""Snapshot files: the first run writes them, later runs compare; DEPLOYTOOL_UPDATE_SNAPSHOTS=1
rewrites them after a reviewed change."""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent / "snapshots"


def snapshot(name: str, text: str, directory: Path = HERE) -> None:
    path = directory / name
    if os.environ.get("DEPLOYTOOL_UPDATE_SNAPSHOTS") or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="") as f:  # byte for byte: GitLab's markers hold a \r
            f.write(text)
    with open(path, newline="") as f:
        assert text == f.read(), (
            f"{path} differs; DEPLOYTOOL_UPDATE_SNAPSHOTS=1 rewrites it after review"
        )
