"""check-migrations: the compatibility gate, run before `migrate` on the migration host.

It asks Laravel what SQL the pending migrations would run (`migrate --pretend`), reads the
migration files (annotations live there), and hands both to the pure checker in
deploytool/migrations. Blocked: the ship stops here, no host switched, no worker touched.
"""
from __future__ import annotations

from typing import Mapping

from ..errors import MigrationBlocked
from ..events import StepOutput
from ..shell import Cmd, script

# Prints the default connection's driver, booting the app the way artisan does.
DRIVER_PHP = (
    'require "vendor/autoload.php"; $app = require "bootstrap/app.php";'
    '$app->make(Illuminate\\Contracts\\Console\\Kernel::class)->bootstrap();'
    '$c = config("database.default"); echo config("database.connections.$c.driver"), PHP_EOL;'
)

# $1 migrations dir; prints every migration file name, then the named files ($2...) with markers.
FILES = r"""
d=$1; shift
ls -1 "$d" 2>/dev/null | sed 's/^/F /'
for f in "$@"; do printf '\036%s\n' "$f"; cat "$d/$f"; printf '\n'; done
"""


def gather(ctx, host, release_dir: str, step: str = "check-migrations"):
    """Run pretend on `host` in `release_dir`; return (dialect, [PendingMigration])."""
    from ..migrations.dialect import dialect_from_driver
    from ..migrations.model import PendingMigration
    from ..migrations.pretend import class_to_file, parse_pretend

    settings = ctx.app.migrations
    php = ctx.app.php
    dialect = settings.dialect
    if dialect == "auto":
        r = ctx.run(host, Cmd((php, "-r", DRIVER_PHP), cwd=release_dir), step, what="reading the database driver")
        dialect = dialect_from_driver(r.stdout.strip().splitlines()[-1] if r.stdout.strip() else "")
    r = ctx.run(host, Cmd((php, "artisan", "migrate", "--pretend", "--force", "--no-ansi"), cwd=release_dir), step,
                what="migrate --pretend")
    statements = parse_pretend(r.stdout)
    classes: list[str] = []
    for s in statements:
        if s.migration not in classes:
            classes.append(s.migration)
    mig_dir = release_dir + "/database/migrations"
    listing = ctx.run(host, script(FILES, mig_dir), step).stdout
    names = [line[2:] for line in listing.splitlines() if line.startswith("F ")]
    files = class_to_file(classes, names)
    sources = _sources(ctx.run(host, script(FILES, mig_dir, *files.values()), step).stdout) if files else {}
    pending = []
    for cls in classes:
        f = files.get(cls)
        pending.append(PendingMigration(name=cls, file=f,
                                        statements=tuple(s.sql for s in statements if s.migration == cls),
                                        source=sources.get(f) if f else None))
    return dialect, pending


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
    from ..migrations.check import check
    from ..migrations.policy import MigrationPolicy
    from ..migrations.render import report_lines

    dialect, pending = gather(ctx, ctx.stage.migration_host, ctx.release_dir)
    if not pending:
        return "no pending migrations"
    report = check(pending, dialect, MigrationPolicy(settings.policy, dict(settings.rules)))
    ctx.bus.emit(StepOutput("check-migrations", tuple(report_lines(report)), report.to_dict()))
    if report.blocked:
        n = sum(1 for f in report.findings if f.severity == "block" and not f.allowed)
        raise MigrationBlocked(
            f"check-migrations: {n} unsafe change(s) in the pending migrations would break the code still running; "
            "nothing was migrated or switched",
            "follow the safe alternative shown per finding (expand now, contract in a later release), or annotate the "
            "migration: `// deploytool: allow <rule> -- <reason>`")
    allowed = sum(1 for f in report.findings if f.allowed)
    return f"{len(pending)} pending migration(s), {len(report.findings)} finding(s)" + (f", {allowed} allowed" if allowed else "")
