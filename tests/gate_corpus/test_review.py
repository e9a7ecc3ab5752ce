"""The held-out review stays what it claims: blind listings, every pair reviewed, decisions applied.

review.py's listing must never carry a label (the review was written from it); heldout.json must
cover every held-out pair; the case files must hold every decision of resolved.json.
"""

from __future__ import annotations

import copy
import json

from .review import RESOLVED, REVIEW, order, show
from .runner import load_cases

CASES = load_cases()


def test_listing_never_shows_a_label_or_its_reason():
    for case in order(CASES):
        marked = copy.deepcopy(case)
        for dialect, d in marked["dialects"].items():
            d.update({k: f"<{k} of {dialect}: hidden>" for k in ("label", "why", "labelled_by")})
        assert "hidden>" not in show(marked)


def test_every_held_out_pair_was_reviewed():
    reviewed = {(r["case"], r["dialect"]) for r in json.loads(REVIEW.read_text())}
    held = {(c["id"], d) for c in CASES if c["split"] == "heldout" for d in c["dialects"]}
    assert reviewed == held
    assert all(
        r["label"] in ("safe", "unsafe") and r["reason"] for r in json.loads(REVIEW.read_text())
    )


def test_case_files_hold_the_review_decisions():
    by_id = {c["id"]: c for c in CASES}
    for r in json.loads(RESOLVED.read_text()):
        d = by_id[r["case"]]["dialects"][r["dialect"]]
        assert d["label"] == r["final"], (r["case"], r["dialect"])
        if r["existing"] != r["final"]:
            assert d["labelled_by"] == "review" and r["why"] in d["why"]
