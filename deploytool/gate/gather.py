"""Finding the pending migrations on a host: what the gate is asked to judge.

`from_release` reads a built release (the ship's step, `check-migrations STAGE`): its files and
live schema from the one Laravel probe, its SQL from that release's own `migrate --pretend`; apps
that are not Laravel set `migrations.sql_dir` and get their pending `.sql` files instead, read
with the host's own database client. With something pending, the live schema's unique keys and row
estimates are read too (probes/live_schema), through the app's connection or the client.
`from_mirror` reads a commit from the host's cached mirror
without building anything (`plan`). Remote I/O only: the judging is verdict.evaluate().
"""

from __future__ import annotations

from ..migrations.live_schema import COLUMNS_QUERY, LiveSchema
from ..migrations.report import PendingMigration
from ..migrations.running_code import RunningCode, candidates, parse_found, pattern
from ..probes import laravel_migrations as laravel
from ..probes import live_schema
from ..probes import raw_migrations as raw
from ..probes import running_code as running_probe
from .verdict import Pending, dialect_for

QUERIES = (COLUMNS_QUERY["mysql"], COLUMNS_QUERY["pgsql"])


def from_release(ctx, host, release_dir: str, step: str = "check-migrations") -> Pending:
    if ctx.app.migrations.sql_dir:
        return _from_sql_dir(ctx, host, release_dir, step)
    from ..migrations.pretend import migrations_from_pretend

    app = ctx.app
    r = ctx.run(
        host,
        laravel.release_command(app.php, release_dir, app.env, QUERIES),
        step,
        what="reading the pending migrations",
    )
    found = laravel.parse(r.exit_code, r.stdout, r.stderr)
    if not found.known:
        raise_unknown(host, step, found.why)
    dialect = dialect_for(app.migrations.dialect, found.driver, host.name)
    if not found.files:
        return Pending(dialect, (), _schema(found), host.name)
    # A failing pretend (e.g. renameColumn without doctrine/dbal) still printed what it could: the
    # parser turns the error into an "unknown" statement for the migration that was running.
    out = ctx.run(
        host,
        laravel.pretend_command(app.php, release_dir, app.env),
        step,
        what="migrate --pretend",
        check=False,
    )
    migrations = migrations_from_pretend(out.stdout + out.stderr, list(found.files), found.sources)
    schema = _full_schema(ctx, host, release_dir, step, found)
    running = _running(ctx, host, migrations, step)
    return Pending(dialect, tuple(migrations), schema, host.name, running)


def _running(ctx, host, migrations, step: str) -> RunningCode | None:
    """The names the pending migrations quote, searched for in the code `current` runs (the
    release the switch replaces); None when nothing is quoted, nothing runs, or the search
    failed (then drops and renames block as before)."""
    searched = candidates(
        [m.source or "" for m in migrations], [s for m in migrations for s in m.statements]
    )
    if not searched:
        return None
    command = running_probe.command(ctx.path("current"), pattern(searched))
    r = ctx.run(host, command, step, what="searching the running release's code", check=False)
    found = running_probe.parse(r.exit_code, r.stdout)
    if found is None:
        return None
    where = f"the running release's code on {host.name} (vendor included)"
    return RunningCode(searched, parse_found(found), where)


def _full_schema(ctx, host, release_dir: str, step: str, found) -> LiveSchema | None:
    """Unique keys and row estimates too (probes/live_schema), read only when something is
    pending; the Laravel probe's columns stand in if that read fails."""
    app = ctx.app
    command = live_schema.php_command(app.php, release_dir, app.env)
    return _live(ctx, host, command, step) or _schema(found)


def _live(ctx, host, command, step: str) -> LiveSchema | None:
    r = ctx.run(host, command, step, what="reading the live schema", check=False)
    return live_schema.parse(r.stdout)[1] if r.exit_code == 0 else None


def from_mirror(ctx, host, commit: str, step: str = "plan") -> Pending | str:
    """The pending migrations of `commit`, pretended from the current release; or why not."""
    from ..migrations.pretend import migrations_from_pretend

    app = ctx.app
    command = laravel.mirror_command(
        ctx.path(".deploytool", "repo.git"), commit, app.php, ctx.path("current"), QUERIES
    )
    r = ctx.run(host, command, step, timeout=120, check=False)
    found = laravel.parse(r.exit_code, r.stdout, r.stderr)
    if not found.known:
        return found.why
    dialect = dialect_for(app.migrations.dialect, found.driver, host.name)
    migrations = migrations_from_pretend(found.pretend, list(found.files), found.sources)
    return Pending(dialect, tuple(migrations), _schema(found), host.name)


def _schema(found: laravel.LaravelMigrations) -> LiveSchema | None:
    return LiveSchema.from_rows(found.schema_rows) if found.schema_rows else None


def _from_sql_dir(ctx, host, release_dir: str, step: str) -> Pending:
    """Raw .sql migrations: the pending files read from the release and the versions recorded in
    the app's table, in one round trip (probes/raw_migrations.py)."""
    from ..migrations.sqlfiles import split_statements

    m = ctx.app.migrations
    client = raw.client(str(m.database_url), m.sql_table, m.sql_column)
    dialect = client.dialect if m.dialect == "auto" else m.dialect
    found = raw.parse(
        ctx.run(
            host,
            raw.command(m.sql_dir, client, release_dir, ctx.app.env),
            step,
            what=f"reading {m.sql_dir}/*.sql and {m.sql_table}",
        ).stdout
    )
    pending = tuple(
        PendingMigration(name, f"{m.sql_dir}/{name}", tuple(split_statements(text, dialect)), text)
        for name, text in found.pending()
    )
    command = live_schema.client_command(client, release_dir, ctx.app.env)
    schema = _live(ctx, host, command, step) if pending else None
    return Pending(dialect, pending, schema, host.name)


def raise_unknown(host, step: str, why: str):
    from ..errors import HostError

    raise HostError(
        host.name, step, why, "run `php artisan migrate:status` in the new release to see why"
    )
