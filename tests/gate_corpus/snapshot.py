"""Before/after snapshots of every tuned pair's verdict, and the facts recomputed from the mirrors.

    python -m tests.gate_corpus.snapshot save OUT.json       # every tuned pair's verdict, now
    python -m tests.gate_corpus.snapshot diff A.json B.json  # the pairs a change moved
    python -m tests.gate_corpus.snapshot facts [--write]     # every case's facts from its source

A rule change is shown by what it moves: save a snapshot before, change, save after, diff. Only
the tuned splits (runner.TUNED) are snapshot, so a diff never shows a sealed split's verdicts.
A change to how the source is read moves nothing until the cases' facts are recomputed; `facts`
reads every case's migration at its commit from the fetched repositories (/work/.mirror, the
harvests' local copies do not outlive the machine they were made on), lists the cases whose
facts would change, and with `--write` stores them (labels untouched).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .build_cases import CASES, read_facts
from .harvest import MIRRORS


def verdicts(results) -> dict[str, list]:
    """`case dialect mode` -> [label, blocked, blocking rules] for runner.Outcome results."""
    return {f"{o.case} {o.dialect} {o.mode}": [o.label, o.blocked, list(o.rules)] for o in results}


def moved(before: dict[str, list], after: dict[str, list]) -> list[tuple[str, object, object]]:
    """The pairs whose verdict or blocking rules differ, with both sides (None: absent)."""
    return [
        (k, before.get(k), after.get(k))
        for k in sorted(before.keys() | after.keys())
        if before.get(k) != after.get(k)
    ]


def source_of(case: dict, mirrors: Path = MIRRORS) -> str | None:
    """The migration's text at its commit, from the fetched repository; None if not fetched."""
    s = case["source"]
    git = mirrors / s["repo"].replace("/", "+") / "repo"
    r = subprocess.run(
        ["git", "--git-dir", str(git), "show", f"{s['commit']}:{s['path']}"], capture_output=True
    )
    return r.stdout.decode(errors="replace") if r.returncode == 0 else None


def refreshed_facts(
    root: Path = CASES, mirrors: Path = MIRRORS, write: bool = False
) -> tuple[list[str], list[str]]:
    """(cases whose facts change, cases whose source is not fetched)."""
    changed, missing = [], []
    for path in sorted(root.glob("*.json")):
        case = json.loads(path.read_text())
        src = source_of(case, mirrors)
        if src is None:
            missing.append(case["id"])
            continue
        facts = json.loads(json.dumps(read_facts(src).to_dict()))
        # a key added to the facts since the case was built: a list reads as empty, anything
        # else as unchanged
        old = {k: case["facts"].get(k, [] if isinstance(v, list) else v) for k, v in facts.items()}
        if facts != old:
            changed.append(case["id"])
            if write:
                case["facts"] = facts
                path.write_text(json.dumps(case, indent=1, sort_keys=False) + "\n")
    return changed, missing


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["save"] and len(args) == 2:
        from .runner import TUNED, load_cases, outcomes, select

        snap = verdicts(outcomes(select(load_cases(), TUNED)))
        Path(args[1]).write_text(json.dumps(snap))
        print(f"{len(snap)} pairs")
        return 0
    if args[:1] == ["diff"] and len(args) == 3:
        a, b = (json.loads(Path(p).read_text()) for p in args[1:])
        rows = moved(a, b)
        for k, x, y in rows:
            print(k, x, "->", y)
        print(f"{len(rows)} moved of {len(a)}")
        return 0
    if args[:1] == ["facts"] and set(args[1:]) <= {"--write"}:
        changed, missing = refreshed_facts(write="--write" in args)
        for cid in changed:
            print("changed", cid)
        for cid in missing:
            print("not fetched", cid)
        print(f"{len(changed)} changed, {len(missing)} not fetched")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
