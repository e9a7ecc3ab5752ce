"""What the running release's code names: whether a dropped or renamed table or column is still
used by the code that keeps running until the switch (pure: the search is a probe's job).

A contract step (drop or rename) breaks the old code only if the old code uses the name. The
gate cannot see that from the migration alone, so it asks the running release: every identifier
in its code (vendor included; migrations, seeders, factories, tests and storage left out) that
contains one of the names the pending migrations could drop or rename, case-insensitively.

    searched = candidates(sources, statements)     # the names worth asking about
    found = parse_found(grep_stdout)               # identifiers of the running code holding one
    RunningCode(searched, found).uses_table("votes")   # True / False / None (not searched)

A table is used if an identifier equals its name or the model class Laravel would map to it
(`votes` -> `Vote`, each part of a pivot `role_user` -> `Role`, `User`); a column if an
identifier equals it or has it as a hump (`is_private` -> `getIsPrivateAttribute`,
`scopeIsPrivate`, `isPrivate`). Any doubt reads as used: a name in a comment, a translation or
another table's column keeps the block, which is the safe side. What no search sees (a name
built at run time, `$model->{$field}`, `SELECT *` consumers) is why the gate says which code it
searched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# a name worth asking about: quoted in the PHP source or the SQL, at least 3 characters
_QUOTED = re.compile(r"""['"`]([A-Za-z_][A-Za-z0-9_]{2,63})['"`]""")
_DOTTED = re.compile(r"""['"]([A-Za-z_]\w{2,63})\.([A-Za-z_]\w{2,63})['"]""")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# too common to tell anything (every model has them): asked about, they would match everywhere
_COMMON = frozenset({"id", "created_at", "updated_at", "deleted_at", "name", "type", "users"})


def candidates(sources: Iterable[str], statements: Iterable[str] = ()) -> frozenset[str]:
    """The lower-cased names the pending migrations quote: what a drop or rename can name."""
    found: set[str] = set()
    for text in (*sources, *statements):
        found.update(m.group(1).lower() for m in _QUOTED.finditer(text or ""))
        for m in _DOTTED.finditer(text or ""):
            found.update((m.group(1).lower(), m.group(2).lower()))
    return frozenset(found - _COMMON)


def pattern(searched: Iterable[str]) -> str:
    """An extended regex (grep -E -i -o) printing each identifier holding a searched name in any
    of the forms RunningCode asks about."""
    forms = sorted({f for n in searched for f in _forms(n)}, key=lambda f: (-len(f), f))
    return r"[A-Za-z0-9_]*(" + "|".join(re.escape(f) for f in forms) + r")[A-Za-z0-9_]*"


def _forms(name: str) -> set[str]:
    # the name, its hump (is_private -> isprivate, matched case-insensitively), and the model
    # class of a table and of each part of a pivot (votes -> vote, role_user -> role, user)
    forms = {name, name.replace("_", ""), _singular(name).replace("_", "")}
    return forms | {_singular(p) for p in name.split("_") if len(p) > 2}


def parse_found(stdout: str) -> frozenset[str]:
    """grep -o's identifiers, one per line (the host sorts them unique); anything else ignored."""
    return frozenset(line.strip() for line in stdout.splitlines() if _IDENT.fullmatch(line.strip()))


def _hump(column: str) -> re.Pattern:
    # `IsPrivate` inside getIsPrivateAttribute / scopeIsPrivate, `isPrivate` as a word start
    studly = _studly(column)
    camel = studly[:1].lower() + studly[1:]
    return re.compile(rf"(?:{re.escape(studly)}|^{re.escape(camel)})(?![a-z])")


def _table_words(table: str) -> set[str]:
    # the table's name and the model class names Laravel would map to it, lower-cased
    words = {table, _studly(_singular(table)).lower()}
    return words | {_studly(_singular(p)).lower() for p in table.split("_") if len(p) > 2}


def _studly(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)


def _singular(word: str) -> str:
    # Laravel's Str::singular for the table names migrations use; an odd plural just adds a
    # candidate class name that is not there, and the table is judged on its own name too
    for plural, single in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch")):
        if word.endswith(plural):
            return word[: -len(plural)] + single
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


@dataclass(frozen=True)
class RunningCode:
    """What one search of the running release found. `where` says which code was searched."""

    searched: frozenset[str]
    found: frozenset[str]
    where: str = "the running release"

    def _lowered(self) -> frozenset[str]:
        return frozenset(f.lower() for f in self.found)

    def uses_table(self, table: str) -> bool | None:
        """None if the name was not searched (then nothing is known)."""
        t = table.lower().rsplit(".", 1)[-1]
        if t not in self.searched:
            return None
        return bool(_table_words(t) & self._lowered())

    def uses_column(self, column: str) -> bool | None:
        c = column.lower()
        if c not in self.searched:
            return None
        return c in self._lowered() or any(_hump(c).search(f) for f in self.found)

    def decisive(self) -> frozenset[str]:
        """The found identifiers that decide some answer: the same answers to uses_table and
        uses_column for every searched name, from far fewer identifiers (what a stored fact
        keeps; the probe's full list holds every identifier merely containing a form)."""
        keep = set()
        for name in self.searched:
            keep |= {f for f in self.found if f.lower() in _table_words(name)}
            keep |= {f for f in self.found if _hump(name).search(f)}
        return frozenset(keep)
