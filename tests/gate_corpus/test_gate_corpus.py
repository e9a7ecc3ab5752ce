"""The corpus runner in the suite: every case well-formed, the figures computed and shown.

Only splits the rules were tuned on (runner.TUNED: train, heldout, both heldout2 halves,
heldout3 to heldout9) are scored here: the targets are asserted on train and heldout,
and the later splits, short of them, on floors that keep what the rules reach; the figures are
printed (`pytest -s`) and recorded as test properties.
heldout2, harvested later from other repositories, is held out by provenance, not the hash, and
split by repository into halves (review/heldout2_halves.json): its final half was scored once,
unseen, before the third round tuned on it (docs/gate.md). A sealed split (runner.SEALED) is never
scored here, only once by hand with `report --split S` (aggregate figures).
heldout3, a third harvest from repositories none of them has a case from, was scored once unseen
after the third round and is tuned on by the fourth; heldout4, a fourth harvest from still other
repositories, likewise after the fourth and by the fifth; heldout5 after the fifth and by the
sixth; heldout6 (scored unseen with the sixth round's rules) by the seventh; heldout7 after the
seventh and by the eighth; heldout8 after the eighth and by the ninth; heldout9 after the ninth
and by the tenth; heldout10 after the tenth and by the eleventh; heldout11 after the eleventh
and by the twelfth; heldout12 after the twelfth and by the thirteenth; heldout13 after the
thirteenth and by the fourteenth; heldout14 after the fourteenth and by the fifteenth; heldout15,
a fifteenth, is sealed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .build_cases import BLIND, HELDOUT2, split_of
from .runner import DIALECTS, SEALED, TUNED, halves, load_cases, outcomes, select, table, tallies

CASES = load_cases()
LABELS = {"safe", "unsafe"}
FIRST = [c for c in CASES if c["split"] not in BLIND]  # the first corpus: train + heldout


# The tuned splits where the targets hold (heldout2-tune joins once its rules are in).
ASSERTED = ("train", "heldout")
# heldout2's halves and heldout3 to 15, tuned but short of the targets (docs/gate.md):
# asserted not to lose what the rules reach there, as ship calls the gate. (split, dialect) ->
# (unsafe pairs blocked at least, safe pairs blocked at most).
FLOORS = {
    ("heldout2-tune", "mysql"): (37, 1),
    ("heldout2-tune", "pgsql"): (45, 0),
    ("heldout2-tune", "sqlite"): (29, 0),
    ("heldout2-final", "mysql"): (45, 3),
    ("heldout2-final", "pgsql"): (35, 0),
    ("heldout2-final", "sqlite"): (30, 4),
    # heldout3, tuned on by the fourth round (scored unseen before it: 188 of 203 blocked, 10
    # false blocks; docs/gate.md "Fourth round")
    ("heldout3", "mysql"): (72, 0),
    ("heldout3", "pgsql"): (74, 0),
    ("heldout3", "sqlite"): (49, 0),
    # heldout4, tuned on by the fifth round (scored unseen before it: 66 of 70 blocked, 10 false
    # blocks)
    ("heldout4", "mysql"): (21, 2),
    ("heldout4", "pgsql"): (31, 3),
    ("heldout4", "sqlite"): (16, 3),
    # heldout5, tuned on by the sixth round (scored unseen before it: 128 of 131 blocked, 1 false
    # block; no rule changed after that scoring)
    ("heldout5", "mysql"): (53, 1),
    ("heldout5", "pgsql"): (45, 0),
    ("heldout5", "sqlite"): (30, 0),
    # heldout6, tuned on by the seventh round (scored unseen before it: 84 of 87 blocked, 5 false
    # blocks; freek.dev re-recorded on its squashed schema since: MariaDB 31 -> 32 blocked)
    ("heldout6", "mysql"): (32, 2),
    ("heldout6", "pgsql"): (28, 2),
    ("heldout6", "sqlite"): (25, 1),
    # heldout7, tuned on by the eighth round (scored unseen before it: 96 of 99 blocked, 5 false
    # blocks; filament's demo re-recorded since with the migration it deleted: 99 of 99)
    ("heldout7", "mysql"): (39, 2),
    ("heldout7", "pgsql"): (28, 1),
    ("heldout7", "sqlite"): (32, 2),
    # heldout8, tuned on by the ninth round (scored unseen before it: 103 of 111 blocked, 10
    # false blocks, 6 after it; every wrong verdict on a broken recording chain)
    ("heldout8", "mysql"): (35, 2),
    ("heldout8", "pgsql"): (48, 2),
    ("heldout8", "sqlite"): (20, 2),
    # heldout9, tuned on by the tenth round (scored unseen before it: 101 of 108 blocked, 8 false
    # blocks; on its whole chains 57 of 57 and 2 false blocks)
    ("heldout9", "mysql"): (34, 3),
    ("heldout9", "pgsql"): (46, 2),
    ("heldout9", "sqlite"): (21, 3),
    # heldout10, tuned on by the eleventh round (scored unseen before it: 59 of 61 blocked, 4
    # false blocks; both misses, on whole chains, were one guard the gate failed to read)
    ("heldout10", "mysql"): (20, 2),
    ("heldout10", "pgsql"): (25, 2),
    ("heldout10", "sqlite"): (16, 0),
    # heldout11, tuned on by the twelfth round (scored unseen before it: 110 of 117 blocked, 2
    # false blocks; every miss a recording on a fresh install's schema, not an upgraded one's:
    # re-recorded on release chains, 117 of 117)
    ("heldout11", "mysql"): (43, 0),
    ("heldout11", "pgsql"): (45, 1),
    ("heldout11", "sqlite"): (29, 0),
    # heldout12, opened by the thirteenth round (scored unseen before it: 73 of 74 blocked, 3
    # false blocks; no rule changed: the miss is a recording without chief's vendor tables, the
    # false blocks one rename of a table only config names)
    ("heldout12", "mysql"): (31, 1),
    ("heldout12", "pgsql"): (30, 1),
    ("heldout12", "sqlite"): (12, 1),
    # heldout13, opened by the fourteenth round (scored unseen before it: 80 of 88 blocked, no
    # false block; two rules from its whole-chain misses: 82 of 88, every miss left on a broken
    # chain)
    ("heldout13", "mysql"): (35, 0),
    ("heldout13", "pgsql"): (30, 0),
    ("heldout13", "sqlite"): (17, 0),
    # heldout14, opened by the fifteenth round (scored unseen before it: 89 of 90 blocked, 7
    # false blocks; one rule: an unreadable ALTER of a table the pending set creates warns)
    ("heldout14", "mysql"): (34, 2),
    ("heldout14", "pgsql"): (31, 2),
    ("heldout14", "sqlite"): (25, 1),
    ("heldout15", "mysql"): (36, 1),
    ("heldout15", "pgsql"): (29, 0),
    ("heldout15", "sqlite"): (25, 1),
    # heldout16, opened after heldout17's manifest was committed (scored unseen before it: 73 of
    # 74 blocked, 7 false blocks, 6 of them drops the previous release's code never names)
    ("heldout16", "mysql"): (40, 4),
    ("heldout16", "pgsql"): (18, 2),
    ("heldout16", "sqlite"): (15, 1),
}


# Each later harvest's size: (cases at least, repositories at least), as it was recorded.
HARVEST_SIZES = {
    "heldout3": (150, 6),
    "heldout4": (130, 6),  # 140: packages whose migrations need their own code fail more
    "heldout5": (130, 5),
    "heldout6": (70, 5),  # the forks' own migrations only: a smaller harvest
    "heldout7": (130, 5),
    "heldout8": (100, 4),
    "heldout9": (80, 3),
    "heldout10": (60, 5),
    "heldout11": (190, 8),  # newer-Laravel apps, recorded with the recorder's bridges to them
    "heldout12": (60, 6),  # each on the release it shipped in where that chain is whole
    "heldout13": (90, 8),  # packages on the tables they extend (core-api's, SeAT's, users)
    "heldout14": (110, 6),  # TastyIgniter recorded group by group (its migrator runs so)
    "heldout15": (130, 6),  # SeAT plugins on eveapi/web/services tables; seat-inventory MySQL only
    "heldout16": (100, 4),  # uk-controller-api: 4 cases (the rest is in its schema dump)
}


@pytest.fixture(scope="module")
def results():
    return outcomes(select(CASES, TUNED))


def test_corpus_size_and_split():
    assert len(FIRST) >= 400
    held = sum(c["split"] == "heldout" for c in FIRST)
    assert 0.18 <= held / len(FIRST) <= 0.32
    repos = {c["source"]["repo"] for c in FIRST}
    assert len(repos) >= 10
    second = [c for c in CASES if c["split"] == HELDOUT2]
    assert len(second) >= 150
    assert not {c["source"]["repo"] for c in second} & repos, "heldout2: other repositories"
    half_of = halves()
    assert {c["source"]["repo"] for c in second} == set(half_of), "every repository in one half"
    assert set(half_of.values()) == {"heldout2-tune", "heldout2-final"}
    earlier = repos | {c["source"]["repo"] for c in second}
    for split in BLIND[1:]:  # each later harvest: from repositories no earlier one has a case from
        mine = [c for c in CASES if c["split"] == split]
        if not mine and split == BLIND[-1]:
            # the sealed set may be a committed manifest not yet recorded (harvested so the one
            # before it could be opened): it has no case for the rules to be tuned on
            assert (Path(__file__).parent / "review" / f"{split}_manifest.json").exists(), split
            continue
        least, repo_count = HARVEST_SIZES[split]
        assert len(mine) >= least, split
        theirs = {c["source"]["repo"] for c in mine}
        assert len(theirs) >= repo_count, split
        assert not theirs & earlier, f"{split}: other repositories"
        earlier |= theirs


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_is_well_formed(case):
    src = case["source"]
    assert re.fullmatch(r"[0-9a-f]{40}", src["commit"]) and src["repo"] and src["path"]
    if case["split"] not in BLIND:
        assert case["split"] == split_of(src["repo"], src["path"]), "the split is fixed by the hash"
    assert case["dialects"] and set(case["dialects"]) <= set(DIALECTS)
    for d in case["dialects"].values():
        assert "<?php" not in d["pretend"], "pretend SQL only, never the migration's source"
        if case["split"] in BLIND and "label" not in d:
            continue  # not labelled yet (labelled blind, review2.py)
        assert d["label"] in LABELS and d["why"].strip()
        assert d["labelled_by"] in ("rules", "hand", "review")


def test_figures(results, record_property):
    t = tallies(results)
    assert not set(SEALED) & {split for _, split, _ in t}, "a sealed split was scored"
    t = {k: x for k, x in t.items() if k[1] in TUNED}  # heldout2 here is its halves: not shown
    print("\n" + table(t))
    for (mode, split, dialect), x in t.items():
        record_property(
            f"{mode}.{split}.{dialect}", f"recall={x.recall:.3f} fb={x.false_block:.3f}"
        )
    assert all(x.pairs for x in t.values())
    # The targets, asserted where the rules were tuned, as ship and the CI mode call the
    # gate (live schema, source facts). The unseen half's figures: docs/gate.md.
    for split in ASSERTED:
        for dialect in (*DIALECTS, "all"):
            x = t[("ship", split, dialect)]
            assert x.recall >= 0.98, (split, dialect, x)
            assert x.false_block <= 0.02, (split, dialect, x)
    for (split, dialect), (blocked, false_blocks) in FLOORS.items():
        x = t[("ship", split, dialect)]
        assert x.tp >= blocked and x.fp <= false_blocks, (split, dialect, x)


def test_report_refuses_to_list_a_sealed_split(monkeypatch):
    from . import report

    # whichever split is sealed (none is since the third round; a new unseen one will be)
    monkeypatch.setattr(report, "SEALED", ("heldout2-final",))
    assert report.main(["-v", "--split", "heldout2-final"]) == 2
