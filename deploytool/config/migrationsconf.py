"""The `application.migrations` keys: their schema, the checks across keys, and the frozen
settings (MigrationSettings). The database URL is a credential: a Secret either way."""

from __future__ import annotations

import os

import yaml

from ..probes.raw_migrations import IDENT
from ..probes.raw_migrations import dialect_of as raw_dialect_of
from .model import MigrationSettings
from .validate import _SECRET_REF, Checker, F, child, secret, secret_or


def _ident_ok(v: object) -> str | None:
    return (
        None
        if IDENT.match(str(v))
        else "expected a table or column name (letters, digits, _; schema.table)"
    )


MIGRATIONS = {
    "policy": F("str", choices=("block", "warn", "off")),
    "dialect": F("str", choices=("auto", "mysql", "pgsql", "sqlite")),
    "rules": F("map"),
    "sql_dir": F("str"),
    "sql_table": F("str", check=_ident_ok),
    "sql_column": F("str", check=_ident_ok),
    "database_url": F(
        "str",
        check=secret_or(
            raw_dialect_of, "mysql://, mariadb://, postgres://, postgresql:// or sqlite:///"
        ),
    ),
}


def check_raw(ck: Checker, node: yaml.Node | None, m: dict) -> None:
    """Raw .sql migrations need the database that records them; without it the gate could not
    tell pending from applied, and a silently ignored sql_dir would let every file through."""
    if m.get("sql_dir") and not m.get("database_url"):
        ck.error(
            child(node, "sql_dir") or node,
            "application.migrations.sql_dir",
            "needs application.migrations.database_url (the database whose sql_table records "
            "applied versions), e.g. postgres://app@db/app with the password from ${env:NAME}",
        )
    ref = _SECRET_REF.match(str(m.get("database_url") or ""))
    if ref and ref.group(1) in os.environ and not raw_dialect_of(os.environ[ref.group(1)]):
        ck.error(
            child(node, "database_url") or node,
            "application.migrations.database_url",
            f"environment variable {ref.group(1)} does not hold a mysql://, mariadb://, "
            "postgres://, postgresql:// or sqlite:/// URL (its value is not shown: it is a secret)",
        )


def settings(m: dict) -> MigrationSettings:
    """database_url is a credential either way (like the webhook): a Secret, from the environment
    or written inline."""
    m = dict(m)
    if m.get("database_url") is not None:
        m["database_url"] = secret(m["database_url"])
    return MigrationSettings(**m)
