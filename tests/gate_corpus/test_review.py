"""The held-out review stays what it claims: blind listings, every pair reviewed, decisions applied.

review.py's listing must never carry a label (the review was written from it); heldout.json must
cover every held-out pair; the case files must hold every decision of resolved.json. The blind
sets (build_cases.BLIND) are listed without labels in their committed order, hold no label until
their blind labels are in, and the sealed one (the newest) is never scored with its wrong verdicts
shown.
"""

from __future__ import annotations

import copy
import json

import pytest

from .build_cases import BLIND
from .report import main as report_main
from .review import RESOLVED, REVIEW, order, show
from .review2 import BLIND_SETS
from .review2 import main as review2_main
from .runner import SEALED, TUNED, load_cases, select

CASES = load_cases()
# a set harvested (its manifest committed) but not yet built into cases has no listing or order
BUILT = tuple(split for split in BLIND if any(c["split"] == split for c in CASES))


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


# The blind sets (heldout2 to 10): listed without labels, in the committed order, and sealed.
BLIND_ORDERS = {split: f"order{split.removeprefix('heldout')}.txt" for split in BLIND}


@pytest.mark.parametrize("split", BUILT)
def test_blind_listing_never_shows_a_label_or_its_reason(split):
    todo = order(CASES, split, BLIND_SETS[split][0])
    assert todo, split
    for case in todo:
        marked = copy.deepcopy(case)
        for dialect, d in marked["dialects"].items():
            d.update({k: f"<{k} of {dialect}: hidden>" for k in ("label", "why", "labelled_by")})
        assert "hidden>" not in show(marked)


@pytest.mark.parametrize("split", BUILT)
def test_blind_order_is_the_committed_one(split, capsys):
    assert review2_main(["--split", split, "--order"]) == 0
    committed = (REVIEW.parent / BLIND_ORDERS[split]).read_text()
    assert capsys.readouterr().out == committed


@pytest.mark.parametrize("split", BLIND[1:])
def test_a_blind_set_holds_no_label_before_its_blind_labels(split):
    """No label of any kind is in a blind set's case file until its blind labels are committed
    and applied (review2.py --split S --apply, which writes `labelled_by: review` only)."""
    labels = BLIND_SETS[split][1]
    for case in CASES:
        if case["split"] != split:
            continue
        for d in case["dialects"].values():
            if labels.exists():
                assert d.get("labelled_by", "review") == "review", case["id"]
            else:
                assert not {"label", "why", "labelled_by"} & set(d), case["id"]


def test_the_newest_harvest_is_sealed():
    newest, before = BLIND[-1], BLIND[-2]
    assert SEALED == (newest,) and newest not in TUNED and before in TUNED
    assert not [c for c in select(CASES, TUNED) if c["split"] == newest]
    assert report_main(["-v", "--split", newest]) == 2


def test_only_the_sealed_set_may_wait_for_its_cases():
    """A harvest is committed before the previous set is opened, and built when it is labelled:
    only the newest (sealed) set may have no cases yet."""
    assert BUILT in (BLIND, BLIND[:-1]), BUILT
