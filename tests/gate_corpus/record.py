"""Record what Laravel 8's `migrate --pretend` prints for real migration files, per dialect.

    python -m tests.gate_corpus.record --out DIR [--dialects mysql,pgsql,sqlite] CHAIN.txt...

Each CHAIN.txt lists migration files (absolute paths, one a line) in the order Laravel runs them,
e.g. one application's history; `+PATH` marks the files to record, the others are only migrated
(`?PATH`: a migration the repository deleted, run if it can run, left out if not).
For every dialect the chain gets a fresh database (a throwaway
MariaDB and PostgreSQL from tests/migrations_real/servers.py, a file for SQLite) and a fresh
Laravel 8 app (tests/migrations_real/laravel_app.py, with Doctrine DBAL for ->change()); then
each file in turn is pretended (`migrate --pretend --force --path=FILE --realpath`: the output a
deploy's gate would read), the live schema of the tables it names is read with the gate's own
catalog queries, and the file is migrated for real, so the next file finds the schema it expects.

DIR/<chain>/<NNN>.<dialect>.json per file: {"file", "pretend", "applied", "error", "schema":
{"columns": rows, "unique": rows, "rows": rows}, "chain_ok"} where `chain_ok` is false once an
earlier file of the chain failed to migrate (the schema is then not the one this file expects).
An app whose older migrations were squashed (`schema:dump`) names its dump in a chain line
`#schema=FILE`: loaded first with Laravel's own loader on MariaDB; the dump is MySQL's, so on the
other engines the chain starts with `chain_ok` false (production's tables are not recorded there).
A file the dump lists as run is not run (a database built from the dump never runs it): no case.
A first line `#dialects=mysql` records the chain on those engines only (an app that runs on no
other). An app's own classes are loaded from `#app=DIR` (namespace `#ns=`, App\\ by default) and any
`#psr4=NAMESPACE=DIR` roots (a modular app's packages); configs are copied from `#config=` lines,
except the recorder's own (app, database, cache), and a few vendor classes stand in
(app_autoload.php).
Nothing here is fetched code: it runs whatever files it is given.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
from pathlib import Path

from tests.migrations_real import laravel_app, servers

from .record_app import connections, write_app
from .record_schema import Target, only_named


def _unique(file: Path, seen: set[str], under: Path) -> Path:
    """The file, or a copy under a name of its own if the chain already ran one of this name:
    TastyIgniter's system and admin groups each hold an add_timestamps_to_tables, two migrations
    its migrator records per group, where Laravel's one table would skip the second as run.
    (Anonymous classes only: a named class resolves from the file name.)"""
    if file.name not in seen:
        seen.add(file.name)
        return file
    copy = under / str(len(seen)) / f"{file.stem}_{len(seen)}{file.suffix}"
    seen.add(copy.name)
    copy.parent.mkdir(parents=True)
    copy.write_bytes(file.read_bytes())
    return copy


def record_chain(
    entries: list[tuple[Path, bool]],
    dialect: str,
    server,
    out: Path,
    app_dir: Path | None = None,
    configs: dict[str, Path] | None = None,
    schema_dump: Path | None = None,
    optional: frozenset[Path] = frozenset(),
) -> None:
    """entries: (file, record it?) in run order; the files not recorded are migrated in batches;
    `optional` ones are migrated alone, and left out if they fail."""
    # never an earlier chain's app dir: a package's chain has none
    os.environ["DT_APP_DIR"] = "" if app_dir is None else str(app_dir)
    os.environ["DT_CONNECTIONS"] = ",".join(connections(f for f, _ in entries))
    with tempfile.TemporaryDirectory(prefix="dt-record-") as tmp:
        root = Path(tmp) / "app"
        write_app(root, app_dir, configs)
        target = Target(dialect, server, Path(tmp))
        chain_ok = True
        batch: list[Path] = []

        def artisan(*args):
            return laravel_app.artisan(
                root, dialect, target.port, target.database, "migrate", *args, dbal=True
            )

        if schema_dump is not None:
            # Laravel loads a dump only before the first migration and never under --pretend:
            # load it on its own (a migrate of an empty path), as production did long ago.
            empty = Path(tmp) / "no-migrations"
            empty.mkdir()
            load = (f"--schema-path={schema_dump}", f"--path={empty}", "--realpath", "--force")
            chain_ok = dialect == "mysql" and artisan(*load).returncode == 0
            if not chain_ok:
                print(f"  schema dump not loaded ({dialect}): {schema_dump.name}", file=sys.stderr)

        def migrate(files: list[Path]) -> bool:
            if not files:
                return True
            if artisan(*(f"--path={f}" for f in files), "--realpath", "--force").returncode == 0:
                return True
            # One failing file stops a batch: the rest go one by one (the ones already run are
            # skipped by Laravel), so a single unloadable migration does not empty the schema.
            for f in files:
                done = artisan(f"--path={f}", "--realpath", "--force")
                if done.returncode != 0:
                    why = " ".join((done.stdout + done.stderr).split())[-240:]
                    print(
                        f"  not migrated ({dialect}): {f.name}: {why}", file=sys.stderr, flush=True
                    )
            return False

        seen: set[str] = set()
        for n, (file, wanted) in enumerate(entries):
            run = _unique(file, seen, Path(tmp) / "renamed")
            if batch and run.name <= batch[-1].name:
                # Laravel runs a batch in file-name order: a chain whose next file sorts before
                # the last (TastyIgniter's admin group after system's) runs the batch first.
                chain_ok = migrate(batch) and chain_ok
                batch = []
            if file in optional:
                # Run alone, where it falls in the order; if it cannot run on this schema it is
                # left out, which leaves the chain as it was without it.
                chain_ok = migrate(batch) and chain_ok
                batch = []
                if artisan(f"--path={run}", "--realpath", "--force").returncode != 0:
                    print(f"  left out ({dialect}): {file.name}", file=sys.stderr, flush=True)
                continue
            if not wanted:
                batch.append(run)
                continue
            chain_ok = migrate(batch) and chain_ok
            batch = []
            args = (f"--path={run}", "--realpath", "--force")
            chain_ok_before = chain_ok
            pretend = artisan("--pretend", *args)
            pretend.stdout = pretend.stdout.replace(run.stem, file.stem)  # the name it has
            text = pretend.stdout + pretend.stderr
            schema = only_named(target.schema(), text + file.read_text(errors="replace"))
            if "Nothing to migrate" in pretend.stdout:
                # Already in the migrations table: a schema dump lists it as squashed, so a
                # database built from the dump never runs it (no case; the chain is unharmed).
                error, applied = "already run: listed in the migrations table (schema dump)", False
            else:
                done = artisan(*args)
                applied = done.returncode == 0
                error = None if applied else (done.stdout + done.stderr)[-2000:]
                chain_ok = chain_ok and applied
            record = {
                "file": str(file),
                "pretend": pretend.stdout,
                "pretend_stderr": pretend.stderr,
                "pretend_rc": pretend.returncode,
                "applied": applied,
                "error": error,
                "schema": schema,
                "chain_ok": chain_ok_before,
            }
            (out / f"{n:04d}.{dialect}.json").write_text(json.dumps(record, indent=1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--dialects", default="mysql,pgsql,sqlite")
    ap.add_argument("chains", nargs="+", type=Path)
    args = ap.parse_args(argv)
    dialects = args.dialects.split(",")
    started = {}
    # A SIGTERM must still stop the servers this run started (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        if "mysql" in dialects:
            started["mysql"] = servers.start_mariadb()
        if "pgsql" in dialects:
            started["pgsql"] = servers.start_postgres()
        for chain in args.chains:
            # A line "+PATH" is recorded; a bare "PATH" is only migrated (it builds the schema).
            lines = [ln.strip() for ln in chain.read_text().split("\n") if ln.strip()]
            # "#dialects=mysql": an app that runs on those engines only (osu-web, Fleetbase): its
            # chain is not recorded on the others, where it breaks at its first MySQL statement
            only = (
                lines.pop(0)[10:].split(",")
                if lines[:1] and lines[0].startswith("#dialects=")
                else None
            )
            # An optional first line "#app=DIR": the app's own classes (App\\…) live there; then
            # optionally "#ns=NAMESPACE\\" when they are not App\\ (a package: Lunar\\, its
            # migrations extending Lunar\\Base\\Migration).
            app_dir = Path(lines.pop(0)[5:]) if lines and lines[0].startswith("#app=") else None
            ns = lines.pop(0)[4:] if lines and lines[0].startswith("#ns=") else "App\\"
            os.environ["DT_APP_NS"] = ns
            # "#psr4=NAMESPACE\\=DIR" lines: more of the app's own code (a modular app's packages,
            # each with its namespace and src/), as its composer.json maps them
            roots = []
            while lines and lines[0].startswith("#psr4="):
                roots.append(lines.pop(0)[6:])
            os.environ["DT_PSR4"] = "|".join(roots)
            # "#config=NAME=FILE" lines: config/NAME in the app (Lunar's table prefix)
            configs = {}
            while lines and lines[0].startswith("#config="):
                name, _, source = lines.pop(0)[8:].partition("=")
                configs[name] = Path(source)
            # "#schema=FILE": the app's squashed schema (a MySQL `schema:dump`), loaded first
            dump = Path(lines.pop(0)[8:]) if lines and lines[0].startswith("#schema=") else None
            # "?PATH": a migration the repository deleted that production ran before the deletion
            # (a later one drops its table): run in its place if it can run, never recorded
            optional = frozenset(Path(ln[1:]) for ln in lines if ln.startswith("?"))
            files = [(Path(ln.lstrip("+?")), ln.startswith("+")) for ln in lines]
            out = args.out / chain.stem
            out.mkdir(parents=True, exist_ok=True)
            for dialect in [d for d in dialects if only is None or d in only]:
                record_chain(
                    files, dialect, started.get(dialect), out, app_dir, configs, dump, optional
                )
                print(f"{chain.stem} {dialect}: {len(files)} files", file=sys.stderr, flush=True)
    finally:
        for server in started.values():
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
