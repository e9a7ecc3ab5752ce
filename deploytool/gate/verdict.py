"""What the gate judges (`Pending`), under which policy, and what a blocked verdict raises.

The one place the policy is built from the inventory and `dialect: auto` is resolved, so the ship,
check-migrations and plan can never judge the same migrations differently.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config.model import MigrationSettings
from ..errors import ConfigError, MigrationBlocked
from ..migrations.dialect import UnsupportedDialect, dialect_from_driver
from ..migrations.live_schema import LiveSchema
from ..migrations.policy import MigrationPolicy
from ..migrations.report import PendingMigration, Report
from ..migrations.running_code import RunningCode


@dataclass(frozen=True)
class Pending:
    """The pending migrations of one release, with what the gate may know of the live schema."""

    dialect: str
    migrations: tuple[PendingMigration, ...]
    schema: LiveSchema | None = None
    where: str = ""  # e.g. `h1`, `plans/drop.sql`: shown with the report
    running: RunningCode | None = None  # what the running release's code names, if searched


def policy_for(settings: MigrationSettings, mode: str | None = None) -> MigrationPolicy:
    """The inventory's policy; `mode` overrides its block/warn/off (a command-line flag)."""
    return MigrationPolicy(mode or settings.policy, dict(settings.rules))


def dialect_for(setting: str, driver: str, where: str = "") -> str:
    """`migrations.dialect`, or with `auto` the dialect of the app's database driver."""
    if setting != "auto":
        return setting
    try:
        return dialect_from_driver(driver)
    except UnsupportedDialect as e:
        raise ConfigError(
            [f"application.migrations.dialect: auto: {where + ': ' if where else ''}{e}"],
            "set application.migrations.dialect (mysql, pgsql or sqlite), or policy: off",
        ) from None


def evaluate(pending: Pending, policy: MigrationPolicy) -> Report:
    # Late import: the SQL parsers take 0.3-0.8 s to import, and most ships have nothing pending.
    from ..migrations.check import check

    return check(list(pending.migrations), pending.dialect, policy, pending.schema, pending.running)


def blocked_error(report: Report, what: str = "check-migrations") -> MigrationBlocked:
    n = sum(1 for f in report.findings if f.severity == "block" and not f.allowed)
    return MigrationBlocked(
        f"{what}: {n} unsafe change(s) in the pending migrations would break the code still "
        "running; nothing was migrated or switched",
        "follow the safe alternative shown per finding (expand now, contract in a later release), "
        "or annotate the migration: `// deploytool: allow <rule> -- <reason>`",
    )
