"""What a statement does, in one vocabulary for every dialect and parser.

The parsers (sqlglot for MySQL and SQLite, libpg_query via pglast for PostgreSQL) turn each
statement into these operations; the rules only ever look at operations. That keeps one rule for
"drop column" whether it came from `ALTER TABLE … DROP`, `DROP COLUMN` or a quoted, schema-qualified
PostgreSQL name, and lets a new dialect be added by writing one translator.

Table names are kept as written (schema-qualified, unquoted); `key()` is the bare lower-case
name used to match a table created earlier in the pending set.
"""

from __future__ import annotations

from dataclasses import dataclass

from .coltypes import ColType


def key(table: str) -> str:
    return table.rsplit(".", 1)[-1].lower()


@dataclass(frozen=True)
class Default:
    sql: str
    volatile: bool  # evaluated per row: adding the column rewrites the table
    why: str = ""


@dataclass(frozen=True)
class Column:
    name: str
    type: ColType | None = None
    not_null: bool = False
    default: Default | None = None
    primary_key: bool = False
    unique: bool = False
    references: bool = False
    check: bool = False
    generated_stored: bool = False
    auto_increment: bool = False  # serial, identity, AUTO_INCREMENT
    charset: str | None = None


class Op:
    """Base of every operation. Most carry a `table`; read it with `getattr(op, "table", None)`."""


@dataclass(frozen=True)
class CreateTable(Op):
    table: str
    columns: tuple[Column, ...] = ()
    temporary: bool = False
    from_select: bool = False


@dataclass(frozen=True)
class DropTable(Op):
    table: str
    kind: str = "table"  # or "view"
    if_exists: bool = False


@dataclass(frozen=True)
class RenameTable(Op):
    table: str
    to: str
    kind: str = "table"  # or "view", "schema"


@dataclass(frozen=True)
class AddColumn(Op):
    table: str
    column: Column


@dataclass(frozen=True)
class DropColumn(Op):
    table: str
    column: str


@dataclass(frozen=True)
class RenameColumn(Op):
    table: str
    column: str
    to: str


@dataclass(frozen=True)
class RedefineColumn(Op):
    """MySQL MODIFY / CHANGE: the whole definition is restated; only the live schema tells what
    changed."""

    table: str
    column: str  # the name before the statement
    new: Column


@dataclass(frozen=True)
class AlterColumnType(Op):
    table: str
    column: str
    type: ColType
    using: bool = False


@dataclass(frozen=True)
class SetNotNull(Op):
    table: str
    column: str


@dataclass(frozen=True)
class DropNotNull(Op):
    table: str
    column: str


@dataclass(frozen=True)
class AddIndex(Op):
    table: str
    name: str | None
    unique: bool = False
    concurrently: bool = False
    online: bool = False  # MySQL/InnoDB secondary index: built online (LOCK=NONE)
    columns: tuple[str, ...] = ()  # lower-case; () when not plain columns
    method: str = ""  # "fulltext" / "spatial" (MySQL): built with LOCK=SHARED


@dataclass(frozen=True)
class DropIndex(Op):
    name: str
    table: str | None = None
    concurrently: bool = False


@dataclass(frozen=True)
class Reindex(Op):
    target: str
    concurrently: bool = False


@dataclass(frozen=True)
class AddConstraint(Op):
    table: str
    kind: str  # unique, primary, foreign, check, exclude
    name: str | None = None
    not_valid: bool = False
    using_index: bool = False
    on_domain: bool = False
    columns: tuple[str, ...] = ()  # lower-case key columns, for unique/primary


@dataclass(frozen=True)
class ValidateConstraint(Op):
    table: str
    name: str


@dataclass(frozen=True)
class EnumAddValue(Op):
    type_name: str
    value: str
    positioned: bool = False


@dataclass(frozen=True)
class EnumRenameValue(Op):
    type_name: str
    old: str
    new: str


@dataclass(frozen=True)
class Truncate(Op):
    table: str
    cascade: bool = False


@dataclass(frozen=True)
class Write(Op):
    """UPDATE or DELETE of existing rows."""

    kind: str  # "update" | "delete"
    table: str
    has_where: bool
    bounded: bool  # LIMIT, a key lookup, a key range, or a LIMITed subquery
    pinned: tuple[str, ...] = ()  # columns the WHERE fixes by `=` or `IN (list)`, all ANDed


@dataclass(frozen=True)
class Insert(Op):
    table: str
    from_select: bool = False


@dataclass(frozen=True)
class DropSchema(Op):
    name: str
    kind: str = "schema"  # or "database"


@dataclass(frozen=True)
class Other(Op):
    """Parsed and understood, and nothing the rules care about (SELECT, SET, CREATE FUNCTION, …)."""

    what: str


@dataclass(frozen=True)
class DropDefault(Op):
    table: str
    column: str


@dataclass(frozen=True)
class CopyTable(Op):
    """A statement that copies or rewrites the whole table (ALGORITHM=COPY, VACUUM FULL, …)."""

    table: str
    why: str


@dataclass(frozen=True)
class SourceFact(Op):
    """Not a statement: what the PHP source shows that pretend cannot (phpfacts), as an operation
    so that rules, policy and allow annotations treat it like any other."""

    kind: str  # db_loop | schema_conditionals | dynamic_statement | pretend_stopped
    detail: str = ""


@dataclass(frozen=True)
class UnseenWrite(Op):
    """Not a statement: an UPDATE/DELETE the PHP source makes that the pretend output does not
    show (in a loop over query results, or behind a query result pretend answers empty)."""

    write: object  # phpwrites.SourceWrite

    @property
    def table(self) -> str:
        return self.write.table


@dataclass(frozen=True)
class Unknown(Op):
    """The parser could not understand the statement, or its SQL is not known at all."""

    reason: str
    head: str = ""  # the statement's first keywords, lower-case ("" when its SQL is unknown)
    table: str | None = None  # the table an unreadable ALTER TABLE names
