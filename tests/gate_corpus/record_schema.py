"""The schema a recording holds: the target database of one chain and dialect (a fresh MariaDB
or PostgreSQL database on the recorder's server, a file for SQLite), and the rows of its catalog
the recorded migration names (columns, unique keys, row counts), read with the gate's own live
schema queries so a case holds what `ship` would read."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from deploytool.migrations.live_schema import COLUMNS_QUERY, ROWS_QUERY, UNIQUE_QUERY
from tests.migrations_real import servers
from tests.migrations_real.conftest import Database

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _tsv(text: str) -> list[list[str | None]]:
    return [
        [None if v == "NULL" or v == "\\N" else v for v in ln.split("\t")]
        for ln in text.splitlines()
        if ln
    ]


def _server_schema(db: Database) -> dict:
    out = {}
    for part, queries in (
        ("columns", COLUMNS_QUERY),
        ("unique", UNIQUE_QUERY),
        ("rows", ROWS_QUERY),
    ):
        done = db.client(queries[db.dialect])
        out[part] = _tsv(done.stdout) if done.returncode == 0 else []
    return out


def _sqlite_schema(path: Path) -> dict:
    """The same three row sets, read from SQLite's pragmas."""
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type = 'table'")]
        cols, uniq, rows = [], [], []
        for t in tables:
            for _cid, name, type_, notnull, dflt, _pk in con.execute(f'pragma table_info("{t}")'):
                cols.append(
                    [
                        t,
                        name,
                        type_,
                        "NO" if notnull else "YES",
                        None,
                        "NO" if dflt is None else "YES",
                        dflt,
                    ]
                )
            for _seq, iname, unique, *_ in con.execute(f'pragma index_list("{t}")'):
                if unique:
                    names = [r[2] for r in con.execute(f'pragma index_info("{iname}")')]
                    uniq.append([t, iname, ",".join(str(n) for n in names)])
            rows.append([t, str(con.execute(f'select count(*) from "{t}"').fetchone()[0])])
        return {"columns": cols, "unique": uniq, "rows": rows}
    finally:
        con.close()


def only_named(schema: dict, text: str) -> dict:
    """Keep the tables the migration names: the case files stay small."""
    words = {w.lower() for w in _WORD.findall(text)}
    return {
        part: [r for r in rows if r and str(r[0]).lower() in words] for part, rows in schema.items()
    }


class Target:
    """One dialect's database for one chain, and how to reach it from artisan."""

    def __init__(self, dialect: str, server: servers.Server | None, tmp: Path):
        self.dialect = dialect
        if dialect == "sqlite":
            self.file = tmp / "db.sqlite"
            self.file.touch()
            self.port, self.database = 0, str(self.file)
        else:
            self.db = Database(server)
            self.port, self.database = server.port, self.db.name

    def schema(self) -> dict:
        return _sqlite_schema(self.file) if self.dialect == "sqlite" else _server_schema(self.db)
