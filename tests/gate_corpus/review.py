"""A blind review of the held-out labels: print each held-out case x dialect without its label.

    python -m tests.gate_corpus.review --order            # the seeded review order (case ids)
    python -m tests.gate_corpus.review --from K --count N # cases K..K+N-1 of that order, shown
    python -m tests.gate_corpus.review --compare          # after review/heldout.json is written
    python -m tests.gate_corpus.review --apply            # review/resolved.json into the cases

What a reviewer sees per pair: the source (repository, path), the facts the gate reads from the
PHP, the SQL `migrate --pretend` printed, and the recorded schema rows (columns, unique keys, row
counts) for the tables that SQL names. Never the case's `label`, `why` or `labelled_by`, and the
gate is not run: a reviewer writes their own label first (review/heldout.json), and only then
`--compare` sets the two side by side. Each disagreement, decided again from the engines'
documented behaviour, is in review/resolved.json; `--apply` writes the decisions whose label
differs from the case's into the case files (`labelled_by: review`, kept by later rebuilds).

The order is a seeded hash of the case id (SEED), fixed before any pair was looked at, so that
any prefix of it is a random sample of held-out cases (every dialect of a case is reviewed
together: one migration, three engines).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path

from .build_cases import set_hand_label
from .runner import load_cases

SEED = "gate-labels-review-13"
REVIEW = Path(__file__).resolve().parent / "review" / "heldout.json"
RESOLVED = REVIEW.with_name("resolved.json")
_HIDDEN = ("label", "why", "labelled_by")


def order(cases: list[dict], split: str = "heldout", seed: str = SEED) -> list[dict]:
    held = [c for c in cases if c["split"] == split]
    return sorted(held, key=lambda c: hashlib.sha256(f"{seed}:{c['id']}".encode()).hexdigest())


def _named(sql: str, table: str) -> bool:
    return re.search(rf'[`"\s(.]{re.escape(table)}[`"\s(.]', f" {sql} ") is not None


def schema_text(schema: dict, sql: str) -> list[str]:
    """The schema rows of the tables the SQL names: size and unique keys, then the columns the SQL
    names (the others are counted, not shown)."""
    rows = {t: n for t, n in schema.get("rows", ())}
    keys: dict[str, list[str]] = {}
    for t, _name, cols in schema.get("unique", ()):
        keys.setdefault(t, []).append(f"({cols})")
    cols: dict[str, list[str]] = {}
    for t, c, ty, nl, *rest in schema.get("columns", ()):
        default = rest[2] if len(rest) > 2 else None
        has = rest[1] if len(rest) > 1 else None
        d = f" default={default}" if has == "YES" or default not in (None, "NULL") else ""
        cols.setdefault(t, []).append(f"{c} {ty}{'' if nl == 'YES' else ' NOT NULL'}{d}")
    tables = sorted(set(rows) | set(cols))
    out = []
    for t in tables:
        if t == "migrations" or not _named(sql, t):
            continue
        out.append(f"    {t}: rows={rows.get(t, '?')} unique={' '.join(keys.get(t, [])) or '-'}")
        named = [c for c in cols.get(t, []) if _named(sql, c.split()[0])]
        rest = len(cols.get(t, [])) - len(named)
        shown = named + ([f"(+{rest} more columns the SQL does not name)"] if rest else [])
        out.append("      " + "; ".join(shown or ["(no columns: not in the database)"]))
    others = [t for t in tables if t != "migrations" and not _named(sql, t)]
    if others:
        out.append(f"    (other tables recorded: {', '.join(others)})")
    return out


def _cut(line: str, width: int = 400) -> str:
    """A Doctrine rebuild prints every column twice over: its start says what it is."""
    return line if len(line) <= width else f"{line[:width]} … (+{len(line) - width} chars)"


def show(case: dict) -> str:
    src = case["source"]
    facts = {k: v for k, v in case["facts"].items() if v}
    lines = [f"=== {case['id']}", f"  source: {src['repo']} {src['path']}", f"  facts: {facts}"]
    for dialect, d in case["dialects"].items():
        seen = {k: v for k, v in d.items() if k not in _HIDDEN}
        sql = seen["pretend"]
        lines.append(f"  --- {dialect} (chain_ok={seen['chain_ok']})")
        body = re.sub(r"^\w+: ", "", sql, flags=re.M) if sql.strip() else "(pretend: nothing)"
        lines += ["    | " + _cut(ln) for ln in body.splitlines()]
        lines += schema_text(seen["schema"], sql)
    return "\n".join(lines)


def compare(cases: list[dict]) -> int:
    mine = {(r["case"], r["dialect"]): r for r in json.loads(REVIEW.read_text())}
    by_id = {c["id"]: c for c in cases}
    agree: Counter = Counter()
    total: Counter = Counter()
    for (cid, dialect), r in sorted(mine.items()):
        d = by_id[cid]["dialects"][dialect]
        total[dialect] += 1
        if d["label"] == r["label"]:
            agree[dialect] += 1
            continue
        was = f"{d['label']} ({d['labelled_by']})"
        print(f"\n{cid} [{dialect}] existing {was}, review {r['label']}")
        print(f"    existing: {d['why']}")
        print(f"    review:   {r['reason']}")
    print()
    for dialect in sorted(total):
        print(f"{dialect}: {agree[dialect]}/{total[dialect]} agree")
    print(f"all: {sum(agree.values())}/{sum(total.values())} agree")
    return 0


def apply(cases: list[dict]) -> int:
    by_id = {c["id"]: c for c in cases}
    changed = 0
    for r in json.loads(RESOLVED.read_text()):
        if by_id[r["case"]]["dialects"][r["dialect"]]["label"] != r["final"]:
            set_hand_label(r["case"], [r["dialect"]], r["final"], f"review: {r['why']}", "review")
            changed += 1
    print(f"{changed} labels changed")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--order", action="store_true", help="print the review order")
    ap.add_argument("--from", dest="start", type=int, default=0)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--compare", action="store_true")
    ap.add_argument("--apply", action="store_true", help="write review/resolved.json's labels")
    args = ap.parse_args(argv)
    cases = load_cases()
    if args.compare:
        return compare(cases)
    if args.apply:
        return apply(cases)
    todo = order(cases)
    if args.order:
        for k, c in enumerate(todo):
            print(k, c["id"], ",".join(c["dialects"]))
        return 0
    for c in todo[args.start : args.start + (args.count or len(todo))]:
        print(show(c) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
