"""What the gate may know about the live database: column types, nullability and charset.

Optional. Without it, a type change cannot be proven a safe widening and is reported as such.
With it (from a probe of information_schema, or the real tests), `varchar(50) -> varchar(100)` is
judged by the measured rules in coltypes. `COLUMNS_QUERY` is the read-only query a probe runs;
`LiveSchema.from_rows` is its pure parser.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

COLUMNS_QUERY = {
    "mysql": "select table_name, column_name, column_type, is_nullable, character_set_name "
    "from information_schema.columns where table_schema = database()",
    "pgsql": "select c.relname, a.attname, format_type(a.atttypid, a.atttypmod), "
    "case when a.attnotnull then 'NO' else 'YES' end, null "
    "from pg_attribute a join pg_class c on c.oid = a.attrelid "
    "join pg_namespace n on n.oid = c.relnamespace "
    "where c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped "
    "and n.nspname = any (current_schemas(false))",
}


@dataclass(frozen=True)
class ColumnInfo:
    type: str
    nullable: bool | None = None
    charset: str | None = None


@dataclass(frozen=True)
class LiveSchema:
    columns: Mapping[tuple[str, str], ColumnInfo] = field(default_factory=dict)

    def __post_init__(self) -> None:
        keyed = {(t.lower(), c.lower()): info for (t, c), info in self.columns.items()}
        object.__setattr__(self, "columns", MappingProxyType(keyed))

    def column(self, table: str, column: str) -> ColumnInfo | None:
        return self.columns.get((table.rsplit(".", 1)[-1].lower(), column.lower()))

    @classmethod
    def from_rows(cls, rows: Iterable[tuple]) -> LiveSchema:
        """Rows of COLUMNS_QUERY: (table, column, type, 'YES'|'NO', charset or None)."""
        columns = {}
        for table, column, type_, nullable, *rest in rows:
            charset = rest[0] if rest and rest[0] not in (None, "", "NULL", "\\N") else None
            columns[(table, column)] = ColumnInfo(type_, str(nullable).upper() == "YES", charset)
        return cls(columns)

    @classmethod
    def from_tsv(cls, text: str) -> LiveSchema:
        """The tab-separated output of `mysql -B -N -e` or `psql -At -F '\\t' -c` running
        COLUMNS_QUERY."""
        return cls.from_rows(
            tuple(line.split("\t")) for line in text.splitlines() if line.count("\t") >= 3
        )
