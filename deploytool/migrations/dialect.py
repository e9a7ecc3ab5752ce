"""Which SQL dialect the gate reads, from the app's Laravel database driver or the inventory."""

from __future__ import annotations

DIALECTS = ("mysql", "pgsql", "sqlite")

# MariaDB speaks the MySQL dialect for every statement the rules look at.
_DRIVERS = {
    "mysql": "mysql",
    "mariadb": "mysql",
    "pgsql": "pgsql",
    "postgres": "pgsql",
    "postgresql": "pgsql",
    "sqlite": "sqlite",
}


class UnsupportedDialect(ValueError):
    pass


def dialect_from_driver(driver: str) -> str:
    """Map a Laravel `DB_CONNECTION` driver to mysql|pgsql|sqlite, or raise UnsupportedDialect."""
    key = driver.strip().lower()
    if key in _DRIVERS:
        return _DRIVERS[key]
    if key == "sqlsrv":
        raise UnsupportedDialect(
            "sqlsrv: SQL Server migrations are not checked; set migrations.gate: off "
            "for this app or check them by hand"
        )
    raise UnsupportedDialect(
        f"{driver!r}: unknown database driver (expected mysql, mariadb, pgsql or sqlite)"
    )
