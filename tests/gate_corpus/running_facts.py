"""The search of the running code, precomputed into every case: `facts.running_code`.

    python -m tests.gate_corpus.running_facts [--write] [--cases DIR] [--only CASE_ID ...]

This file owns one key of the case files, `facts.running_code` (runner.running_of reads it; the
rest of `facts` is snapshot.py's and build_cases.py's). On a deploy, ship searches the migration
host's `current` (deploytool/probes/running_code.py); for a case the running code is the
repository just before the migration arrived: the first parent of the commit that first added
the migration file, read from the fetched repository (/work/.mirror, as snapshot.py does).

    {"at": <that parent>, "searched": candidates(source, pretend SQL), "found": the identifiers
     the code at `at` holds}, or null when it is not known (no adding commit, a root commit).

The search is `git grep` of the tracked files at `at`, leaving out what the probe leaves out.
Unlike `current` it has no vendor/ (not tracked), so a name only a package uses reads as unused.
Without --write it prints a summary; with --write it rewrites the case files whose key changes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from deploytool.migrations.running_code import RunningCode, candidates, parse_found, pattern
from deploytool.probes.running_code import SKIPPED

from .build_cases import CASES
from .harvest import MIRRORS

# the probe's directories left out, as pathspecs; `**/` also matches at the top (`migrations/x`),
# and .git is never a tracked path
EXCLUDED = tuple(f":(exclude,glob)**/{d}/**" for d in SKIPPED if d != ".git")
PROGRESS = 200
FRAMEWORK = Path("/usr/share/php/Illuminate")  # Debian's php-laravel-framework
_STAMPED = re.compile(r"\d{4}_\d{2}_\d{2}_\d{6}_")


def _git(git_dir: Path, *args: str) -> subprocess.CompletedProcess:
    # LC_ALL=C: bytes, not UTF-8 (a file of invalid UTF-8 then reads the same in every locale)
    env = os.environ | {"LC_ALL": "C"}
    return subprocess.run(["git", "--git-dir", str(git_dir), *args], capture_output=True, env=env)


def adding_commit(git_dir: Path, path: str, commit: str) -> str | None:
    """The commit that first added a file of this name anywhere in `commit`'s history. By name,
    not only path: a migration moved (`app/database/migrations` to `database/migrations`, into
    a monorepo's `server/`) was added long before its present path was. The path's own history
    first (fast); the whole history by name (a glob over every commit: slow on big
    repositories) only when the file was already there, elsewhere, before that."""
    name = path.rsplit("/", 1)[-1]
    log = ("log", "--diff-filter=A", "--format=%H", "--reverse", commit, "--")
    for spec in (path, f":(glob)**/{name}"):
        r = _git(git_dir, *log, spec)
        first = r.stdout.decode().split()[:1] if r.returncode == 0 else []
        if not first:
            continue
        parent = first_parent(git_dir, first[0])
        if parent is None or name not in _names(git_dir, parent):
            return first[0]
    return None


def _names(git_dir: Path, commit: str) -> set[str]:
    r = _git(git_dir, "ls-tree", "-r", "--name-only", commit)
    return {p.rsplit("/", 1)[-1] for p in r.stdout.decode(errors="replace").splitlines()}


def had_a_database(git_dir: Path, at: str, path: str) -> bool:
    """Whether the code at `at` is a release that ran against the schema: it holds an earlier
    migration. A parent without one is an import or a restructure (a bare initial commit), whose
    code says nothing about what the running release names."""
    name = path.rsplit("/", 1)[-1]
    if not _STAMPED.match(name):
        return True  # nothing to compare by
    names = _names(git_dir, at)
    return any(_STAMPED.match(n) and n < name for n in names)


def first_parent(git_dir: Path, sha: str) -> str | None:
    r = _git(git_dir, "rev-parse", "--verify", "--quiet", f"{sha}^")
    return r.stdout.decode().strip() if r.returncode == 0 else None


def source_at(git_dir: Path, path: str, commit: str) -> str | None:
    r = _git(git_dir, "show", f"{commit}:{path}")
    return r.stdout.decode(errors="replace") if r.returncode == 0 else None


def grep_found(git_dir: Path, at: str, searched: list[str]) -> list[str] | None:
    """The identifiers holding a searched form in the tracked code at `at`; None if grep failed.
    -h drops the `rev:path:` prefix; anything a user's grep config adds (line numbers) is cut at
    the last colon, which no identifier holds.

    -P, not the probe's -E: git grep's POSIX regex takes minutes on a repository with minified
    assets (Attendize: 40 s, over 10 min in a UTF-8 locale) where PCRE takes under a second. The
    output is the same: either way a match starts where the identifier starts (leftmost) and its
    trailing `[A-Za-z0-9_]*` runs to where it ends, so each identifier holding a form is printed
    whole, and the forms are plain `[a-z0-9_]` words that mean the same in both syntaxes."""
    if not searched:
        return []
    args = ("grep", "-h", "-o", "-i", "-I", "-P", "--no-color", "-e", pattern(searched), at)
    r = _git(git_dir, *args, "--", ".", *EXCLUDED)
    if r.returncode > 1 or b"unable to read" in r.stderr:
        # 1 is "no match", an answer; a blob the mirror lacks (a partial clone leaves out large
        # files, main.dart.js among them) is a file the host would have searched
        return None
    lines = [line.rsplit(":", 1)[-1] for line in r.stdout.decode(errors="replace").splitlines()]
    return sorted(parse_found("\n".join(lines)) | framework_found(searched))


def framework_found(searched: list[str], root: Path = FRAMEWORK) -> frozenset[str]:
    """What the framework names: on a host `current` has vendor/laravel/framework, which the
    repository does not track (`password_resets`, `jobs`, `failed_jobs`, `notifications` are
    the framework's). Debian's Laravel 8.83 stands for every app's; any other package's use of a
    name is not seen here, so a table only a package names reads as unused."""
    if not searched or not root.is_dir():
        return frozenset()
    r = subprocess.run(
        ["grep", "-rhoiIP", "-e", pattern(searched), str(root)],
        capture_output=True,
        env=os.environ | {"LC_ALL": "C"},
    )
    return parse_found(r.stdout.decode(errors="replace"))


def fact_and_reason(
    git_dir: Path, path: str, commit: str, pretend: list[str]
) -> tuple[dict | None, str]:
    """(the fact, "") or (None, why it is not known)."""
    if not git_dir.is_dir():
        return None, "no mirror"
    source = source_at(git_dir, path, commit)
    if source is None:
        return None, "source not at commit"
    added = adding_commit(git_dir, path, commit)
    if added is None:
        return None, "no adding commit"
    at = first_parent(git_dir, added)
    if at is None:
        return None, "root commit"
    if not had_a_database(git_dir, at, path):
        return None, "no earlier migration at the parent"
    searched = sorted(candidates([source], pretend))
    found = grep_found(git_dir, at, searched)
    if found is None:
        return None, "grep failed or a blob is missing"
    # only what decides an answer: the full list runs to thousands of identifiers per case
    kept = RunningCode(frozenset(searched), frozenset(found)).decisive()
    return {"at": at, "searched": searched, "found": sorted(kept)}, ""


def running_fact(git_dir: Path, path: str, commit: str, pretend: list[str]) -> dict | None:
    """The `facts.running_code` of the migration `path` at `commit`; None if not known."""
    return fact_and_reason(git_dir, path, commit, pretend)[0]


def pretend_texts(case: dict) -> list[str]:
    """Every dialect's pretend SQL the case holds, in a fixed order."""
    dialects = case.get("dialects") or {}
    return [dialects[d]["pretend"] for d in sorted(dialects) if dialects[d].get("pretend")]


def mirror_of(case: dict, mirrors: Path = MIRRORS) -> Path:
    return mirrors / case["source"]["repo"].replace("/", "+") / "repo"


def case_fact(job: tuple[str, str]) -> tuple[str, dict | None, str]:
    """(case path, its fact, why null) for one case file: the unit of work of the pool."""
    case_path, mirrors = job
    case = json.loads(Path(case_path).read_text())
    s = case["source"]
    fact, why = fact_and_reason(
        mirror_of(case, Path(mirrors)), s["path"], s["commit"], pretend_texts(case)
    )
    return case_path, fact, why


def write_fact(case_path: Path, fact: dict | None) -> bool:
    """Store the fact under facts.running_code; the rest of the file is written back exactly as
    read (the cases are json.dumps(indent=1) + newline, as build_cases writes them)."""
    case = json.loads(case_path.read_text())
    if "running_code" in case["facts"] and case["facts"]["running_code"] == fact:
        return False
    case["facts"]["running_code"] = fact
    case_path.write_text(json.dumps(case, indent=1, sort_keys=False) + "\n")
    return True


def case_paths(root: Path, only: list[str]) -> list[Path]:
    paths = sorted(root.glob("*.json"))
    return [p for p in paths if p.stem in set(only)] if only else paths


def compute(paths: list[Path], mirrors: Path = MIRRORS, workers: int = 2):
    """Yield (case path, fact, why null) in `paths` order; at most 2 processes (the machine is
    shared), each case on its own since the cases of one repository sit at different commits."""
    jobs = [(str(p), str(mirrors)) for p in paths]
    if workers <= 1 or len(jobs) < 2:
        yield from map(case_fact, jobs)
        return
    with ProcessPoolExecutor(max_workers=min(workers, 2)) as pool:
        yield from pool.map(case_fact, jobs, chunksize=4)


def _summary(results: list[tuple[str, dict | None, str]], seconds: float) -> None:
    nulls = Counter(why for _, fact, why in results if fact is None)
    print(f"{len(results)} cases in {seconds:.0f}s, {sum(nulls.values())} null")
    for why, n in sorted(nulls.items()):
        print(f"  null: {why}: {n}")
    for path, fact, _ in [r for r in results if r[1] is not None][:5]:
        n_s, n_f = len(fact["searched"]), len(fact["found"])
        print(f"  {Path(path).stem}: at {fact['at'][:10]}, {n_s} searched, {n_f} found")


def _args(argv: list[str]) -> tuple[bool, Path, list[str]] | None:
    write, root, only, rest = False, CASES, [], list(argv)
    while rest:
        a = rest.pop(0)
        if a == "--write":
            write = True
        elif a == "--cases" and rest:
            root = Path(rest.pop(0))
        elif a == "--only" and rest:
            while rest and not rest[0].startswith("--"):
                only.append(rest.pop(0))
        else:
            return None
    return write, root, only


def main(argv: list[str] | None = None) -> int:
    parsed = _args(list(sys.argv[1:] if argv is None else argv))
    if parsed is None:
        print(__doc__, file=sys.stderr)
        return 2
    write, root, only = parsed
    start, results, changed = time.monotonic(), [], 0
    for i, (path, fact, why) in enumerate(compute(case_paths(root, only)), 1):
        results.append((path, fact, why))
        changed += write and write_fact(Path(path), fact)
        if i % PROGRESS == 0:
            print(f"{i} cases", file=sys.stderr)
    _summary(results, time.monotonic() - start)
    if write:
        print(f"{changed} case files written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
