"""Choose a held-out set's migrations from fetched repositories and write its recording chains.

    python -m tests.gate_corpus.harvest review/harvestNN.json OUT_DIR

The set's file (review/harvestNN.json, committed with its manifest) names, per repository, where
its migrations live and what else its chains need; the choice is made here, by a seeded hash,
before anyone reads a verdict of the set. OUT_DIR gets a local copy of each repository's
migrations and app code, chains/OWNER+REPO.txt (record.py's input) and manifest.json (what
build_cases reads, and what is committed as review/heldoutNN_manifest.json). Repositories are
read from their fetched git directories (/work/.mirror/OWNER+REPO/repo) at HEAD.

Per repository: every migration file matching `patterns` (several folders: a modular app's
packages, run by Laravel in the order of their file names; with `groups`, folder by folder in
the order of `patterns`, as TastyIgniter runs system's, then admin's) is a candidate; the hash
sha256("SPLIT:path") orders them, and the first `alters` (28) that change an existing table (an
alter, a drop, a data fix) are taken with creates for a fifth of the pick. Not candidates, but
run in the chain so the schema is the one the picked files expect:
- `prefix`: another repository's migrations the app runs first (a Fleetbase extension on
  core-api's tables), in file-name order with its own;
- `stock`: files of tests/gate_corpus/stock/ (the host app's users table a package names);
- deleted migrations later ones still need (`needed`), run in their place if they can run.
Chain header lines (record.py): `#dialects` where the app runs on those engines only
(`dialects`: osu-web and Fleetbase are MySQL-only, and their chains break elsewhere at the first
MySQL statement, which says nothing about the gate), `#app` and `#ns` for the app dir, `#psr4`
for every other psr-4 root of composer.json (and of a path repository's packages), `#config` for
every package config a migration reads (`configs` adds more: a file of another fetched repository
"owner/repo:path", or `merged`: a package config its service provider merges under a key), and
`#schema` for a squashed schema dump. `data` names folders copied as they are, for the files a
migration opens beside it (uk-controller-api's `__DIR__.'/../data/stands/…csv'`).
Nothing here runs fetched code: it copies files out of git and lists them.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

MIRRORS = Path("/work/.mirror")
STOCK = Path(__file__).resolve().parent / "stock"
ALTERS, CREATES_FRAC = 28, 0.2
ALTER = re.compile(
    r"Schema::(table|rename|drop|dropIfExists|dropColumns)\b|DB::|->update\(|->delete\(|"
    r"::query\(|::where|::all\(|->each|->chunk|Schema::has"
)
CREATE = re.compile(r"Schema::create\(\s*['\"](\w+)['\"]")
TOUCH = re.compile(r"Schema::(?:table|drop|dropIfExists|rename)\(\s*['\"](\w+)['\"]")
# a config a migration reads: config('settings.table'), or the facade (controlcenter's settings)
CONFIG_READ = re.compile(r"(?:\bconfig|Config::get)\(\s*['\"]([\w-]+)\.")
BESIDE = re.compile(r"__DIR__\s*\.\s*['\"]/([\w./-]+\.php)['\"]")
DUMPS = ("database/schema/mysql-schema.dump", "database/schema/mysql-schema.sql")


def _git(gd: Path, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(gd), *args], capture_output=True).stdout


def _tree(gd: Path, *under: str) -> list[str]:
    return [
        n
        for n in _git(gd, "ls-tree", "-r", "HEAD", "--name-only", *under).decode().split("\n")
        if n
    ]


def kind(src: str) -> str:
    """alter | create | other, from up()'s body."""
    m = re.search(r"function\s+up\s*\(", src)
    body = src[m.end() :] if m else src
    d = re.search(r"function\s+down\s*\(", body)
    body = body[: d.start()] if d else body
    return "alter" if ALTER.search(body) else ("create" if "Schema::create" in body else "other")


def matches(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(name, p) and name.count("/") == p.count("/") for p in patterns)


def needed(gd: Path, present: dict[str, str], is_migration) -> list[tuple[str, bytes]]:
    """Migrations the repository deleted that production ran before the deletion and a later one
    needs: a deleted file that creates a table a present migration touches and none creates
    (never one whose table a present migration creates: a rewrite or a squash)."""
    created = {t for s in present.values() for t in CREATE.findall(s)}
    missing = {t for s in present.values() for t in TOUCH.findall(s)} - created
    names = {Path(p).name for p in present}
    log = _git(gd, "log", "--diff-filter=D", "--name-only", "--format=%x00%H", "HEAD").decode()
    out, seen = [], set()
    for block in log.split("\0")[1:]:
        commit, *paths = [ln for ln in block.split("\n") if ln.strip()]
        for p in paths:
            if p in seen or not is_migration(p) or Path(p).name in names:
                continue
            seen.add(p)
            src = _git(gd, "show", f"{commit}^:{p}")
            makes = set(CREATE.findall(src.decode(errors="replace")))
            if makes & missing and not makes & created:
                out.append((p, src))
    return out


def pick(split: str, files: list[tuple[str, Path, str]]) -> set[str]:
    """The seeded choice among a repository's candidates: (path, copy, kind) -> chosen paths."""

    def key(f):
        return hashlib.sha256(f"{split}:{f[0]}".encode()).hexdigest()

    candidates = [f for f in files if f[2] != "deleted"]
    alters = sorted([f for f in candidates if f[2] == "alter"], key=key)[:ALTERS]
    ncreate = int(len(alters) * CREATES_FRAC / (1 - CREATES_FRAC))
    creates = sorted([f for f in candidates if f[2] != "alter"], key=key)[:ncreate]
    return {f[0] for f in alters + creates}


class Repo:
    """One fetched repository at HEAD, copying what a chain needs under `root`."""

    def __init__(self, name: str, root: Path):
        self.name, self.root = name, root
        self.gd = MIRRORS / name.replace("/", "+") / "repo"
        self.commit = _git(self.gd, "rev-parse", "HEAD").decode().strip()
        self.tree = _tree(self.gd)

    def copy(self, name: str, under: Path | None = None) -> Path:
        p = (under or self.root) / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(_git(self.gd, "show", f"HEAD:{name}"))
        return p


def _roots(repo: Repo, appdir: str | None) -> list[str]:
    """`#psr4=` lines: composer.json's roots other than the app dir (copied), then each path
    repository package's."""
    comp = json.loads(_git(repo.gd, "show", "HEAD:composer.json") or b"{}")
    psr = comp.get("autoload", {}).get("psr-4", {})
    lines = []
    for prefix, d in [(k, x) for k, v in psr.items() for x in (v if isinstance(v, list) else [v])]:
        d = d.strip("/")  # "/src" too (chatter's composer.json): relative to the repository
        if "Database" in prefix or (appdir and d == Path(appdir).name) or ".." in d:
            continue
        for n in repo.tree:
            if n.startswith(d + "/") and n.endswith(".php") and "/migrations/" not in n.lower():
                repo.copy(n)
        lines.append(f"#psr4={prefix}={repo.root / d}")
    paths = any(
        r.get("type") == "path" for r in comp.get("repositories", []) if isinstance(r, dict)
    )
    for pc in [n for n in repo.tree if fnmatch.fnmatch(n, "packages/*/composer.json")] * paths:
        for prefix, d in (
            json.loads(_git(repo.gd, "show", f"HEAD:{pc}"))
            .get("autoload", {})
            .get("psr-4", {})
            .items()
        ):
            if ".." in d or "Database" in prefix:
                continue
            src = str(Path(pc).parent / d.rstrip("/"))
            for n in repo.tree:
                if n.startswith(src + "/") and n.endswith(".php"):
                    repo.copy(n)
            lines.append(f"#psr4={prefix}={repo.root / src}")
    return list(dict.fromkeys(lines))  # a root listed twice is one root


def _app(repo: Repo, appdir: str | None) -> list[str]:
    if not appdir:
        return []
    for n in _tree(repo.gd, appdir):
        if n.endswith(".php"):
            repo.copy(n)
    comp = json.loads(_git(repo.gd, "show", "HEAD:composer.json") or b"{}")
    own = [k for k, v in comp.get("autoload", {}).get("psr-4", {}).items() if v == f"{appdir}/"]
    return [f"#app={repo.root / appdir}"] + ([f"#ns={own[0]}"] if own and own[0] != "App\\" else [])


def _configs(repo: Repo, files, spec: dict, out: Path) -> list[str]:
    """`#config=` lines: each package config a migration reads that the repository has, then the
    set file's additions."""
    configs: dict[str, Path] = {}
    for _, p, _ in files:
        for name in re.findall(CONFIG_READ, p.read_text(errors="replace")):
            rel = f"config/{name}.php"
            if (
                rel in repo.tree
                and f"{name}.php" not in configs
                and name not in ("app", "database", "cache")
            ):
                configs[f"{name}.php"] = repo.copy(rel)
                # the files it requires beside it (anonaddy's __DIR__.'/lists/blacklist.php')
                for near in BESIDE.findall(configs[f"{name}.php"].read_text(errors="replace")):
                    if f"config/{near}" in repo.tree:
                        repo.copy(f"config/{near}")
    for name, source in spec.get("configs", {}).items():
        other, _, rel = source.partition(":")
        configs[name] = Repo(other, out / other.replace("/", "+")).copy(rel, repo.root / "_config")
    for name, parts in spec.get("merged", {}).items():  # what a service provider merges under it
        body = ", ".join(
            f"'{key}' => require '{repo.copy(rel, repo.root / '_config')}'"
            for key, rel in parts.items()
        )
        p = repo.root / "_config" / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f"<?php\nreturn [{body}];\n")
        configs[name] = p
    return [f"#config={name}={p}" for name, p in configs.items()]


def _run_order(name: str, r: dict) -> tuple[int, str]:
    """Where a file runs in its chain: by file name, or group by group (`groups`: the pattern it
    matches first, in the order `patterns` lists them) and by file name within a group."""
    group = 0
    if r.get("groups"):
        group = next((i for i, p in enumerate(r["patterns"]) if matches(name, [p])), -1)
    return group, Path(name).name


def harvest(split: str, spec: dict[str, dict], out: Path) -> list[dict]:
    """Copies and chains under `out` for every repository of the set -> the manifest."""
    manifest = []
    for name, r in spec.items():
        repo = Repo(name, out / name.replace("/", "+"))
        is_migration = lambda n, pats=r["patterns"]: matches(n, pats)  # noqa: E731
        head = _app(repo, r.get("app"))
        for folder in r.get("data", []):  # files a migration reads beside it (CSV seeds)
            for n in repo.tree:
                if n.startswith(folder.rstrip("/") + "/"):
                    repo.copy(n)
        files = [
            (n, p, kind(p.read_text(errors="replace")))
            for n, p in ((n, repo.copy(n)) for n in repo.tree if is_migration(n))
        ]
        for other, pats in r.get("prefix", []):
            prefix = Repo(other, repo.root / "_prefix" / other.replace("/", "+"))
            files += [
                (f"_prefix/{other}/{n}", prefix.copy(n), "deleted")
                for n in prefix.tree
                if matches(n, pats)
            ]
        present = {n: p.read_text(errors="replace") for n, p, _ in files}
        for n, src in needed(repo.gd, present, is_migration):
            p = repo.root / n
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(src)
            files.append((n, p, "deleted"))  # migrated in its place if it can be, never a case
        files.sort(key=lambda f, r=r: _run_order(f[0], r))
        chosen = pick(split, files)
        only = [f"#dialects={','.join(r['dialects'])}"] if r.get("dialects") else []
        lines = only + head + _roots(repo, r.get("app")) + _configs(repo, files, r, out)
        lines += [f"#schema={repo.copy(d)}" for d in DUMPS if d in repo.tree][:1]
        lines += [str(STOCK / s) for s in r.get("stock", [])]
        lines += [
            ("+" if n in chosen else "?" if k == "deleted" else "") + str(p) for n, p, k in files
        ]
        (out / "chains").mkdir(parents=True, exist_ok=True)
        (out / "chains" / f"{name.replace('/', '+')}.txt").write_text("\n".join(lines) + "\n")
        manifest += [
            {"repo": name, "path": n, "commit": repo.commit, "local": str(p)}
            for n, p, _ in files
            if n in chosen
        ]
        print(
            name,
            repo.commit[:10],
            len(files),
            "files,",
            sum(f[0] in chosen for f in files),
            "chosen",
        )
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def main(argv: list[str]) -> int:
    spec_file, out = Path(argv[0]), Path(argv[1])
    spec = json.loads(spec_file.read_text())
    manifest = harvest(spec["split"], spec["repositories"], out)
    print(len(manifest), "chosen in all")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
