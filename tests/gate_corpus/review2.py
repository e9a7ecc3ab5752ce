"""The blind held-out sets (heldout2, 3 and 4): labelled blind, then compared with label.py.

    python -m tests.gate_corpus.review2 [--split S] --order             # the seeded labelling order
    python -m tests.gate_corpus.review2 [--split S] --from K --count N  # cases K..K+N-1, blind
    python -m tests.gate_corpus.review2 [--split S] --compare  # once review/S.json is in git
    python -m tests.gate_corpus.review2 [--split S] --apply    # the final labels into the cases

S is heldout2 (the default), heldout3, 4, 5 or 6; each has its own seed, blind labels and
decisions (`BLIND_SETS`), and its order is committed (review/order2.txt, order3.txt,
order4.txt, order5.txt, order6.txt) before any pair of it is looked at.

heldout2 was harvested after the rules were tuned, from repositories the first corpus has no case
from, and built without labels (build_cases --split heldout2). Each pair is labelled from
review.py's listing (source, facts, pretend SQL, recorded schema rows; never a label, and the gate
is not run) and, where pretend cannot show what runs, from the migration's source; the labels and
one-line reasons (review/heldout2.json) are committed before label.py or the gate sees a pair.
`--compare` then runs label.py, the first pass written from the engines' behaviour, beside them;
each disagreement is decided again from the engines' documented behaviour, never from a gate
verdict (review/resolved2.json). `--apply` writes heldout2.json, with those decisions, into the
case files (`labelled_by: review`). heldout3, a third harvest from repositories neither earlier
set has a case from, recorded after the second round of rules, goes the same way
(review/heldout3.json, then resolved_heldout3.json); heldout4, a fourth, chosen and recorded
before the fourth round of rules, likewise (review/heldout4.json, resolved_heldout4.json), and
heldout5 before the fifth, heldout6 before the sixth, heldout7 before the seventh, heldout8
before the eighth, heldout9 before the ninth, heldout10 before the tenth, heldout11 before the
eleventh, heldout12 before the twelfth, heldout13 before the thirteenth, heldout14 before
the fourteenth, heldout15 before the fifteenth and heldout16 before the seventeenth.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from deploytool.migrations.phpfacts import SourceFacts

from .build_cases import (
    BLIND,
    HELDOUT2,
    schema_of,
    set_hand_label,
    statements,
)
from .label import label
from .review import order, show
from .runner import file_name, load_cases

REVIEW = Path(__file__).resolve().parent / "review"
# split -> (seed of its labelling order, its blind labels, the decisions where label.py differs)
BLIND_SETS = {
    split: (
        f"gate-{split}-13",
        REVIEW / f"{split}.json",
        REVIEW / ("resolved2.json" if split == HELDOUT2 else f"resolved_{split}.json"),
    )
    for split in BLIND
}


def first_pass(case: dict, dialect: str) -> tuple[str, str]:
    """label.py's label of one pair, computed (heldout2's case files hold none of it)."""
    d = case["dialects"][dialect]
    sql = [s for s in statements(d["pretend"], file_name(case)) if s]
    return label(dialect, sql, schema_of(d["schema"]), SourceFacts.from_dict(case["facts"]))


def compare(cases: list[dict], split: str = HELDOUT2) -> int:
    by_id = {c["id"]: c for c in cases}
    agree: Counter = Counter()
    total: Counter = Counter()
    for r in json.loads(BLIND_SETS[split][1].read_text()):
        verdict, why = first_pass(by_id[r["case"]], r["dialect"])
        total[r["dialect"]] += 1
        if verdict == r["label"]:
            agree[r["dialect"]] += 1
            continue
        print(f"\n{r['case']} [{r['dialect']}] label.py {verdict}, blind {r['label']}")
        print(f"    label.py: {why}")
        print(f"    blind:    {r['reason']}")
    print()
    for dialect in sorted(total):
        print(f"{dialect}: {agree[dialect]}/{total[dialect]} agree")
    print(f"all: {sum(agree.values())}/{sum(total.values())} agree")
    return 0


def final_labels(split: str = HELDOUT2) -> dict[tuple[str, str], tuple[str, str]]:
    """(case, dialect) -> (label, why): the blind label, or the decision where they disagreed."""
    _, labels, resolved = BLIND_SETS[split]
    out = {
        (r["case"], r["dialect"]): (r["label"], r["reason"]) for r in json.loads(labels.read_text())
    }
    if resolved.exists():
        for r in json.loads(resolved.read_text()):
            out[(r["case"], r["dialect"])] = (r["final"], r["why"])
    return out


def apply(split: str = HELDOUT2) -> int:
    n = 0
    for (cid, dialect), (verdict, why) in sorted(final_labels(split).items()):
        set_hand_label(cid, [dialect], verdict, why, "review")
        n += 1
    print(f"{n} {split} labels written")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", choices=BLIND, default=HELDOUT2)
    ap.add_argument("--order", action="store_true", help="print the labelling order")
    ap.add_argument("--from", dest="start", type=int, default=0)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--compare", action="store_true")
    ap.add_argument("--apply", action="store_true")
    args = ap.parse_args(argv)
    cases = load_cases()
    if args.compare:
        return compare(cases, args.split)
    if args.apply:
        return apply(args.split)
    todo = order(cases, args.split, BLIND_SETS[args.split][0])
    if args.order:
        for k, c in enumerate(todo):
            print(k, c["id"], ",".join(c["dialects"]))
        return 0
    for c in todo[args.start : args.start + (args.count or len(todo))]:
        print(show(c) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
