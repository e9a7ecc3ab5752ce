"""What the gate may know about the live database: columns, unique keys and table sizes.

Optional. Without it, a type change cannot be proven a safe widening and is reported as such.
With it (from a probe of the catalog, a schema dump, or the real tests), `varchar(50) ->
varchar(100)` is judged by the measured rules in coltypes, a WHERE on a unique key is known to
touch one row, and a default the old code's INSERTs rely on is known to exist.

`COLUMNS_QUERY`, `UNIQUE_QUERY` and `ROWS_QUERY` are the read-only queries a probe runs (one row
per column, per unique index, per table); `LiveSchema.from_rows` and `from_tsv` are their pure
parsers. Columns rows are (table, column, type, 'YES'|'NO', charset, 'YES'|'NO' has default,
default); the last three may be missing (older probes sent five or four).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

_PG_TABLES = (
    "join pg_namespace n on n.oid = c.relnamespace "
    "where c.relkind in ('r', 'p') and n.nspname = any (current_schemas(false))"
)
# Every column is aliased: PDO keys a row by column name, so two unnamed `case` columns (or
# c.relname beside i.relname) would collapse into one in the PHP probe.
_C = " as t, {} as c, {} as ty, {} as nl, {} as cs, {} as hd, {} as df "
COLUMNS_QUERY = {
    "mysql": "select table_name"
    + _C.format(
        "column_name",
        "column_type",
        "is_nullable",
        "character_set_name",
        "if(column_default is null or column_default = 'NULL', 'NO', 'YES')",
        "replace(replace(column_default, '\\t', ' '), '\\n', ' ')",
    )
    + "from information_schema.columns where table_schema = database()",
    "pgsql": "select c.relname"
    + _C.format(
        "a.attname",
        "format_type(a.atttypid, a.atttypmod)",
        "case when a.attnotnull then 'NO' else 'YES' end",
        "null",
        "case when d.adbin is null then 'NO' else 'YES' end",
        "translate(pg_get_expr(d.adbin, d.adrelid), E'\\t\\n', '  ')",
    )
    + "from pg_attribute a join pg_class c on c.oid = a.attrelid "
    "left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum "
    + _PG_TABLES.replace("where", "where a.attnum > 0 and not a.attisdropped and"),
}
# SQLite: the table-valued pragmas (3.16+); a primary key is a unique key too.
_SQLITE_TABLES = "from sqlite_master m join pragma_table_info(m.name) p where m.type = 'table'"
COLUMNS_QUERY["sqlite"] = (
    "select m.name"
    + _C.format(
        "p.name",
        "p.type",
        "case when p.\"notnull\" or p.pk then 'NO' else 'YES' end",
        "null",
        "case when p.dflt_value is null then 'NO' else 'YES' end",
        "p.dflt_value",
    )
    + _SQLITE_TABLES
)
UNIQUE_QUERY = {
    "mysql": "select table_name as t, index_name as k, "
    "group_concat(column_name order by seq_in_index) as cols "
    "from information_schema.statistics where table_schema = database() and non_unique = 0 "
    "group by table_name, index_name",
    "pgsql": "select c.relname as t, i.relname as k, array_to_string(array(select a.attname "
    "from unnest(x.indkey) with ordinality k(num, pos) join pg_attribute a on "
    "a.attrelid = c.oid and a.attnum = k.num order by k.pos), ',') as cols "
    "from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class c on "
    "c.oid = x.indrelid " + _PG_TABLES + " and x.indisunique and x.indpred is null",
}
UNIQUE_QUERY["sqlite"] = (
    "select m.name as t, l.name as k, group_concat(i.name) as cols from sqlite_master m "
    "join pragma_index_list(m.name) l join pragma_index_info(l.name) i "
    "where m.type = 'table' and l.\"unique\" group by m.name, l.name "
    "union all select m.name, 'primary', group_concat(p.name) " + _SQLITE_TABLES + " and p.pk "
    "group by m.name"
)
ROWS_QUERY = {
    "mysql": "select table_name as t, table_rows as n from information_schema.tables "
    "where table_schema = database() and table_type = 'BASE TABLE'",
    # reltuples is -1 until the first ANALYZE; the statistics' live-row count is kept as rows
    # commit, so a young table's size is known too.
    "pgsql": "select c.relname as t, greatest(c.reltuples, s.n_live_tup, 0)::bigint as n "
    "from pg_class c left join pg_stat_user_tables s on s.relid = c.oid " + _PG_TABLES,
}
ROWS_QUERY["sqlite"] = "select name as t, null as n from sqlite_master where 0"  # no statistics
_NULLS = (None, "", "NULL", "\\N")


@dataclass(frozen=True)
class ColumnInfo:
    type: str
    nullable: bool | None = None
    charset: str | None = None
    has_default: bool | None = None  # None: not known (an older probe)
    default: str | None = None


def _bare(table: str) -> str:
    return table.rsplit(".", 1)[-1].strip('`"').lower()


@dataclass(frozen=True)
class LiveSchema:
    columns: Mapping[tuple[str, str], ColumnInfo] = field(default_factory=dict)
    unique: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    rows: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        keyed = {(_bare(t), c.lower()): info for (t, c), info in self.columns.items()}
        object.__setattr__(self, "columns", MappingProxyType(keyed))
        uniq = {
            _bare(t): tuple(tuple(c.lower() for c in k) for k in v) for t, v in self.unique.items()
        }
        object.__setattr__(self, "unique", MappingProxyType(uniq))
        object.__setattr__(
            self, "rows", MappingProxyType({_bare(t): n for t, n in self.rows.items()})
        )

    def column(self, table: str, column: str) -> ColumnInfo | None:
        return self.columns.get((_bare(table), column.lower()))

    def has_table(self, table: str) -> bool:
        t = _bare(table)
        return any(k[0] == t for k in self.columns)

    def unique_keys(self, table: str) -> tuple[tuple[str, ...], ...]:
        return self.unique.get(_bare(table), ())

    def row_estimate(self, table: str) -> int | None:
        return self.rows.get(_bare(table))

    @classmethod
    def from_rows(
        cls, rows: Iterable[tuple], unique: Iterable[tuple] = (), sizes: Iterable[tuple] = ()
    ) -> LiveSchema:
        """Rows of COLUMNS_QUERY, UNIQUE_QUERY and ROWS_QUERY (see the module docstring)."""
        columns = {}
        for table, column, type_, nullable, *rest in rows:
            # MariaDB reports "no default" on a nullable column as the bare word NULL.
            bare_null = len(rest) > 2 and rest[2] == "NULL"
            rest = [None if v in _NULLS else v for v in rest] + [None] * 3
            charset, has_default, default = rest[:3]
            known = None if has_default is None else str(has_default).upper() == "YES"
            known = False if bare_null else known
            columns[(table, column)] = ColumnInfo(
                type_, str(nullable).upper() == "YES", charset, known, default
            )
        keys: dict[str, list[tuple[str, ...]]] = {}
        for table, _name, cols in unique:
            keys.setdefault(table, []).append(tuple(str(cols).split(",")))
        counts = {t: int(float(n)) for t, n in sizes if n not in _NULLS}
        return cls(columns, {t: tuple(v) for t, v in keys.items()}, counts)

    @classmethod
    def from_tsv(cls, text: str, unique: str = "", sizes: str = "") -> LiveSchema:
        """Tab-separated output of `mysql -B -N -e` or `psql -At -F '\\t' -c` for the queries."""

        def rows(t: str, least: int):
            return [tuple(ln.split("\t")) for ln in t.splitlines() if ln.count("\t") >= least]

        return cls.from_rows(rows(text, 3), rows(unique, 2), rows(sizes, 1))
