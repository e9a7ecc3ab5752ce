"""The CI mode's gathering: the pending migrations of an app checked out on this machine.

`check-migrations --app PATH [--database-url URL]` runs in a CI job before any deploy, against
the job's own database migrated to the running release (the base branch): the app's own
`php artisan migrate --pretend` prints the SQL, the Laravel probe lists the pending files with
their sources, and the live-schema probe reads columns, defaults, unique keys and row estimates,
all through the app's own connection. `--database-url` sets `DATABASE_URL` (Laravel's
`config/database.php` reads it for every connection) and `DB_CONNECTION` from its scheme; without
it the app's `.env` decides. `with_schema` puts a schema dump (`--schema FILE`) in place of the
live schema. Local I/O only; the judging is verdict.evaluate().
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from pathlib import Path

from ..errors import ConfigError
from ..migrations.pretend import migrations_from_pretend
from ..probes import laravel_migrations as laravel
from ..probes import live_schema
from .gather import QUERIES
from .verdict import Pending, dialect_for

CONNECTIONS = {
    "mysql": "mysql",
    "mariadb": "mysql",
    "postgres": "pgsql",
    "postgresql": "pgsql",
    "pgsql": "pgsql",
    "sqlite": "sqlite",
}
TIMEOUT_S = 300


def app_env(database_url: str | None) -> dict[str, str]:
    if not database_url:
        return {}
    scheme = database_url.split(":", 1)[0].lower()
    if scheme not in CONNECTIONS:
        raise ConfigError(
            [f"--database-url: unknown scheme {scheme!r}"],
            "use mysql://, mariadb://, postgres://, postgresql:// or sqlite:// (Laravel's form)",
        )
    return {"DATABASE_URL": database_url, "DB_CONNECTION": CONNECTIONS[scheme]}


def _run(cmd, what: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            list(cmd.argv),
            cwd=cmd.cwd,
            env={**os.environ, **cmd.env},
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(
            [f"--app: {what}: {exc}"], "is php on PATH and the app installed?"
        ) from None


def from_app(
    app: Path, database_url: str | None = None, php: str = "php", dialect: str = "auto"
) -> Pending:
    app = Path(app)
    if not (app / "artisan").is_file():
        raise ConfigError([f"--app {app}: no artisan here"], "point --app at a Laravel app's root")
    env = app_env(database_url)
    r = _run(laravel.release_command(php, str(app), env, QUERIES), "reading the pending migrations")
    found = laravel.parse(r.returncode, r.stdout, r.stderr)
    if not found.known:
        raise ConfigError([f"--app {app}: {found.why}"], "run `php artisan migrate:status` there")
    resolved = dialect_for(dialect, found.driver, str(app))
    _driver, schema, _error = live_schema.parse(
        _run(live_schema.php_command(php, str(app), env), "reading the live schema").stdout
    )
    if not found.files:
        return Pending(resolved, (), schema, str(app))
    out = _run(laravel.pretend_command(php, str(app), env), "migrate --pretend")
    migrations = migrations_from_pretend(out.stdout + out.stderr, list(found.files), found.sources)
    files = {f.removesuffix(".php"): f for f in found.files}
    located = tuple(
        # relative to where the CI job runs: the path its annotations are shown against
        dataclasses.replace(m, file=os.path.relpath(app / "database/migrations" / files[m.name]))
        if m.name in files
        else m
        for m in migrations
    )
    return Pending(resolved, located, schema, str(app))


def with_schema(pending: Pending, path: Path) -> Pending:
    """The schema of a dump file (--schema) in place of what the database said."""
    from ..migrations.schema_file import SchemaFileError, load_schema_file

    try:
        dump = load_schema_file(path, pending.dialect if pending.dialect != "sqlite" else None)
    except SchemaFileError as exc:
        raise ConfigError(
            [str(exc)], "pass a schema dump (schema:dump, mysqldump, pg_dump -s)"
        ) from None
    return dataclasses.replace(pending, schema=dump.schema)


def with_running(pending: Pending, path: Path) -> Pending:
    """A search of the running release's code checked out at `path` (--running: in CI, the base
    branch with its vendor/ installed), as ship searches `current` on the migration host."""
    from ..migrations.running_code import RunningCode, candidates, parse_found, pattern
    from ..probes import running_code as probe

    if not path.is_dir():
        raise ConfigError([f"--running {path}: no such directory"], "check out the running release")
    migrations = pending.migrations
    searched = candidates(
        [m.source or "" for m in migrations], [s for m in migrations for s in m.statements]
    )
    if not searched:
        return pending
    done = _run(probe.command(str(path), pattern(searched)), "searching the running code")
    found = probe.parse(done.returncode, done.stdout)
    if found is None:
        raise ConfigError([f"--running {path}: the search failed: {done.stderr.strip()[:300]}"])
    return dataclasses.replace(
        pending, running=RunningCode(searched, parse_found(found), f"the running code in {path}")
    )
