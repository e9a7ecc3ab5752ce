"""Print the gate's accuracy on the corpus: `python -m tests.gate_corpus.report [-v] [--split S]`.

`-v` lists every wrong verdict (case, dialect, mode, our label and reason, the rules that fired);
`--mode` and `--split` narrow the list. Tuning looks at `--split train` only.
"""

from __future__ import annotations

import argparse
import sys

from .runner import MODES, SPLITS, load_cases, outcomes, table, tallies


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-v", action="store_true", help="list the wrong verdicts")
    ap.add_argument("--split", choices=SPLITS)
    ap.add_argument("--mode", choices=MODES)
    args = ap.parse_args(argv)
    cases = load_cases()
    results = outcomes(cases)
    print(f"{len(cases)} cases, {len({(o.case, o.dialect) for o in results})} case x dialect pairs")
    print(table(tallies(results)))
    if args.v:
        for o in results:
            if o.wrong and (args.split in (None, o.split)) and (args.mode in (None, o.mode)):
                verdict = "blocked" if o.blocked else "passed"
                print(
                    f"\n{o.case} [{o.dialect} {o.mode} {o.split}] {o.label}, {verdict} "
                    f"{list(o.rules)}"
                )
                print(f"    label: {o.why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
