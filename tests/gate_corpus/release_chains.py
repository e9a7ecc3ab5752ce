"""Recording chains that put each harvested migration on the schema of the release it shipped in.

    python -m tests.gate_corpus.release_chains HARVEST_DIR

A chain of a repository's migrations at HEAD (harvest) builds the schema a fresh install has.
A deploy meets another one: the database an upgrade built, file by file as each was when it
ran. They differ where an earlier migration was edited afterwards (goodwork added `hash` to its
create_files_table in the commit that added `if (!Schema::hasColumn('files', 'hash'))` to
add it: a fresh install has the column, every upgraded one does not, and only the latter runs
the add). So for every commit C that added a manifest entry, one chain: the repository's
migrations at C^ (the release running when C deployed), each as it was at C^, then the files C
added, in name order, as Laravel runs pending ones; the manifest's entries among them recorded
(their HEAD copies, so build_cases maps them to their cases). The header lines (#app, #ns,
#psr4, #config) are the HEAD chain's; a schema dump (#schema) only where the repository had one
at C^.

HARVEST_DIR holds manifest.json, chains/OWNER+REPO.txt (the HEAD chains) and gets
prechains/OWNER+REPO@COMMIT.txt plus the files at C^ under pre/COMMIT/; the repositories are
read from their fetched git directories (/work/.mirror/OWNER+REPO/repo). Nothing here is fetched
code: it writes files out of git and lists them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

MIRRORS = Path("/work/.mirror")
DUMP = "database/schema/mysql-schema.dump"


def _git(gd: Path, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(gd), *args], capture_output=True).stdout


def _has(gd: Path, spec: str) -> bool:
    cmd = ["git", "--git-dir", str(gd), "cat-file", "-e", spec]
    return subprocess.run(cmd, capture_output=True).returncode == 0


def _php_in(gd: Path, rev: str, folder: str) -> list[str]:
    rows = _git(gd, "ls-tree", rev, folder + "/").decode().split("\n")
    return [r.split("\t")[1] for r in rows if "\t" in r and r.endswith(".php")]


def release_chain(
    gd: Path,
    commit: str,
    folders,
    header,
    wanted: dict[str, str],
    base: Path,
    extra=(),
    grouped: bool = False,
):
    """The chain's lines for the release `commit`: `wanted` maps a repository path to the local
    copy to record; every other file is written under `base` as it was at its revision. `extra`:
    the HEAD chain's lines for files from outside the repository (another repository's
    migrations run first, a stock users table), run with the parent release's files in name
    order, those that sort before the commit's first new file only. `grouped`: the app runs its
    folders one after another, in the order `folders` lists them (TastyIgniter's system, then
    admin), and by name within one."""

    def run_order(p: str) -> tuple[int, str]:
        return (folders.index(str(Path(p).parent)) if grouped else 0), Path(p).name

    parent = commit + "^" if _has(gd, commit + "^") else None
    old = {p for f in folders for p in (_php_in(gd, parent, f) if parent else [])}
    new = {p for f in folders for p in _php_in(gd, commit, f)} - old
    lines = list(header)
    if parent and _has(gd, f"{parent}:{DUMP}"):
        dump = base / DUMP
        dump.parent.mkdir(parents=True, exist_ok=True)
        dump.write_bytes(_git(gd, "show", f"{parent}:{DUMP}"))
        lines.append(f"#schema={dump}")
    # an upgraded database ran every file of the parent release before this one deployed; the
    # new files then run in name order
    order = sorted(old, key=run_order) + sorted(new, key=run_order)
    body = []
    first_new = min((Path(p).name for p in new), default=None)
    outside = sorted(
        (ln for ln in extra if first_new is None or Path(ln.lstrip("+?")).name < first_new),
        key=lambda ln: Path(ln.lstrip("+?")).name,
    )
    for p in order:
        while outside and p in old and Path(outside[0].lstrip("+?")).name <= Path(p).name:
            body.append(outside.pop(0))
        if p not in old:
            body += outside
            outside = []
        if p in wanted:
            body.append("+" + wanted[p])
            continue
        copy = base / p
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(_git(gd, "show", f"{parent if p in old else commit}:{p}"))
        body.append(str(copy))
    body += outside
    last = max((i for i, ln in enumerate(body) if ln.startswith("+")), default=-1)
    return lines + body[: last + 1]  # nothing after the last recorded file needs to run


def main(argv: list[str] | None = None) -> int:
    harvest = Path((argv or sys.argv[1:])[0])
    manifest = json.loads((harvest / "manifest.json").read_text())
    by_repo = defaultdict(list)
    for entry in manifest:
        by_repo[entry["repo"]].append(entry)
    out = harvest / "prechains"
    out.mkdir(exist_ok=True)
    written = 0
    for repo, entries in by_repo.items():
        name = repo.replace("/", "+")
        gd = MIRRORS / name / "repo"
        head = (harvest / "chains" / f"{name}.txt").read_text().split("\n")
        header = [ln for ln in head if ln.startswith("#") and not ln.startswith("#schema=")]
        root = harvest / name
        files = [ln for ln in head if ln and ln[0] in "+/?"]
        mine = [
            ln
            for ln in files
            if Path(ln.lstrip("+?")).is_relative_to(root)
            and not Path(ln.lstrip("+?")).is_relative_to(root / "_prefix")
        ]
        # harvest writes a chain in file-name order unless the app runs its folders as groups
        # (`groups`): then the folders run in the order the HEAD chain first names them
        names = [Path(ln.lstrip("+?")).name for ln in mine]
        grouped = names != sorted(names)
        folders = list(
            dict.fromkeys(str(Path(ln.lstrip("+?")).relative_to(root).parent) for ln in mine)
        )
        extra = [ln for ln in files if ln not in mine]
        by_commit = defaultdict(dict)
        for e in entries:
            added = _git(gd, "log", "--diff-filter=A", "--format=%H", "--", e["path"]).split()
            if added:
                by_commit[added[-1].decode()][e["path"]] = e["local"]
        for commit, wanted in by_commit.items():
            lines = release_chain(
                gd, commit, folders, header, wanted, harvest / "pre" / commit[:12], extra, grouped
            )
            (out / f"{name}@{commit[:12]}.txt").write_text("\n".join(lines) + "\n")
            written += 1
    print(f"{written} release chains for {len(manifest)} manifest entries")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
