"""Turn recordings (record.py) into case files: provenance, facts, pretend SQL, schema, labels.

    python -m tests.gate_corpus.build_cases --manifest M.json --recordings DIR [--split heldout2|3]
    python -m tests.gate_corpus.build_cases --manifest M.json --refresh-facts
    python -m tests.gate_corpus.build_cases --manifest M.json --recordings DIR --refresh-recordings
        [--whole-only]

The manifest lists every harvested file as {"repo", "path", "commit", "local"}; the local copy
(outside the repository) is read only to derive the gate's source facts, never copied. A case is
written per recorded file that migrated for real on at least one dialect; a dialect where it did
not migrate is left out (the migration does not run there). The split is fixed by a hash of
repository and path (`split_of`), so it was chosen before any rule saw the cases. Labels come
from label.py unless the case file already holds a label checked by hand or by the held-out
review (review.py), which is kept.

`--split heldout2` builds a second held-out set, harvested after the rules were tuned on the
first corpus, from repositories none of its cases come from: every case of that manifest is held
out, and its pairs get no label here. They are labelled blind (review.py --split heldout2), and
label.py is run on them only after those labels are committed, to be compared with them.
`--split heldout3` does the same for a third harvest, from repositories neither earlier set has a
case from, recorded after the second round of rules (review2.py --split heldout3).
`--split heldout4`: a fourth harvest from still other repositories, chosen and recorded before the
fourth round (tuned on heldout3) changed a rule (review2.py --split heldout4); `--split heldout5`
likewise before the fifth (tuned on heldout4), `--split heldout6` before the sixth and
`--split heldout7` before the seventh (tuned on heldout6), `--split heldout8` before the eighth,
`--split heldout9` before the ninth, `--split heldout10` before the tenth, `--split heldout11`
before the eleventh, `--split heldout12` before the twelfth, `--split heldout13` before the
thirteenth, `--split heldout14` before the fourteenth, `--split heldout15` before the fifteenth,
`--split heldout16` before the seventeenth.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

from deploytool.migrations.live_schema import LiveSchema
from deploytool.migrations.phpfacts import SourceFacts, read_facts
from deploytool.migrations.pretend import parse_pretend

from .label import label

CASES = Path(__file__).resolve().parent / "cases"
RECORDED_ON = {"mysql": "MariaDB 10.11", "pgsql": "PostgreSQL 15", "sqlite": "SQLite 3"}
_NOISE = ("Migration table created successfully.", "Nothing to migrate.")
KEPT = ("hand", "review")  # labels a person checked: never recomputed by a rebuild
# Whole harvests held out, each chosen before the round of rules it scores and labelled blind
# before label.py sees it (review/README.md has each one's record). Built without labels.
BLIND = tuple(f"heldout{n}" for n in range(2, 18))
HELDOUT2 = BLIND[0]  # the first, split into halves by repository (runner.halves)


def split_of(repo: str, path: str) -> str:
    """One quarter held out, by hash: not by anything a rule could see."""
    h = int(hashlib.sha256(f"{repo}:{path}".encode()).hexdigest()[:8], 16)
    return "heldout" if h % 4 == 0 else "train"


def case_id(repo: str, path: str) -> str:
    return f"{repo.replace('/', '+')}--{Path(path).name.removesuffix('.stub').removesuffix('.php')}"


def schema_of(rows: dict) -> LiveSchema:
    return LiveSchema.from_rows(
        rows.get("columns", ()), rows.get("unique", ()), rows.get("rows", ())
    )


def statements(pretend: str, file_name: str) -> list[str | None]:
    return [s.sql for s in parse_pretend(pretend, [file_name])]


def build(manifest: list[dict], recordings: Path, split: str | None = None) -> int:
    by_local = {e["local"]: e for e in manifest}
    written = 0
    seen: set[Path] = set()
    hand: dict[str, dict] = {}  # case id -> the dialects as the case file had them
    CASES.mkdir(exist_ok=True)
    for rec_file in sorted(recordings.glob("*/*.json")):
        rec = json.loads(rec_file.read_text())
        entry = by_local.get(rec["file"])
        if entry is None or not rec["applied"]:
            continue
        dialect = rec_file.name.split(".")[1]
        cid = case_id(entry["repo"], entry["path"])
        out = CASES / f"{cid}.json"
        case = json.loads(out.read_text()) if out.exists() and out in seen else None
        if case is None:
            old_case = json.loads(out.read_text()) if out.exists() else {"dialects": {}}
            case = {
                "id": cid,
                "source": {k: entry[k] for k in ("repo", "path", "commit")},
                "split": split or split_of(entry["repo"], entry["path"]),
                # Facts are the gate's reading of the source: recomputed on every build.
                "facts": read_facts(Path(entry["local"]).read_text(errors="replace")).to_dict(),
                "dialects": {},
            }
            hand[cid] = old_case["dialects"]
            seen.add(out)
        pretend = "\n".join(ln for ln in rec["pretend"].splitlines() if ln.strip() not in _NOISE)
        old = hand[cid].get(dialect, {})
        d = {
            "recorded_on": RECORDED_ON[dialect],
            "chain_ok": rec["chain_ok"],
            "pretend": pretend,
            "schema": rec["schema"],
        }
        if old.get("labelled_by") in KEPT:
            d.update({k: old[k] for k in ("label", "why", "labelled_by")})
        elif case["split"] in BLIND:
            pass  # labelled blind first (review.py); label.py only afterwards, to compare
        else:
            sql = [s for s in statements(pretend, Path(rec["file"]).name) if s]
            verdict, why = label(
                dialect, sql, schema_of(rec["schema"]), SourceFacts.from_dict(case["facts"])
            )
            d.update({"label": verdict, "why": why, "labelled_by": "rules"})
        case["dialects"][dialect] = d
        out.write_text(json.dumps(case, indent=1, sort_keys=False) + "\n")
        written += 1
    return written


def refresh_recordings(
    manifest: list[dict], recordings: Path, whole_only: bool = False
) -> tuple[int, int]:
    """Re-recorded chains (a recorder fix) into the pairs the case files already hold: pretend,
    schema and chain_ok replaced, labels kept. A pair that did not migrate before is not added
    (it has no label; a labelled set gains no unlabelled pair), and one that no longer migrates
    keeps its old recording. `whole_only`: only recordings on a whole chain replace one (release
    chains: where a repository's history moved its migrations, the release before a commit may
    lack what HEAD's chain has). -> (pairs updated, pairs newly migrating and left out)."""
    by_local = {e["local"]: e for e in manifest}
    updated = skipped = 0
    for rec_file in sorted(recordings.glob("*/*.json")):
        rec = json.loads(rec_file.read_text())
        entry = by_local.get(rec["file"])
        if entry is None or not rec["applied"] or (whole_only and not rec["chain_ok"]):
            continue
        dialect = rec_file.name.split(".")[1]
        out = CASES / f"{case_id(entry['repo'], entry['path'])}.json"
        case = json.loads(out.read_text()) if out.exists() else {"dialects": {}}
        if dialect not in case["dialects"]:
            skipped += 1
            continue
        pretend = "\n".join(ln for ln in rec["pretend"].splitlines() if ln.strip() not in _NOISE)
        case["dialects"][dialect].update(
            {"chain_ok": rec["chain_ok"], "pretend": pretend, "schema": rec["schema"]}
        )
        out.write_text(json.dumps(case, indent=1, sort_keys=False) + "\n")
        updated += 1
    return updated, skipped


def refresh_facts(manifest: list[dict]) -> int:
    """Recompute the facts of the case files of `manifest`'s entries from their local sources,
    labels untouched: the gate's reading of the source changed, the recordings did not. Only
    the case files the manifest names are opened."""
    n = 0
    for entry in manifest:
        out = CASES / f"{case_id(entry['repo'], entry['path'])}.json"
        if not out.exists():
            continue
        case = json.loads(out.read_text())
        case["facts"] = read_facts(Path(entry["local"]).read_text(errors="replace")).to_dict()
        out.write_text(json.dumps(case, indent=1, sort_keys=False) + "\n")
        n += 1
    return n


def set_hand_label(cid: str, dialects: list[str], verdict: str, why: str, by: str = "hand") -> None:
    assert verdict in ("safe", "unsafe") and by in KEPT, (verdict, by)
    path = CASES / f"{cid}.json"
    case = json.loads(path.read_text())
    for dialect in dialects:
        case["dialects"][dialect].update({"label": verdict, "why": why, "labelled_by": by})
    path.write_text(json.dumps(case, indent=1, sort_keys=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--manifest", type=Path)
    ap.add_argument("--recordings", type=Path)
    ap.add_argument("--split", choices=BLIND, help="every case of this manifest held out")
    ap.add_argument(
        "--hand",
        nargs=4,
        metavar=("CASE", "DIALECTS", "LABEL", "WHY"),
        help="record a label checked by hand (DIALECTS comma-separated); kept by later builds",
    )
    ap.add_argument(
        "--refresh-facts", action="store_true", help="recompute only the facts of --manifest"
    )
    ap.add_argument(
        "--refresh-recordings",
        action="store_true",
        help="re-recorded chains into the existing pairs of --manifest, labels kept",
    )
    ap.add_argument(
        "--whole-only", action="store_true", help="with --refresh-recordings: whole chains only"
    )
    args = ap.parse_args(argv)
    if args.refresh_recordings:
        updated, skipped = refresh_recordings(
            json.loads(args.manifest.read_text()), args.recordings, args.whole_only
        )
        print(f"{updated} pairs re-recorded; {skipped} newly migrating pairs left out (no label)")
        return 0
    if args.refresh_facts:
        n = refresh_facts(json.loads(args.manifest.read_text()))
        print(f"facts recomputed in {n} case files")
        return 0
    if args.hand:
        cid, dialects, verdict, why = args.hand
        set_hand_label(cid, dialects.split(","), verdict, why)
        return 0
    n = build(json.loads(args.manifest.read_text()), args.recordings, args.split)
    print(f"{n} case x dialect records written under {CASES}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
