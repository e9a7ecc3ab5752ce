"""`ruff check` and `ruff format --check` stay clean (configuration in pyproject.toml).

LINTED is the one list of what is held to it: widen it as the rest of the tree is cleaned, until
it is just ".". `python3 -m invoke lint` already runs ruff over the whole tree.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINTED = (
    "tests",
    "benchmarks",
    "scripts",
    "tasks.py",
    "deploytool/migrations",
    "deploytool/probes",
    "deploytool/doctor",
)


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
