"""ALTER TABLE parts for label.py: columns added, dropped, renamed, redefined; keys and types.

A mixin of label.Labeller (self.d the dialect, self.schema, self.new / self.new_cols what this
migration created); the same engine facts as label.py's docstring.
"""

from __future__ import annotations

import re

_INT_WIDTH = re.compile(r"\b(tinyint|smallint|mediumint|int|integer|bigint)\(\d+\)")


def _n(s: str) -> str:
    return s.strip('`"').rsplit(".", 1)[-1].lower()


class AlterLabels:
    # ALTER TABLE parts -----------------------------------------------------------------
    def alter(self, t: str, part: str) -> str | None:
        p = part.strip()
        if (
            re.match(
                r"(add|drop|alter|modify|change|rename|comment|engine|convert|auto_increment|"
                r"default charset|character set|collate|algorithm|lock|owner|set|validate|"
                r"disable|enable|row_format)",
                p,
            )
            is None
        ):
            p = "add column " + p  # `add a …, b …` continuation cannot happen in Laravel; be safe
        if re.match(r"add (?:column )?(?:if not exists )?[`\"]", p):
            return self.add_column(t, p)
        if re.match(
            r"(add (constraint \S+ )?)?"
            r"(unique|primary key|foreign key|index|key|fulltext|spatial|check|constraint)",
            p.removeprefix("add "),
        ) and p.startswith("add"):
            return self.add_constraint(t, p)
        if p.startswith("drop"):
            return self.drop(t, p)
        if (
            p.startswith("rename column")
            or p.startswith("rename index")
            or p.startswith("rename key")
            or (p.startswith("rename") and self.d == "pgsql")
        ):
            if "index" in p.split()[1] or "key" in p.split()[1]:
                return None
            c = _n(p.split()[2])
            return (
                None
                if (t, c) in self.new_cols
                else f"renames column {t}.{c}: old code uses the old name"
            )
        if p.startswith("change"):
            return self.change(t, p)
        if p.startswith("modify"):
            return self.redefine(t, p.split()[1 if p.split()[1] != "column" else 2], p)
        if p.startswith("alter column") or p.startswith("alter "):
            return self.alter_column(t, p)
        if re.match(r"(engine|convert to|row_format|character set|default charset)", p):
            return f"rebuilds {t} by copy ({p.split()[0]})"
        return None

    def add_column(self, t: str, p: str) -> str | None:
        m = re.match(r'add (?:column )?(?:if not exists )?[`"](\w+)[`"] (.*)', p)
        c, rest = m.group(1), m.group(2)
        self.new_cols.add((t, c))
        if "auto_increment" in rest or re.search(
            r"\b(big|small)?serial\b|generated .*identity", rest
        ):
            return f"adds an auto-increment column to {t}: fills every row (copy or rewrite)"
        if re.search(r"\bstored\b", rest) or (self.d == "pgsql" and "generated always as" in rest):
            return f"adds a stored generated column to {t}: rewrites every row"
        if "primary key" in rest:
            return f"adds a primary key column to {t}: rebuilds it"
        not_null = "not null" in rest
        has_default = " default " in f" {rest} "
        if not_null and not has_default:
            return f"adds {t}.{c} NOT NULL without a default: old code's INSERTs omit it and fail"
        if self.d == "pgsql":
            if re.search(
                r"default (?:gen_random_uuid|uuid_generate|random|clock_timestamp|nextval)", rest
            ):
                return f"adds {t}.{c} with a volatile default: rewrites the table"
            if re.search(r"\bcheck\b", rest):
                return (
                    f"adds {t}.{c} with a CHECK: PostgreSQL scans every row under ACCESS EXCLUSIVE"
                )
            if " references " in rest:
                return (
                    f"adds {t}.{c} with a foreign key: validated under SHARE ROW EXCLUSIVE "
                    f"on both tables"
                )
        return None

    def add_constraint(self, t: str, p: str) -> str | None:
        body = p.removeprefix("add ").strip()
        body = re.sub(r"^constraint \S+ ", "", body)
        if body.startswith("unique") or body.startswith("constraint"):
            if self._new_cols_only(t, body):
                if self.d == "pgsql":
                    return (
                        f"ADD CONSTRAINT UNIQUE on existing {t} builds its index under "
                        "ACCESS EXCLUSIVE"
                    )
                return None
            return (
                f"a unique key on existing {t}: fails on duplicates, old code inserting "
                f"duplicates fails"
            )
        if body.startswith("primary key"):
            return (
                f"adds a primary key to existing {t}: rebuilds it / builds the index "
                f"under ACCESS EXCLUSIVE"
            )
        if body.startswith("foreign key"):
            if "not valid" in body:
                return None
            return (
                f"a foreign key on existing {t}: InnoDB copies the table with foreign_key_checks on"
                if self.d == "mysql"
                else f"a foreign key on existing {t} validated under locks on both tables"
            )
        if body.startswith("check"):
            return (
                None
                if "not valid" in body
                else f"a CHECK on existing {t}: scans (PostgreSQL) or copies (MariaDB)"
            )
        if body.startswith("fulltext") or body.startswith("spatial"):
            return (
                f"a {body.split()[0]} index on {t}: InnoDB builds it with LOCK=SHARED (writes wait)"
            )
        if body.startswith("index") or body.startswith("key"):
            return None  # InnoDB secondary index: online
        return None

    def drop(self, t: str, p: str) -> str | None:
        words = p.split()
        what = words[1]
        if what in ("index", "key", "foreign", "constraint", "check", "unique"):
            if what == "constraint" and self.d == "pgsql":
                return None
            return None
        if what == "primary":
            return f"drops the primary key of {t}: rebuilds it"
        if what == "default":
            return None
        c = _n(words[2] if what == "column" else words[1])
        if c in ("if",):
            c = _n(words[-1])
        return (
            None
            if (t, c) in self.new_cols
            else f"drops column {t}.{c}: old code still selects and writes it"
        )

    def change(self, t: str, p: str) -> str | None:
        m = re.match(r'change (?:column )?[`"]?(\w+)[`"]? [`"]?(\w+)[`"]? (.*)', p)
        if not m:
            return f"unreadable CHANGE on {t}"
        old, new, rest = m.group(1), m.group(2), m.group(3)
        if old.lower() != new.lower():
            return (
                None
                if (t, old) in self.new_cols
                else f"renames column {t}.{old}: old code uses the old name"
            )
        return self.redefine(t, old, rest)

    def redefine(self, t: str, c: str, rest: str) -> str | None:
        c = _n(c)
        if (t, c) in self.new_cols:
            return None
        info = self.schema.column(t, c)
        if info is None:
            return None  # the column does not exist here: the migration fails, no case
        old = info.type.lower()
        new = (
            rest.lower()
            .split(" not null")[0]
            .split(" null")[0]
            .split(" character set")[0]
            .split(" collate")[0]
        )
        new = new.split(" default")[0].split(" comment")[0].split(" after")[0].strip()
        if "not null" in rest and info.nullable:
            return f"makes {t}.{c} NOT NULL: old code writing NULL fails, and the table is copied"
        if "default" not in rest and info.has_default and "not null" in rest:
            return f"drops the default of NOT NULL {t}.{c}: old code's INSERTs that rely on it fail"
        return self._type_change(t, c, old, new, info.charset)

    def _type_change(self, t, c, old, new, charset) -> str | None:
        old, new = _INT_WIDTH.sub(r"\1", old), _INT_WIDTH.sub(r"\1", new)
        if old.replace(" ", "") == new.replace(" ", "") or not new:
            return None
        old_b, new_b = _base(old), _base(new)
        if old_b == new_b == "varchar" or (
            self.d == "pgsql"
            and old_b in ("varchar", "character varying")
            and new_b in ("varchar", "character varying", "text")
        ):
            a, b = _len(old), _len(new)
            if self.d == "pgsql":
                if b is None or (a is not None and b >= a):
                    return None
                return (
                    f"narrows {t}.{c} from {old} to {new}: old values may not fit, and "
                    f"PostgreSQL scans the table"
                )
            if a is not None and b is not None and b >= a:
                per = 1 if (charset or "").startswith("latin1") else 4
                if (a * per <= 255) == (b * per <= 255):
                    return None
                return f"widens {t}.{c} across the 255-byte length prefix: InnoDB copies the table"
            return (
                f"narrows {t}.{c} from {old} to {new}: copies the table and old values may not fit"
            )
        if old_b == "enum" and new_b == "enum" and self.d == "mysql":
            ov, nv = re.findall(r"'([^']*)'", old), re.findall(r"'([^']*)'", new)
            if nv[: len(ov)] == ov:
                return None
            return (
                f"changes enum {t}.{c} other than by appending: old code's values may "
                f"be refused, and the table is copied"
            )
        return f"changes the type of {t}.{c} from {old} to {new}: the table is copied or rewritten"

    def alter_column(self, t: str, p: str) -> str | None:
        m = re.match(r'alter (?:column )?[`"]?(\w+)[`"]? (.*)', p)
        c, rest = m.group(1), m.group(2)
        if (t, c) in self.new_cols:
            return None
        if rest.startswith("set not null"):
            return (
                f"sets {t}.{c} NOT NULL: scans under ACCESS EXCLUSIVE, old code writing NULL fails"
            )
        if (
            rest.startswith("drop not null")
            or rest.startswith("set default")
            or rest.startswith("drop default")
            and not self._not_null(t, c)
        ):
            return None
        if rest.startswith("drop default"):
            return f"drops the default of NOT NULL {t}.{c}: old code's INSERTs that rely on it fail"
        if rest.startswith("type") or rest.startswith("set data type"):
            new = re.sub(r"^(set data )?type ", "", rest).split(" using ")[0].split(" collate")[0]
            if " using " in rest:
                return f"changes {t}.{c} type USING an expression: rewrites every row"
            info = self.schema.column(t, c)
            return (
                self._type_change(t, c, info.type.lower() if info else "?", new.strip(), None)
                if info
                else None
            )
        return None

    def _not_null(self, t, c) -> bool:
        info = self.schema.column(t, c)
        return bool(info and info.nullable is False)


def _base(t: str) -> str:
    t = t.strip().lower()
    if t.startswith("character varying"):
        return "varchar"
    return re.split(r"[\s(]", t, maxsplit=1)[0]


def _len(t: str) -> int | None:
    m = re.search(r"\((\d+)\)", t)
    return int(m.group(1)) if m else None
