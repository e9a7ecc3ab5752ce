"""What a rule is, and the facts a rule may consult besides the operation itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..live_schema import ColumnInfo, LiveSchema
from ..ops import Op, key

ALL = frozenset({"mysql", "pgsql", "sqlite"})
MYSQL_PG = frozenset({"mysql", "pgsql"})
PG = frozenset({"pgsql"})


@dataclass(frozen=True)
class Scope:
    """Where an operation stands: dialect, what the pending set created before it, its migration."""

    dialect: str
    schema: LiveSchema | None = None
    transactional: bool = False  # PostgreSQL + Laravel: the migration runs in one transaction
    new_tables: frozenset[str] = frozenset()
    new_columns: frozenset[tuple[str, str]] = frozenset()
    earlier: tuple[Op, ...] = ()  # operations before this one in the same migration
    later: tuple[Op, ...] = ()  # operations after this one in the same migration
    facts: Any = None  # phpfacts.SourceFacts of a Laravel migration; None for raw SQL
    running: Any = None  # running_code.RunningCode: what the running release names; None unknown

    def is_new(self, table: str | None) -> bool:
        return table is not None and key(table) in self.new_tables

    def is_new_column(self, table: str, column: str) -> bool:
        return (key(table), column.lower()) in self.new_columns

    def live(self, table: str, column: str) -> ColumnInfo | None:
        return self.schema.column(table, column) if self.schema else None

    def unused_table(self, table: str) -> bool:
        """The running release's code was searched and never names the table or its model."""
        return self.running is not None and self.running.uses_table(table) is False

    def unused_column(self, column: str) -> bool:
        """The running release's code was searched and never names the column (any table's)."""
        return self.running is not None and self.running.uses_column(column) is False


@dataclass(frozen=True)
class Rule:
    id: str
    category: str  # breaks-old-code | locks-table | data-loss | unknown | policy
    dialects: frozenset[str]
    summary: str
    alternative: str
    detect: Callable[[Op, Scope], str | None] = field(repr=False, compare=False)
    default: str = "block"  # advice rules default to "warn"
    on_new_tables: bool = False  # still applies to a table created earlier in the pending set
