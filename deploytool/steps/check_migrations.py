"""check-migrations: the compatibility gate, run before `migrate` on the migration host.

It asks Laravel what SQL the pending migrations would run (`migrate --pretend`), reads the
migration files (annotations live there), and hands both to the pure checker in
deploytool/migrations. Apps that are not Laravel set `migrations.sql_dir`: the pending `.sql`
files (not recorded in `sql_table`) are read and split instead. Blocked: the ship stops here, no host switched, no worker touched.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Mapping

from ..errors import MigrationBlocked
from ..events import StepOutput
from ..probes import raw_migrations as raw
from ..shell import Cmd, script

# One round trip, booting the app the way artisan does: the DB driver (D), the pending
# migration files in run order (P), and the live columns (S) from the gate's read-only query for
# that driver ($argv[1] for MySQL/MariaDB, $argv[2] for PostgreSQL) so widenings can be proven.
FACTS_PHP = r"""
require "vendor/autoload.php"; $app = require "bootstrap/app.php";
$app->make(Illuminate\Contracts\Console\Kernel::class)->bootstrap();
$c = config("database.default"); $d = config("database.connections.$c.driver");
echo "D\t", $d, "\n";
$m = $app->make("migrator");
$ran = $m->repositoryExists() ? $m->getRepository()->getRan() : [];
foreach ($m->getMigrationFiles(array_merge($m->paths(), [database_path("migrations")])) as $name => $path) {
  if (!in_array($name, $ran, true)) echo "P\t", basename($path), "\n";
}
$q = in_array($d, ["mysql", "mariadb"], true) ? $argv[1] : ($d === "pgsql" ? $argv[2] : "");
if ($q !== "") {
  try {
    foreach (Illuminate\Support\Facades\DB::select($q) as $r) {
      echo "S\t", implode("\t", array_map(fn($v) => $v === null ? "\\N" : (string) $v, array_values((array) $r))), "\n";
    }
  } catch (Throwable $e) { echo "E\t", str_replace("\n", " ", $e->getMessage()), "\n"; }
}
"""

# $1 migrations dir, then file names: prints each file behind a \036 marker line.
FILES = r"""
d=$1; shift
for f in "$@"; do printf '\036%s\n' "$f"; cat "$d/$f"; printf '\n'; done
"""


def gather_raw(ctx, host, release_dir: str, step: str = "check-migrations"):
    """Raw .sql migrations (migrations.sql_dir): the pending files read from the release and the
    versions recorded in the app's table, in one round trip (probes/raw_migrations.py)."""
    from ..migrations.model import PendingMigration
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
    pending = [
        PendingMigration(name, f"{m.sql_dir}/{name}", tuple(split_statements(text, dialect)), text)
        for name, text in found.pending()
    ]
    return dialect, pending, None


def gather(ctx, host, release_dir: str, step: str = "check-migrations"):
    """On `host`, in `release_dir`: (dialect, [PendingMigration], LiveSchema | None)."""
    if ctx.app.migrations.sql_dir:
        return gather_raw(ctx, host, release_dir, step)
    from ..migrations.dialect import dialect_from_driver
    from ..migrations.pretend import migrations_from_pretend
    from ..migrations.schema import COLUMNS_QUERY, LiveSchema

    php = ctx.app.php
    facts = ctx.run(
        host,
        Cmd(
            (php, "-r", FACTS_PHP, "--", COLUMNS_QUERY["mysql"], COLUMNS_QUERY["pgsql"]),
            cwd=release_dir,
            env=ctx.app.env,
        ),
        step,
        what="reading the pending migrations",
    ).stdout
    rows = [line.split("\t", 1) for line in facts.splitlines() if "\t" in line]
    driver = next((v for k, v in rows if k == "D"), "")
    pending = [v for k, v in rows if k == "P"]
    schema_rows = [v for k, v in rows if k == "S"]
    schema = LiveSchema.from_tsv("\n".join(schema_rows)) if schema_rows else None
    dialect = ctx.app.migrations.dialect
    if dialect == "auto":
        dialect = dialect_from_driver(driver)
    if not pending:
        return dialect, [], schema
    out = ctx.run(
        host,
        Cmd(
            (php, "artisan", "migrate", "--pretend", "--force", "--no-ansi"),
            cwd=release_dir,
            env=ctx.app.env,
        ),
        step,
        what="migrate --pretend",
        check=False,
    )
    mig_dir = release_dir + "/database/migrations"
    sources = _sources(ctx.run(host, script(FILES, mig_dir, *pending), step).stdout)
    # A failing pretend (e.g. renameColumn without doctrine/dbal) still printed what it could: the
    # parser turns the error into an "unknown" statement for the migration that was running.
    return dialect, migrations_from_pretend(out.stdout + out.stderr, pending, sources), schema


def _sources(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in text.split("\x1e")[1:]:
        name, _, body = chunk.partition("\n")
        out[name] = body
    return out


def run(ctx, options: Mapping[str, object]) -> str:
    settings = ctx.app.migrations
    if settings.policy == "off":
        return "off (migrations.policy: off)"
    # The gate's SQL parsers take 0.3-0.8 s to import: load them while the host answers.
    warm = threading.Thread(
        target=importlib.import_module, args=("deploytool.migrations.check",), daemon=True
    )
    warm.start()
    dialect, pending, schema = gather(ctx, ctx.stage.migration_host, ctx.release_dir)
    if not pending:
        return "no pending migrations"
    warm.join()
    from ..migrations.check import check
    from ..migrations.policy import MigrationPolicy
    from ..migrations.render import report_lines

    report = check(pending, dialect, MigrationPolicy(settings.policy, dict(settings.rules)), schema)
    ctx.bus.emit(StepOutput("check-migrations", tuple(report_lines(report)), report.to_dict()))
    if report.blocked:
        n = sum(1 for f in report.findings if f.severity == "block" and not f.allowed)
        raise MigrationBlocked(
            f"check-migrations: {n} unsafe change(s) in the pending migrations would break the code still running; "
            "nothing was migrated or switched",
            "follow the safe alternative shown per finding (expand now, contract in a later release), or annotate the "
            "migration: `// deploytool: allow <rule> -- <reason>`",
        )
    allowed = sum(1 for f in report.findings if f.allowed)
    return f"{len(pending)} pending migration(s), {len(report.findings)} finding(s)" + (
        f", {allowed} allowed" if allowed else ""
    )
