"""Laravel 8's `php artisan migrate --pretend --force` output -> the pending SQL, per migration.

Measured on Laravel 8.83 (Debian), MariaDB 10.11 and PostgreSQL 15:

* each query prints as `ClassName: <sql>` (no `;`, bindings left as `?`); an anonymous migration
  prints its file name instead of a class; a multi-line query continues on unprefixed lines;
* when Doctrine throws a SchemaException (a column changed or renamed that the live database does
  not have yet) the migration prints `ClassName: failed to dump queries. …` instead of SQL; an
  anonymous migration is then named by PHP's class name, not its file (Migrator::pretendToRun's
  catch calls get_class only): `…Migration@anonymous<NUL>/path/2024_…_file.php:9$0`;
* any other exception (e.g. `->change()` or `renameColumn()` without doctrine/dbal) ends the run
  with Symfony's error block (`In ChangeColumn.php line 30:` and the boxed message); that
  migration and every later one are unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .report import PendingMigration

FAILED_DUMP = "failed to dump queries"
UNATTRIBUTED = "(pretend error)"
_NOISE = ("Nothing to migrate.", "Migration table created successfully.")
# PHP's name of an anonymous class: the parent, `@anonymous`, a NUL (kept, dropped or escaped by
# whatever captured the output), the defining file and `:line$n`; the file's stem names it.
_ANONYMOUS = re.compile(r"@anonymous(?:\x00|\\)?.*?([^/\\\x00]+)\.php(?::\d+\$\w+)?$")


@dataclass(frozen=True)
class PendingStatement:
    migration: str
    sql: str | None  # None: unknown, `note` says why
    note: str | None = None


def parse_pretend(output: str, names: Iterable[str] | None = None) -> list[PendingStatement]:
    """Statements in the order printed.

    `names`, when given, are the pending migrations' file names in run order: then only their
    class names (or, for anonymous migrations, file names) start a statement, and a fatal error is
    attributed to the migration that was running, the later ones marked not reached.
    """
    known = _Known([_stem(n) for n in names]) if names is not None else None
    lines = _strip_ansi(output).splitlines()
    out: list[PendingStatement] = []
    current: tuple[str, list[str]] | None = None

    def flush() -> None:
        if current is not None:
            out.append(_statement(current[0], "\n".join(current[1]).strip()))

    for k, line in enumerate(lines):
        if _error_header(line) and (k == 0 or not lines[k - 1].strip()):
            flush()
            current = None
            out.extend(_failure(lines[k + 1 :], out, known))
            return out
        prefix = _prefix(line, known)
        if prefix is not None:
            flush()
            current = (prefix[0], [prefix[1]])
        elif current is not None:
            current[1].append(line)
        # lines before the first prefix ("Migration table created successfully.") are noise
    flush()
    return out


def _statement(name: str, sql: str) -> PendingStatement:
    if sql.startswith(FAILED_DUMP):
        return PendingStatement(
            name,
            None,
            "Laravel printed 'failed to dump queries': Doctrine could not read a "
            "table or column that the live database does not have yet",
        )
    return PendingStatement(name, sql)


class _Known:
    """The pending migrations by file stem, and which printed name belongs to which."""

    def __init__(self, stems: list[str]):
        self.stems = stems
        self.by_name = {}
        for stem in stems:
            # PHP class names are case-insensitive: Laravel loads `AddPrimaryKeys` (the file
            # name's StudlyCase) from a file that declares `class AddprimaryKeys`, and pretend
            # prints the declared name
            self.by_name.setdefault(migration_class(stem).lower(), stem)
            self.by_name[stem] = stem

    def stem_of(self, printed: str) -> str | None:
        bare = printed.rsplit("\\", 1)[-1]
        return self.by_name.get(printed) or self.by_name.get(bare.lower())


def _stem(file_name: str) -> str:
    return file_name.rsplit("/", 1)[-1].removesuffix(".php")


def _prefix(line: str, known: _Known | None) -> tuple[str, str] | None:
    name, sep, rest = line.partition(": ")
    if not sep or line in _NOISE:
        return None
    if anonymous := _ANONYMOUS.search(name):
        name = anonymous.group(1)  # the file's stem, as the queries of that migration print it
    if known is not None:
        return (name, rest) if known.stem_of(name) else None
    ok = bool(name) and (name[0].isalpha() or name[0] in "_\\") or name[:1].isdigit()
    return (name, rest) if ok and all(c.isalnum() or c in "_\\" for c in name) else None


def _error_header(line: str) -> bool:
    s = line.strip()
    return s.startswith("In ") and s.endswith(":") and " line " in s


def _failure(
    rest: list[str], done: list[PendingStatement], known: _Known | None
) -> list[PendingStatement]:
    message = _boxed_message(rest)
    hint = ""
    if "doctrine" in message.lower():
        hint = " (Laravel 8 needs doctrine/dbal to pretend ->change() and renameColumn())"
    note = f"`migrate --pretend` stopped with an error: {message}{hint}"
    if known is None:
        return [PendingStatement(UNATTRIBUTED, None, note)]
    printed = {known.stem_of(s.migration) for s in done}
    last = max((known.stems.index(n) for n in printed if n), default=-1)
    failed = known.stems[last + 1 :]
    if not failed:
        return [PendingStatement(UNATTRIBUTED, None, note)]
    return [PendingStatement(failed[0], None, note)] + [
        PendingStatement(
            n, None, "not reached: `migrate --pretend` stopped at an earlier migration"
        )
        for n in failed[1:]
    ]


def _boxed_message(lines: list[str]) -> str:
    """Symfony prints the message in a padded box, hard-wrapped at a fixed width, mid-word
    included."""
    body = []
    for line in lines:
        if not line.strip():
            if body:
                break
            continue
        body.append(line)
    width = max((len(b.rstrip()) for b in body), default=0)
    text, cut = "", False
    for b in body:
        # A line as wide as the widest was cut by the box (mid-word too): glue the next one on.
        text += b.strip() if cut or not text else " " + b.strip()
        cut = len(b.rstrip()) >= width
    return " ".join(text.split())


def _strip_ansi(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\x1b" and text[i + 1 : i + 2] == "[":
            j = i + 2
            while j < len(text) and not text[j].isalpha():
                j += 1
            i = j + 1
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def migration_class(file_name: str) -> str:
    """Laravel 8: StudlyCase of the file name without its four-part date prefix."""
    stem = _stem(file_name)
    words = "_".join(stem.split("_")[4:]).replace("-", "_").split("_")
    return "".join(w[:1].upper() + w[1:] for w in words if w)


def class_to_file(class_names: Iterable[str], file_names: Iterable[str]) -> dict[str, str]:
    """Map each printed name (a class, possibly namespaced, or an anonymous migration's file stem)
    to its file."""
    files = list(file_names)
    by_class: dict[str, str] = {}
    by_stem: dict[str, str] = {}
    for f in files:
        by_class.setdefault(migration_class(f).lower(), f)  # case-insensitive, as PHP's
        by_stem[_stem(f)] = f
    mapping = {}
    for name in class_names:
        found = by_stem.get(name) or by_class.get(name.rsplit("\\", 1)[-1].lower())
        if found is not None:
            mapping[name] = found
    return mapping


def migrations_from_pretend(
    output: str, pending_files: Sequence[str], sources: Mapping[str, str] | None = None
) -> list[PendingMigration]:
    """Group the pretend output into PendingMigrations, one per pending file in run order.

    `pending_files` are the pending migration file names (as `migrate:status` lists them, in order);
    `sources` maps a file name to its text, where allow annotations and `$withinTransaction` live.
    """
    statements = parse_pretend(output, pending_files)
    mapping = class_to_file({s.migration for s in statements}, pending_files)
    grouped: dict[str, list[PendingStatement]] = {f: [] for f in pending_files}
    orphans: list[PendingStatement] = []
    for s in statements:
        (grouped[mapping[s.migration]] if s.migration in mapping else orphans).append(s)
    result = [_migration(f, grouped[f], sources) for f in pending_files]
    if orphans:
        result.append(
            PendingMigration(
                UNATTRIBUTED,
                None,
                tuple(s.sql for s in orphans),
                None,
                tuple(s.note for s in orphans),
            )
        )
    return result


def _migration(
    file: str, stmts: list[PendingStatement], sources: Mapping[str, str] | None
) -> PendingMigration:
    return PendingMigration(
        _stem(file),
        file,
        tuple(s.sql for s in stmts),
        (sources or {}).get(file),
        tuple(s.note for s in stmts),
    )
