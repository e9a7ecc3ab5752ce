"""Our first-pass labels for the corpus: is this migration safe while the previous release runs?

Written from the engines' documented and measured behaviour, statement by statement over the SQL
Laravel 8's grammars print, NOT from the gate's rules (it shares no code with them), then checked
by hand where the gate disagrees; a hand-checked label is stored in the case file with its own
reason and is never recomputed. The questions, per dialect:

* expand/contract: does code of the previous release still work (columns it selects and writes
  exist under their names, its INSERTs still succeed, its values still fit)?
* locks: does the statement block writes for longer than a metadata change (MariaDB/MySQL: a
  table copy or LOCK=SHARED; PostgreSQL: a rewrite or a scan under a lock that blocks writes,
  a non-concurrent index build; SQLite: a rebuild by copy)?
* data loss: does it delete data old code still reads?

`label(dialect, statements, schema, facts)` -> ("safe" | "unsafe", reason).
"""

from __future__ import annotations

import re

from deploytool.migrations.live_schema import LiveSchema
from deploytool.migrations.phpfacts import SourceFacts

from .label_alter import AlterLabels

Q = r'[`"]?'
SMALL_TABLE = 10_000  # rows: a write over all of them holds its locks for milliseconds
NAME = r'[`"]?([\w.]+)[`"]?'


def _n(s: str) -> str:
    return s.strip('`"').rsplit(".", 1)[-1].lower()


def _split_alter(body: str) -> list[str]:
    """`add a …, add b …` -> parts, splitting on top-level commas only."""
    parts, depth, cur, quote = [], 0, [], None
    for c in body:
        if quote:
            cur.append(c)
            if c == quote:
                quote = None
            continue
        if c in "'":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
            continue
        cur.append(c)
    parts.append("".join(cur).strip())
    return [p for p in parts if p]


class Labeller(AlterLabels):
    def __init__(self, dialect: str, schema: LiveSchema, facts: SourceFacts):
        self.d, self.schema, self.facts = dialect, schema, facts
        self.new: set[str] = set()
        self.new_cols: set[tuple[str, str]] = set()
        self.temp: set[str] = set()  # tables copied aside into __temp__ (a DBAL rebuild)

    def exists(self, table: str) -> bool:
        return _n(table) not in self.new and self.schema.has_table(table)

    def run(self, statements: list[str]) -> tuple[str, str]:
        reasons = []
        for sql in statements:
            why = self.statement(" ".join(sql.split()))
            if why:
                reasons.append(why)
        if self.facts.db_loop and not reasons:
            # Laravel 8 wraps a migration in a transaction only on PostgreSQL (the schema grammar's
            # $transactions); on MySQL and SQLite every statement of the loop autocommits.
            if self.d == "pgsql" and self.facts.within_transaction:
                reasons.append(
                    "it loops over query results inside the migration's transaction: "
                    "pretend shows no writes, production holds every row lock it takes "
                    "until the end"
                )
            elif not self.facts.batched:
                reasons.append(
                    "it loops over every row of a query without batches: pretend shows no writes"
                )
        if reasons:
            return "unsafe", "; ".join(dict.fromkeys(reasons))
        return "safe", "only " + self.safe_kind(statements)

    def safe_kind(self, statements) -> str:
        if not statements:
            return "statements pretend shows none of (nothing to do on this schema)"
        return "new tables, metadata-only changes, online index builds or keyed writes"

    # --- one statement ---------------------------------------------------------------------
    def statement(self, s: str) -> str | None:
        low = s.lower()
        m = re.match(rf"create (?:temporary )?table (?:if not exists )?{NAME}", low)
        if m:
            if "__temp__" in low:
                self.temp.add(_n(m.group(1)).removeprefix("__temp__"))
                return None
            if "as select" in low:
                return None
            self.new.add(_n(m.group(1)))
            return None
        if re.match(
            r"(select|insert|set|show|pragma|comment on|create (or replace )?"
            r"(view|function|trigger|procedure|sequence|type|extension))\b",
            low,
        ):
            return None
        m = re.match(rf"drop (table|view)(?: if exists)? {NAME}", low)
        if m:
            t = m.group(2)
            if "__temp__" in t:
                return None
            if _n(t) in self.temp:
                self.temp.discard(_n(t))
                self.new.add(_n(t))  # created again right after, from the copy
                return (
                    f"rebuilds {_n(t)} by copy (Doctrine DBAL on SQLite): writes wait for the "
                    "whole copy, and rows old code writes meanwhile can be lost"
                )
            if not self.exists(t) and _n(t) not in self.new:
                return None
            if _n(t) in self.new:
                return None
            if self.d == "sqlite" and any(x in low for x in ()):
                return None
            return f"drops {m.group(1)} {_n(t)}, which old code still queries (data loss)"
        m = re.match(rf"(?:alter table {NAME} rename to|rename table {NAME} to) {NAME}", low)
        if m:
            t = m.group(1) or m.group(2)
            if _n(t) in self.new or "__temp__" in low:
                return None
            return f"renames table {_n(t)}: old code still uses the old name"
        m = re.match(rf"truncate(?: table)? {NAME}", low)
        if m:
            return None if _n(m.group(1)) in self.new else f"empties {_n(m.group(1))} (data loss)"
        m = re.match(rf"(update|delete from) {NAME}(.*)", low)
        if m:
            return self.write(m.group(1).split()[0], _n(m.group(2)), m.group(3))
        m = re.match(
            rf"create (unique )?index (concurrently )?(?:if not exists )?\S+ on {NAME}", low
        )
        if m:
            t = _n(m.group(3))
            if t in self.new or not self.exists(t):
                return None
            if m.group(1) and not self._new_cols_only(t, low):
                return (
                    f"a unique index on existing {t}: fails on duplicates, old code "
                    f"inserting duplicates fails"
                )
            if self.d == "pgsql" and not m.group(2):
                return (
                    f"CREATE INDEX on existing {t} without CONCURRENTLY blocks writes while "
                    f"it builds"
                )
            return None
        m = re.match(r"drop index (?:concurrently )?(?:if exists )?\S+", low)
        if m:
            return None
        m = re.match(rf"alter table (?:only )?(?:if exists )?{NAME} (.*)", low)
        if m:
            t = _n(m.group(1))
            if t in self.new:
                return None
            out = [self.alter(t, part) for part in _split_alter(m.group(2))]
            return "; ".join(o for o in out if o) or None
        if re.match(r"(create|drop|alter) (database|schema)", low):
            return "drops a schema" if low.startswith("drop") else None
        if re.match(
            r"(lock|unlock|analyze|optimize|vacuum|begin|commit|rollback|grant|revoke|delimiter)",
            low,
        ):
            return "rebuilds the table (OPTIMIZE)" if low.startswith("optimize") else None
        return f"statement the labeller does not know: {s[:60]}"

    def _new_cols_only(self, t: str, low: str) -> bool:
        cols = re.findall(r'[`"](\w+)[`"]', low.split("(", 1)[-1])
        return bool(cols) and all((t, c) in self.new_cols for c in cols)

    def write(self, kind: str, t: str, rest: str) -> str | None:
        if t in self.new:
            return None
        where = re.search(r"\bwhere\b(.*)", rest)
        if kind == "delete" and not where:
            return f"deletes every row of {t} (data loss)"
        if where and self._keyed(t, where.group(1)):
            return None
        if " limit " in rest:
            return None
        rows = self.schema.row_estimate(t)
        if rows is not None and 0 < rows <= SMALL_TABLE:
            return None  # a few thousand rows at most: the locks last milliseconds
        return (
            f"{kind} over {t} not restricted to a key: one statement over every "
            f"matching row (an unbatched backfill)"
        )

    def _keyed(self, t: str, cond: str) -> bool:
        """The WHERE pins a unique key (id = ?, a unique column = literal), ANDed."""
        eq = {
            c
            for c in re.findall(r'[`"]?(\w+)[`"]?\s*(?:=|\bin\b)\s*(?:\?|\'[^\']*\'|\d+|\()', cond)
        }
        if " or " in f" {cond} ":
            return False
        keys = (*self.schema.unique_keys(t), ("id",))  # SQLite lists no INTEGER PRIMARY KEY
        return any(set(k) <= eq for k in keys)


def label(
    dialect: str, statements: list[str], schema: LiveSchema, facts: SourceFacts
) -> tuple[str, str]:
    return Labeller(dialect, schema, facts).run(statements)
