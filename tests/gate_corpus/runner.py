"""Score the gate on the corpus: recall and false-block per mode, split and dialect.

Each case file (cases/*.json) holds, per dialect, the SQL Laravel 8's `migrate --pretend` printed
for a real migration against a real database with the schema that migration expects, that
database's catalog rows for the tables it names, and our label. No database is needed here.

Two modes, the two ways the gate is called:
* `offline`: `check-migrations --sql FILE --dialect D` on the pretend SQL: no schema, no source;
* `ship`: as ship and the CI mode call it: the live schema and the facts of the PHP source.

recall = unsafe pairs blocked / unsafe pairs; false-block = safe pairs blocked / safe pairs.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from deploytool.migrations.check import check
from deploytool.migrations.phpfacts import SourceFacts
from deploytool.migrations.policy import MigrationPolicy
from deploytool.migrations.pretend import migrations_from_pretend
from deploytool.migrations.report import PendingMigration, Report
from deploytool.migrations.running_code import RunningCode

from .build_cases import BLIND, schema_of

CASES = Path(__file__).resolve().parent / "cases"
MODES = ("offline", "ship")
DIALECTS = ("mysql", "pgsql", "sqlite")
HALVES = Path(__file__).resolve().parent / "review" / "heldout2_halves.json"
# train and heldout (the first corpus's held-out quarter, spent by its review) are where the rules
# were tuned; heldout2 was harvested and labelled blind before any rule saw it, then split by
# repository (review/heldout2_halves.json, fixed before any of its wrong verdicts was seen) into a
# half the second round of rules was tuned on and a half scored once, unseen, after it; the third
# round tunes on that final half too (its single scoring is in docs/gate.md). A heldout2 case keeps
# `split: heldout2` in its file and counts in heldout2 and in its half. heldout3, a third harvest
# from other repositories recorded after the second round, was scored once unseen after the third
# round (docs/gate.md) and is what the fourth round tunes on; heldout4, chosen and recorded before
# the fourth round changed a rule, was scored once unseen after it and is what the fifth tunes
# on; heldout5 likewise for the sixth. heldout6, a sixth harvest chosen before the sixth round
# and scored once unseen after it (with heldout5's rules: no rule changed between), is what the
# seventh round tunes on; heldout7, chosen before it and scored once unseen after it, is what the
# eighth tunes on; heldout8 likewise for the ninth, heldout9 for the tenth, heldout10 for the
# eleventh, heldout11 for the twelfth, heldout12 for the thirteenth, heldout13 for the
# fourteenth, heldout14 for the fifteenth and sixteenth, heldout15 for the seventeenth. heldout16,
# chosen before heldout15 was labelled, is unseen as a whole: no rule is tuned on it, the suite
# never scores it, and only `report --split heldout16` gives its figures.
SPLITS = ("train", "heldout", "heldout2-tune", "heldout2-final", *BLIND)
# Only aggregate figures of these: listing their wrong verdicts would tune on an unseen split.
# The newest harvest stays sealed until the next one is chosen and committed.
SEALED: tuple[str, ...] = (BLIND[-1],)
# Everything scored in the suite: all but the sealed split, and heldout2 by its halves.
TUNED = tuple(s for s in SPLITS if s not in SEALED and s != "heldout2")


def halves(path: Path = HALVES) -> dict[str, str]:
    """Source repository -> its heldout2 half ("heldout2-tune" or "heldout2-final")."""
    doc = json.loads(path.read_text())
    return {repo: f"heldout2-{half}" for half in ("tune", "final") for repo in doc[half]}


def splits_of(case: dict, half_of: dict[str, str]) -> tuple[str, ...]:
    """Every split a case counts in: its own, and for heldout2 its half by source repository."""
    if case["split"] != "heldout2":
        return (case["split"],)
    return ("heldout2", half_of[case["source"]["repo"]])


def select(cases: list[dict], wanted: tuple[str, ...]) -> list[dict]:
    """The cases counting in any of the wanted splits (so a sealed half is not even judged)."""
    half_of = halves()
    return [c for c in cases if set(splits_of(c, half_of)) & set(wanted)]


def load_cases(root: Path = CASES) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(root.glob("*.json"))]


def file_name(case: dict) -> str:
    return Path(case["source"]["path"]).name.removesuffix(".stub")


def pending(case: dict, dialect: str, mode: str) -> list[PendingMigration]:
    d = case["dialects"][dialect]
    found = migrations_from_pretend(d["pretend"], [file_name(case)])
    facts = SourceFacts.from_dict(case["facts"]) if mode == "ship" else None
    return [
        PendingMigration(m.name, m.file, m.statements, None, m.notes, facts=facts) for m in found
    ]


def running_of(case: dict) -> RunningCode | None:
    """The search of the code that ran before the migration (running_facts.py), as ship makes
    it on the migration host's `current`; None where it is not known."""
    found = case["facts"].get("running_code")
    if not found:
        return None
    where = f"the code at {found['at'][:10]}"
    return RunningCode(frozenset(found["searched"]), frozenset(found["found"]), where)


def judge(case: dict, dialect: str, mode: str) -> Report:
    ship = mode == "ship"
    schema = schema_of(case["dialects"][dialect]["schema"]) if ship else None
    running = running_of(case) if ship else None
    return check(pending(case, dialect, mode), dialect, MigrationPolicy(), schema, running)


@dataclass
class Tally:
    tp: int = 0  # unsafe, blocked
    fn: int = 0  # unsafe, passed
    fp: int = 0  # safe, blocked
    tn: int = 0  # safe, passed

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def false_block(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0

    @property
    def pairs(self) -> int:
        return self.tp + self.fn + self.fp + self.tn


@dataclass(frozen=True)
class Outcome:
    case: str
    dialect: str
    splits: tuple[str, ...]
    mode: str
    label: str
    blocked: bool
    why: str
    rules: tuple[str, ...]
    # the recording's chain migrated every earlier file: its schema is the one the migration
    # expects (false: some table or column may be missing, which production has)
    chain_ok: bool = True

    @property
    def wrong(self) -> bool:
        return (self.label == "unsafe") != self.blocked


def outcomes(cases: list[dict], modes=MODES) -> list[Outcome]:
    half_of = halves()
    out = []
    for case in cases:
        for dialect, d in case["dialects"].items():
            if "label" not in d:
                continue  # a blind split's pair not labelled yet: nothing to score it against
            for mode in modes:
                report = judge(case, dialect, mode)
                rules = tuple(
                    f.rule for f in report.findings if f.severity == "block" and not f.allowed
                )
                out.append(
                    Outcome(
                        case["id"],
                        dialect,
                        splits_of(case, half_of),
                        mode,
                        d["label"],
                        report.blocked,
                        d["why"],
                        rules,
                        bool(d.get("chain_ok", True)),
                    )
                )
    return out


def tallies(results: list[Outcome]) -> dict[tuple[str, str, str], Tally]:
    """(mode, split, dialect|'all') -> Tally."""
    t: dict[tuple[str, str, str], Tally] = defaultdict(Tally)
    for o in results:
        for split in o.splits:
            for dialect in (o.dialect, "all"):
                x = t[(o.mode, split, dialect)]
                if o.label == "unsafe":
                    x.tp += o.blocked
                    x.fn += not o.blocked
                else:
                    x.fp += o.blocked
                    x.tn += not o.blocked
    return dict(t)


def table(t: dict[tuple[str, str, str], Tally]) -> str:
    lines = [
        "| mode | split | dialect | pairs | unsafe | recall | false-block |",
        "|---|---|---|---|---|---|---|",
    ]
    for mode in MODES:
        for split in SPLITS:
            for dialect in (*DIALECTS, "all"):
                x = t.get((mode, split, dialect))
                if x is None:
                    continue
                lines.append(
                    f"| {mode} | {split} | {dialect} | {x.pairs} | {x.tp + x.fn} | "
                    f"{x.recall:.1%} ({x.tp}/{x.tp + x.fn}) | {x.false_block:.1%} "
                    f"({x.fp}/{x.fp + x.tn}) |"
                )
    return "\n".join(lines)
