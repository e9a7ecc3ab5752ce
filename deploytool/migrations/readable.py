"""Text sqlglot cannot read as Laravel and Doctrine print it, made readable without guessing.

* Spatial column types other than `geometry` (`point`, `linestring`, `polygon`, and the multi-
  and collection forms): sqlglot 30 reads only `geometry`. They are read as `geometry`, which is
  what the rules need to know of them (a column added, its nullability).
* `alter table t add index name(lower(col))` (Blueprint::rawIndex): a functional index, which
  InnoDB builds on a hidden virtual column, online like any secondary index.
* SQLite: Doctrine's table rebuilds end foreign keys with `NOT DEFERRABLE INITIALLY IMMEDIATE`,
  which sqlglot 30 refuses; deferrability is nothing the rules look at, so it is dropped.
"""

from __future__ import annotations

import re

from . import ops

_SPATIAL = re.compile(
    r"(`[^`]+`\s+)(point|linestring|polygon|geometrycollection|multipoint|multilinestring|"
    r"multipolygon)\b",
    re.I,
)
_RAW_INDEX = re.compile(
    r"^\s*alter\s+table\s+`?([\w.]+)`?\s+add\s+(unique\s+|index\s+|key\s+)+`?(\w+)`?\s*\((.*\w\s*\(.*)\)\s*$",
    re.I | re.S,
)


_DEFERRABLE = re.compile(
    r"\s+(?:NOT\s+)?DEFERRABLE(?:\s+INITIALLY\s+(?:IMMEDIATE|DEFERRED))?", re.I
)


def readable(sql: str, dialect: str) -> str:
    if dialect == "mysql":
        return _SPATIAL.sub(r"\1geometry", sql)
    if dialect == "sqlite":
        return _DEFERRABLE.sub("", sql)
    return sql


def raw_index(sql: str) -> list[ops.Op] | None:
    m = _RAW_INDEX.match(sql)
    if not m:
        return None
    unique = "unique" in m.group(2).lower()
    return [ops.AddIndex(m.group(1), m.group(3), unique, online=not unique)]
