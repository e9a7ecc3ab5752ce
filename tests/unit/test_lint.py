"""`ruff check` and `ruff format --check` stay clean (configuration in pyproject.toml).

LINTED is what is held to it: the whole tree (pyproject.toml excludes the lab's PHP app).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINTED = (".",)


def ruff(*args: str) -> None:
    """Run this environment's ruff over LINTED; fail with its report. No cache: the checkout stays
    as it was."""
    argv = [sys.executable, "-m", "ruff", *args, "--no-cache", *LINTED]
    r = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        pytest.fail(f"`ruff {' '.join(args)}` is not clean:\n{r.stdout}{r.stderr}", pytrace=False)


def test_ruff_check_is_clean():
    ruff("check", "--output-format", "concise")


def test_ruff_format_is_clean():
    ruff("format", "--check")
