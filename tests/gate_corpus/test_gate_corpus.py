"""The corpus runner in the suite: every case well-formed, the figures computed and shown.

Targets are asserted on the training part only (the rules were tuned on it); the held-out
figures are printed (`pytest -s`) and recorded as test properties, and docs/gate.md keeps them.
heldout2, harvested later from other repositories, is held out whole: its split is its
provenance, not the hash.
"""

from __future__ import annotations

import re

import pytest

from .build_cases import HELDOUT2, split_of
from .runner import DIALECTS, load_cases, outcomes, table, tallies

CASES = load_cases()
LABELS = {"safe", "unsafe"}
FIRST = [c for c in CASES if c["split"] != HELDOUT2]  # the first corpus: train + heldout


@pytest.fixture(scope="module")
def results():
    return outcomes(CASES)


def test_corpus_size_and_split():
    assert len(FIRST) >= 400
    held = sum(c["split"] == "heldout" for c in FIRST)
    assert 0.18 <= held / len(FIRST) <= 0.32
    repos = {c["source"]["repo"] for c in FIRST}
    assert len(repos) >= 10
    second = [c for c in CASES if c["split"] == HELDOUT2]
    assert len(second) >= 150
    assert not {c["source"]["repo"] for c in second} & repos, "heldout2: other repositories"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_is_well_formed(case):
    src = case["source"]
    assert re.fullmatch(r"[0-9a-f]{40}", src["commit"]) and src["repo"] and src["path"]
    if case["split"] != HELDOUT2:
        assert case["split"] == split_of(src["repo"], src["path"]), "the split is fixed by the hash"
    assert case["dialects"] and set(case["dialects"]) <= set(DIALECTS)
    for d in case["dialects"].values():
        assert "<?php" not in d["pretend"], "pretend SQL only, never the migration's source"
        if case["split"] == HELDOUT2 and "label" not in d:
            continue  # not labelled yet (labelled blind, review2.py)
        assert d["label"] in LABELS and d["why"].strip()
        assert d["labelled_by"] in ("rules", "hand", "review")


def test_figures(results, record_property):
    t = tallies(results)
    print("\n" + table(t))
    for (mode, split, dialect), x in t.items():
        record_property(
            f"{mode}.{split}.{dialect}", f"recall={x.recall:.3f} fb={x.false_block:.3f}"
        )
    assert all(x.pairs for x in t.values())
    # The targets, asserted where the rules were tuned: the training part, as ship and
    # the CI mode call the gate (live schema, source facts). Held-out figures: docs/gate.md.
    for dialect in (*DIALECTS, "all"):
        x = t[("ship", "train", dialect)]
        assert x.recall >= 0.98, (dialect, x)
        assert x.false_block <= 0.02, (dialect, x)
