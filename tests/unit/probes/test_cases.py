"""One runner for every probe's data-file cases (cases/<probe>/<name>.json; see registry.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .registry import PARSERS, to_data

CASES = sorted((Path(__file__).parent / "cases").glob("*/*.json"))


def test_every_probe_has_cases_and_every_case_a_probe():
    probes = {c.parent.name for c in CASES}
    assert probes == set(PARSERS), (
        f"no cases for {set(PARSERS) - probes}, unknown {probes - set(PARSERS)}"
    )


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_case(path: Path):
    case = json.loads(path.read_text())
    got = to_data(PARSERS[path.parent.name](case["input"]))
    assert got == case["fact"], f"{path.name}: {case.get('about', '')}"
