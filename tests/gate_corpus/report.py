"""Print the gate's accuracy on the corpus: `python -m tests.gate_corpus.report [-v] [--split S]`.

Without `--split` it scores the tuned splits (runner.TUNED) only; `--split` scores one split, the
sealed ones (runner.SEALED: splits kept unseen) included, but for those only aggregate figures:
`-v` (every wrong verdict: case, dialect, mode, our label and reason, the rules that fired)
refuses them, since reading their wrong verdicts would tune the rules on a split kept unseen.
`--mode` narrows the list. Under the table: how many of ship mode's wrong verdicts are on pairs
whose recording chain broke (`chain_ok` false: an earlier migration of the repository failed in
the recorder, so the schema the gate was given may lack a table production has), an aggregate
any split may show.
"""

from __future__ import annotations

import argparse
import sys

from .runner import MODES, SEALED, SPLITS, TUNED, load_cases, outcomes, select, table, tallies


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-v", action="store_true", help="list the wrong verdicts (tuned splits only)")
    ap.add_argument("--split", choices=SPLITS)
    ap.add_argument("--mode", choices=MODES)
    args = ap.parse_args(argv)
    if args.v and args.split in SEALED:
        print(
            f"report: refusing to list the wrong verdicts of {args.split}: it is held out "
            "(aggregate figures only; drop -v)",
            file=sys.stderr,
        )
        return 2
    wanted = (args.split,) if args.split else TUNED
    cases = select(load_cases(), wanted)
    results = outcomes(cases)
    print(f"{len(cases)} cases, {len({(o.case, o.dialect) for o in results})} case x dialect pairs")
    t = tallies(results)
    print(table({k: x for k, x in t.items() if k[1] in wanted}))
    ship = [o for o in results if o.mode == "ship" and set(o.splits) & set(wanted)]
    broken = [o for o in ship if o.wrong and not o.chain_ok]
    if broken:  # aggregate only, so a sealed split may show it too
        misses = sum(o.label == "unsafe" for o in broken)
        print(
            f"\nship: {misses} of {sum(o.wrong and o.label == 'unsafe' for o in ship)} misses and "
            f"{len(broken) - misses} of {sum(o.wrong and o.label == 'safe' for o in ship)} false "
            "blocks are on pairs whose recording chain broke (an earlier migration failed there, "
            "so the recorded schema may lack what production has)"
        )
    if args.v:
        for o in results:
            # a heldout2 case counts in heldout2 and in its half: the half (last) is shown
            split = o.splits[-1]
            if o.wrong and set(o.splits) & set(wanted) and args.mode in (None, o.mode):
                verdict = "blocked" if o.blocked else "passed"
                print(
                    f"\n{o.case} [{o.dialect} {o.mode} {split}] {o.label}, {verdict} "
                    f"{list(o.rules)}"
                )
                print(f"    label: {o.why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
