"""Blueprint calls judged from the source where pretend printed none (docs/gate.md "Second round").

Family 4: pretend stopped at a PHP error (a query result it answers with nothing) before a
`Schema::table` block's SQL: the block's calls are read and judged as the operations they stand
for (a column with a default and a plain index pass, a NOT NULL column without one blocks), and a
call the gate cannot read, raw SQL or an unpinned DELETE keep the block, with that reason. And a
block under `if (Schema::hasColumn(…))` that holds on the live schema, which pretend never prints
(it answers "no"): its drop is judged. Each case fails on the gate before this round.

Third round: such a block inside a driver test for other engines
(`if (DB::getDriverName() !== 'sqlite')`) is not judged on the one it excludes; a Schema call in a
`try` whose `catch` takes any exception, which pretend printed nothing for (the error that stopped
pretend was swallowed there), is judged from the source. Pretend runs no query, so a
`catch (QueryException $e)` swallows nothing there: those calls are not. A Schema call on the
variable of a `foreach` over a literal list of tables (in place, a variable, a class property)
stands for one per table, under the loop's `if (!Schema::hasColumn($t, 'c')) continue;`.

Fifth round: a `->change()` under a guard pretend answered "no" is judged against the live column
(a widening passes, a narrowing blocks, SQLite rebuilds for a stated length); a table named by
`config('key', 'default')` is read as its default; and the work up() leaves to the class's own
helper method (`$this->fill()`) is read where up() calls it.

Ninth round: the columns a stopped pretend's Blueprint calls add are known to be new when the
source's loop that fills them is judged (a keyed loop on them passes outside a transaction).

Eleventh round: a `Schema::create` after the guarded block whose foreign key names the guarded
table (`->on('invoices')`) no longer voids the guard: only a create's first argument is the
table it changes.

Sixteenth round: `if (Schema::hasColumn('prefs', 'id')) { ->increments('id')->change() } else {
->increments('id') }` (TastyIgniter's user_preferences). The `else` runs under the negated check,
so where the column exists the add pretend printed is set aside and the unprinted `->change()` is
judged per engine: MySQL copies the table to make a signed int an unsigned AUTO_INCREMENT,
PostgreSQL only adds a sequence default to the integer column, SQLite's Doctrine rebuilds it.
"""

from __future__ import annotations

import pytest

from deploytool.migrations.check import check
from deploytool.migrations.live_schema import LiveSchema
from deploytool.migrations.phpfacts import read_facts
from deploytool.migrations.policy import MigrationPolicy
from deploytool.migrations.pretend import migrations_from_pretend
from deploytool.migrations.report import PendingMigration

TABLES = {"pages": ("id", "name"), "roles": ("id", "name"), "notes": ("id", "message")}
SCHEMA = LiveSchema.from_rows(
    [(t, c, "varchar(20)", "NO") for t, cols in TABLES.items() for c in cols],
    [(t, "PRIMARY", "id") for t in TABLES],
    [(t, "0") for t in TABLES],  # a count of 0 says nothing: the tables have rows
)
STOPPED = ["In x.php line 9:", '  Attempt to read property "id" on null  ']


def php(body: str) -> str:
    head = "<?php\nreturn new class extends Migration {\n public function up() {\n"
    return f"{head}{body}\n }}\n}};"


ADMIN = "$admin = DB::table('roles')->where('name', 'admin')->first()->id;\n"
GRANT = "DB::table('roles')->insert(['name' => 'templates', 'id' => $admin + 1]);"
TEMPLATE = php(
    "Schema::table('pages', function (Blueprint $table) {\n"
    "  $table->boolean('template')->default(false);\n  $table->index('template');\n});\n"
    + ADMIN
    + GRANT
)
NOT_NULL = php(
    "Schema::table('pages', function (Blueprint $table) { $table->string('slug'); });\n"
    + ADMIN
    + GRANT
)
UNREAD = php(
    "Schema::table('pages', function (Blueprint $table) use ($col) {\n"
    "  $table->string($col)->nullable(); });\n" + ADMIN + GRANT
)
WIPE = php(ADMIN + "DB::table('roles')->delete();\n" + GRANT)
DROPS = php(
    "Schema::table('notes', function (Blueprint $table) {\n"
    "  if (Schema::hasColumn('notes', 'message')) { $table->dropColumn('message'); }\n"
    "  if (Schema::hasColumn('notes', 'gone')) { $table->dropColumn('gone'); } });"
)
# DaybydayCRM's payments: the create after the guarded drop references the guarded table
# (`->on('notes')`), which names it without changing it, so the guard is still read.
DROP_THEN_CREATE = php(
    "if (Schema::hasColumn('notes', 'message')) {\n"
    "  Schema::table('notes', function (Blueprint $table) { $table->dropColumn('message'); });\n}\n"
    "Schema::create('replies', function (Blueprint $table) {\n"
    "  $table->increments('id');\n  $table->integer('note_id');\n"
    "  $table->foreign('note_id')->references('id')->on('notes');\n});"
)
NOT_SQLITE = php(
    "if (Schema::getConnection()->getDriverName() !== 'sqlite') {\n"
    "  if (Schema::hasColumn('notes', 'message')) {\n"
    "    Schema::table('notes', function (Blueprint $table) { $table->dropColumn('message'); });\n"
    "  }\n}"
)
SWALLOWED = php(
    "try {\n  Note::chunkById(100, function ($notes) {\n"
    "    foreach ($notes as $n) { Log::info($n); } });\n"
    "  Schema::table('notes', function (Blueprint $table) { $table->dropColumn('message'); });\n"
    "} catch (\\Exception $e) {\n  echo 'failed: ' . $e->getMessage();\n}"
)
QUERY_ERRORS = SWALLOWED.replace("\\Exception", "QueryException")
ECHOED = ["failed: Call to undefined method App\\Models\\Note::forceDeleting()"]
TABLE_LOOP = php(
    "$tables = ['notes', 'pages', 'roles'];\nforeach ($tables as $name) {\n"
    "  if (! Schema::hasColumn($name, 'message')) {\n    continue;\n  }\n"
    "  Schema::table($name, function (Blueprint $table) { $table->dropColumn('message'); });\n}"
)
PROPERTY_LOOP = (
    "<?php\nreturn new class extends Migration {\n protected array $tables = ['pages', 'gone'];\n"
    " public function up() {\n  foreach ($this->tables as $t) {\n"
    "   if (!Schema::hasTable($t)) continue;\n"
    "   Schema::table($t, function (Blueprint $table) { $table->index('name'); });\n  }\n }\n};"
)
CHANGED = php(
    "if (Schema::hasTable(config('x.notes_table', 'notes'))\n"
    "    && Schema::hasColumn(config('x.notes_table', 'notes'), 'message')) {\n"
    "  Schema::table(config('x.notes_table', 'notes'), function (Blueprint $table) {\n"
    "    $table->string('message', 30)->change(); });\n}"
)
NARROWED = CHANGED.replace("'message', 30", "'message', 10")
COUNTER = php(
    "if (Schema::hasColumn('hits', 'n')) {\n  Schema::table('hits', function (Blueprint $table) {\n"
    "    $table->bigInteger('n')->unsigned()->nullable()->change(); });\n}"
)
HITS = LiveSchema.from_rows([("hits", "n", "bigint(20) unsigned", "YES")], [], [("hits", "0")])
HELPER = (
    "<?php\nreturn new class extends Migration {\n public function up() {\n"
    "  Schema::table('notes', function (Blueprint $t) { $t->string('tag')->nullable(); });\n"
    "  $this->fill();\n }\n"
    " private function fill(): void {\n  foreach (DB::table('notes')->get() as $n) {\n"
    "   DB::table('notes')->where('id', $n->id)->update(['message' => 'x']); }\n }\n};"
)
ADD_TAG = {
    "pgsql": ['alter table "notes" add column "tag" varchar(255) null', 'select * from "notes"'],
    "mysql": ["alter table `notes` add `tag` varchar(255) null", "select * from `notes`"],
}
# Vanilo's media upgrade: pretend stops in the cursor loop before printing the ADD COLUMNs, so the
# columns the loop fills are new only by the source's Blueprint calls.
FILL_NEW = php(
    "Schema::table('notes', function (Blueprint $table) { $table->uuid('uuid')->nullable(); });\n"
    "DB::table('notes')->cursor()->each(function ($n) {\n"
    "  DB::table('notes')->where('id', $n->id)->update(['uuid' => Str::uuid()]);\n"
    "});"
)
SERIAL = php(
    "if (Schema::hasColumn('prefs', 'id')) {\n"
    "  Schema::table('prefs', function (Blueprint $table) {\n"
    "    $table->increments('id')->first()->change(); });\n"
    "} else {\n"
    "  Schema::table('prefs', function (Blueprint $t) { $t->increments('id')->first(); });\n"
    "}"
)
PREFS = {
    "mysql": ("int(11)", "alter table `prefs` add `id` int unsigned not null auto_increment "
              "primary key first"),
    "pgsql": ("integer", 'alter table "prefs" add column "id" serial primary key not null'),
    "sqlite": ("INTEGER", 'alter table "prefs" add column "id" integer not null primary key '
               "autoincrement"),
}  # fmt: skip
HAS_TABLE = ["select * from information_schema.tables where table_name = ?"]
HAS_COLUMN = ["select column_name from information_schema.columns where table_name = ?"]

# (id, dialect, php source, pretend output lines, blocking rules, warning rules)
# Thirteenth round: fleetops renames the previous release's table when it is there and the new
# one is not; pretend answers both checks "no" and prints nothing of the rename
RENAMED = php(
    "if (Schema::hasTable('notes') && !Schema::hasTable('memos')) {\n"
    "    Schema::rename('notes', 'memos');\n}"
)
RENAMED_DONE = php(
    "if (Schema::hasTable('pages') && !Schema::hasTable('notes')) {\n"
    "    Schema::rename('pages', 'notes');\n}"
)
CASES = [
    ("stopped-add-default-and-index", "mysql", TEMPLATE, STOPPED, [], ["pretend-stopped"]),
    ("stopped-add-default-and-index-sqlite", "sqlite", TEMPLATE, STOPPED, [], ["pretend-stopped"]),
    # PostgreSQL builds a plain index under a SHARE lock: writes wait
    ("stopped-index-pgsql", "pgsql", TEMPLATE, STOPPED, ["index-not-concurrently"], []),
    ("stopped-not-null-without-default", "mysql", NOT_NULL, STOPPED, ["add-not-null-column"], []),
    ("stopped-unread-call", "mysql", UNREAD, STOPPED, ["unknown-statement"], []),
    ("stopped-unpinned-delete", "mysql", WIPE, STOPPED,
     ["pretend-unseen-write", "unknown-statement"], []),
    ("guard-holds-drop", "mysql", DROPS, HAS_COLUMN * 2, ["drop-column"], []),
    ("guard-holds-drop-not-on-sqlite", "sqlite", NOT_SQLITE, [], [], []),
    ("guard-holds-drop-on-mysql", "mysql", NOT_SQLITE, HAS_COLUMN, ["drop-column"], []),
    ("swallowed-error-drop", "mysql", SWALLOWED, ECHOED, ["drop-column"], []),
    ("swallowed-error-drop-sqlite", "sqlite", SWALLOWED, ECHOED, ["drop-column"], []),
    ("query-errors-only", "mysql", QUERY_ERRORS, [], [], []),
    # Eleventh round: a create that references the guarded table leaves the guard read
    ("guarded-drop-then-create-referencing", "mysql", DROP_THEN_CREATE,
     HAS_COLUMN + ["create table `replies` (`id` int unsigned not null auto_increment primary key, "
                   "`note_id` int not null)"], ["drop-column"], []),
    ("table-loop-drop", "mysql", TABLE_LOOP, HAS_COLUMN * 3, ["drop-column"], []),
    ("guarded-rename-holds", "mysql", RENAMED, HAS_TABLE * 2, ["rename-table"], []),
    ("guarded-rename-holds-pgsql", "pgsql", RENAMED, HAS_TABLE * 2, ["rename-table"], []),
    ("guarded-rename-skipped", "mysql", RENAMED_DONE, HAS_TABLE * 2, [], []),
    ("table-loop-index-pgsql", "pgsql", PROPERTY_LOOP, HAS_TABLE * 2,
     ["index-not-concurrently"], []),
    ("guarded-change-widens", "mysql", CHANGED, HAS_TABLE + HAS_COLUMN, [], []),
    ("guarded-change-widens-pgsql", "pgsql", CHANGED, HAS_TABLE + HAS_COLUMN, [], []),
    ("guarded-change-narrows", "mysql", NARROWED, HAS_TABLE + HAS_COLUMN,
     ["change-column-type"], []),
    ("guarded-change-rebuilds-sqlite", "sqlite", CHANGED, HAS_TABLE + HAS_COLUMN,
     ["table-copy"], []),
    ("guarded-change-keeps-unsigned", "mysql", COUNTER, HAS_COLUMN, [], []),
    ("helper-loop-in-transaction", "pgsql", HELPER, ADD_TAG["pgsql"], ["pretend-blind-loop"], []),
    ("helper-keyed-loop-mysql", "mysql", HELPER, ADD_TAG["mysql"], [], ["pretend-keyed-loop"]),
    # Sixteenth round: the else of a hasColumn check; the unprinted serial ->change() per engine
    ("else-serial-change-copies-mysql", "mysql", SERIAL, HAS_COLUMN + [PREFS["mysql"][1]],
     ["change-column-type"], ["pretend-schema-conditional"]),
    ("else-serial-change-sequence-pgsql", "pgsql", SERIAL, HAS_COLUMN + [PREFS["pgsql"][1]], [],
     ["pretend-schema-conditional"]),
    ("else-serial-change-rebuilds-sqlite", "sqlite", SERIAL, HAS_COLUMN + [PREFS["sqlite"][1]],
     ["table-copy"], ["pretend-schema-conditional"]),
    # Ninth round: the columns a stopped pretend's Blueprint calls add are new to the loop after
    ("stopped-loop-fills-new-column", "mysql", FILL_NEW, STOPPED, [], ["pretend-keyed-loop"]),
    ("stopped-loop-fills-new-column-sqlite", "sqlite", FILL_NEW, STOPPED, [],
     ["pretend-keyed-loop"]),
    ("stopped-loop-fills-new-column-pgsql", "pgsql", FILL_NEW, STOPPED, ["pretend-blind-loop"],
     []),
]  # fmt: skip


def judge(name, dialect, src, lines):
    text = "\n".join(f"{name}: {ln}" if ln.startswith(("select", "alter")) else ln for ln in lines)
    found = migrations_from_pretend(text, [f"{name}.php"])
    pending = [PendingMigration(m.name, m.file, m.statements, src, m.notes) for m in found]
    schema = HITS if "'hits'" in src else SCHEMA
    if "'prefs'" in src:
        prefs = [("prefs", "id", PREFS[dialect][0], "NO")]
        schema = LiveSchema.from_rows(prefs, [], [("prefs", "9")])
    return check(pending, dialect, MigrationPolicy(), schema)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_rule(case):
    name, dialect, src, lines, blocks, warns = case
    report = judge(name, dialect, src, lines)
    assert sorted({f.rule for f in report.findings if f.severity == "block"}) == blocks
    assert {f.rule for f in report.findings if f.severity == "warn"} >= set(warns)


def test_the_reasons_name_what_was_not_read():
    unread = [f.why for f in judge("u", "mysql", UNREAD, STOPPED).findings if f.severity == "block"]
    assert any("Blueprint call on pages the gate cannot read" in why for why in unread), unread
    wipe = [f.why for f in judge("w", "mysql", WIPE, STOPPED).findings if f.severity == "block"]
    assert any("deletes from roles without pinning a key" in why for why in wipe), wipe


def test_only_the_column_the_schema_has_is_dropped():
    report = judge("d", "mysql", DROPS, HAS_COLUMN * 2)
    (f,) = [f for f in report.findings if f.rule == "drop-column"]
    assert "notes.message" in f.why
    calls = read_facts(DROPS).schema_calls
    assert [(c.verb, c.args, c.guard) for c in calls if c.verb] == [
        ("dropColumn", ("message",), "column:notes.message"),
        ("dropColumn", ("gone",), "column:notes.gone"),
    ]


def test_a_table_loop_stands_for_each_table():
    calls = read_facts(TABLE_LOOP).schema_calls
    assert [(c.table, c.verb, c.guard) for c in calls if c.verb] == [
        ("notes", "dropColumn", "column:notes.message"),
        ("pages", "dropColumn", "column:pages.message"),
        ("roles", "dropColumn", "column:roles.message"),
    ]
    report = judge("t", "mysql", TABLE_LOOP, HAS_COLUMN * 3)
    (f,) = [f for f in report.findings if f.rule == "drop-column"]
    assert "notes.message" in f.why  # the tables without the column skip the call
    assert [c.table for c in read_facts(PROPERTY_LOOP).schema_calls if c.verb] == ["pages", "gone"]


def test_an_else_runs_under_the_check_negated():
    guards = read_facts(SERIAL).guards
    assert [(g.cond, g.columns) for g in guards] == [
        ("column:prefs.id", ("id",)),
        ("!column:prefs.id", ("id",)),
    ]
    # `a && b` negated is `!a || !b`, which a guard cannot say: its else is not read as one
    cond = "Schema::hasTable('prefs') && Schema::hasColumn('prefs', 'id')"
    both = SERIAL.replace("Schema::hasColumn('prefs', 'id')", cond)
    assert [g.cond for g in read_facts(both).guards] == ["table:prefs&column:prefs.id"]
