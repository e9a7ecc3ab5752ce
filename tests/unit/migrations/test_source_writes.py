"""Writes and schema conditionals read from the PHP source, judged where pretend cannot show them.

One case per rule family, each failing on the gate before it (docs/gate.md "Rule families from
the source"): loops over query results spelled as `Model::all()->map` (facts saw no loop), a
write behind `->first()` that pretend answers empty (passed unseen), keyed per-row loops outside
a transaction (blocked as blind loops, on SQLite too), and a schema conditional the live schema
decides (judged as pretend printed it). Third round: a transaction the loop opens for each row
(`DB::transaction()` inside its body) commits before the next row: no longer the loop's; a loop
that stores Crypt::encrypt…/decrypt… of a value in a column old code reads converts its format;
a keyed write of constants only carries nothing read from the row (no read-modify-write).
Fourth round: a hash of a row's value (Hash::make($row->secret)) converts like encryption, a hash
of a literal does not; an early `return` under a schema check guards the rest of up(), which
pretend never reaches; a loop that only inserts into a table the migration creates is harmless.
"""

from __future__ import annotations

import pytest

from deploytool.migrations.check import check
from deploytool.migrations.live_schema import LiveSchema
from deploytool.migrations.phpfacts import read_facts
from deploytool.migrations.policy import MigrationPolicy
from deploytool.migrations.report import PendingMigration

COLUMNS = [
    ("orders", "id", "int", "NO"),
    ("orders", "amount", "decimal(10,2)", "NO"),
    ("settings", "id", "int", "NO"),
    ("settings", "webhook", "varchar(20)", "YES"),
    ("users", "id", "int", "NO"),
    ("users", "prefs", "text", "YES"),
    ("channel", "id", "int", "NO"),
    ("channel", "name", "varchar(20)", "NO"),
]
UNIQUE = [(t, "PRIMARY", "id") for t in ("orders", "settings", "users", "channel")]
# a recorded count of 0 says nothing (the table is taken to have rows); 1 is a small table
SIZES = [("orders", "0"), ("settings", "0"), ("users", "0"), ("channel", "0")]
SCHEMA = LiveSchema.from_rows(COLUMNS, UNIQUE, SIZES)
ONE_SETTING = LiveSchema.from_rows(COLUMNS, UNIQUE, [*SIZES[:1], ("settings", "1"), *SIZES[2:]])


def php(body: str) -> str:
    head = "<?php\nreturn new class extends Migration {\n public function up() {\n"
    return f"{head}{body}\n }}\n}};"


STATS = php(
    "Order::all()->map(function ($order) {\n"
    "  $order->amount = $order->items->sum('price'); $order->save(); });"
)
FIRST = php(
    "$s = DB::table('settings')->first();\n"
    "if ($s) { DB::table('settings')->update(['webhook' => 'slack']); }"
)
KEYED_NEW = php(
    "Schema::table('users', function ($t) { $t->string('key')->nullable(); });\n"
    "DB::table('users')->whereNull('key')->get()->each(function ($u) {\n"
    "  DB::table('users')->where('id', $u->id)->update(['key' => Str::uuid()]); });"
)
KEYED_TXN = php(
    "DB::transaction(function () {\n"
    "  DB::table('users')->get()->each(function ($u) {\n"
    "    DB::table('users')->where('id', $u->id)->update(['key' => 1]); }); });"
)
TXN_PER_ROW = php(
    "Schema::table('users', function ($t) { $t->string('key')->nullable(); });\n"
    "DB::table('users')->whereNull('key')->get()->each(function ($u) {\n"
    "  DB::transaction(function () use ($u) {\n"
    "    DB::table('users')->where('id', $u->id)->update(['key' => Str::uuid()]); }); });"
)
ENCRYPT = php(
    "DB::table('users')->chunkById(100, function ($users) {\n"
    "  foreach ($users as $u) {\n"
    "    DB::table('users')->where('id', $u->id)\n"
    "      ->update(['prefs' => Crypt::encryptString($u->prefs)]); } });"
)
ENCRYPT_VAR = php(
    "foreach (User::lazyById(100) as $user) {\n"
    "  $enc = encrypt($user->prefs); $user->prefs = $enc; $user->save(); }"
)
ENCRYPT_NEW = php(
    "Schema::table('users', function ($t) { $t->text('key')->nullable(); });\n"
    "DB::table('users')->chunkById(100, function ($users) {\n"
    "  foreach ($users as $u) {\n"
    "    DB::table('users')->where('id', $u->id)->update(['key' => encrypt($u->prefs)]); } });"
)
CONSTANTS = php(
    "foreach (Setting::all() as $s) {\n"
    "  if ($s->webhook === 'none') { $s->webhook = 'slack'; $s->save(); } }"
)
REWRITE = php(
    "foreach (DB::table('users')->get() as $u) {\n"
    "  DB::table('users')->where('id', $u->id)->update(['prefs' => json_encode($u->prefs)]); }"
)
GUARDED = php(
    "Schema::table('channel', function ($t) {\n"
    "  if (!Schema::hasColumn('channel', 'id')) { $t->increments('id'); } });"
)
HASH = php(
    "DB::table('users')->whereNotNull('prefs')->eachById(function ($u) {\n"
    "  DB::table('users')->where('id', $u->id)->update(['prefs' => Hash::make($u->prefs)]); });"
)
NEW_PASSWORD = php("DB::table('users')->where('id', 1)->update(['prefs' => Hash::make('x')]);")
EARLY_RETURN = php(
    "if (!Schema::hasColumn('users', 'prefs')) { return; }\n"
    "Schema::table('users', function ($t) { $t->dropColumn('prefs'); });"
)
BARE_RETURN = EARLY_RETURN.replace("{ return; }", "return;")
NO_PREFS = LiveSchema.from_rows([c for c in COLUMNS if c[1] != "prefs"], UNIQUE, SIZES)
ASKED = ["select column_name as `column_name` from information_schema.columns where "
         "table_schema = ? and table_name = ?"]  # fmt: skip
SEED_NEW = php(
    "Schema::create('commands', function ($t) { $t->id(); $t->string('name'); });\n"
    "foreach (Site::all() as $site) {\n"
    "  $site->commands()->createMany($site->type()->baseCommands()); }"
)
CREATED_PG = ['create table "commands" ("id" bigserial primary key not null, "name" varchar(255) '
              'not null)', 'select * from "sites"']  # fmt: skip
SEED_OLD = SEED_NEW.replace("commands()->createMany", "orders()->createMany")
CREATED = ["create table `commands` (`id` bigint unsigned not null auto_increment primary key, "
           "`name` varchar(255) not null)", "select * from `sites`"]  # fmt: skip
ADD_KEY = {
    "mysql": ["alter table `users` add `key` varchar(255) null"],
    "sqlite": ['alter table "users" add column "key" varchar'],
    "pgsql": ['alter table "users" add column "key" varchar(255) null'],
}
ADD_ID = ["alter table `channel` add `id` int unsigned not null auto_increment primary key"]

# (id, dialect, php source, pretend statements, schema, blocking rules, warning rules)
# deployer's group ordering: each group saved by key, in PostgreSQL's migration transaction
ORDER = php(
    "Schema::table('settings', function ($t) { $t->unsignedInteger('position')->default(0); });\n"
    "$i = 0;\nforeach (Setting::orderBy('name')->get() as $s) {\n"
    "  $s->position = $i; $s->save(); $i++;\n}"
)
ADD_POSITION = [
    'alter table "settings" add column "position" integer not null default \'0\'',
    'select * from "settings" order by "name" asc',
]
CASES = [
    ("model-all-map", "mysql", STATS, ["select * from `orders`"], SCHEMA, ["pretend-blind-loop"]),
    ("first-then-update", "mysql", FIRST, ["select * from `settings` limit 1"], SCHEMA,
     ["pretend-unseen-write"]),
    ("first-then-update-small", "mysql", FIRST, ["select * from `settings` limit 1"],
     ONE_SETTING, []),
    ("keyed-loop-mysql", "mysql", KEYED_NEW, ADD_KEY["mysql"], SCHEMA, [], ["pretend-keyed-loop"]),
    ("keyed-loop-sqlite", "sqlite", KEYED_NEW, ADD_KEY["sqlite"], SCHEMA, [],
     ["pretend-keyed-loop"]),
    ("keyed-loop-pgsql", "pgsql", KEYED_NEW, ADD_KEY["pgsql"], SCHEMA, ["pretend-blind-loop"]),
    ("keyed-loop-own-txn", "mysql", KEYED_TXN, [], SCHEMA, ["pretend-blind-loop"]),
    ("keyed-loop-txn-per-row", "mysql", TXN_PER_ROW, ADD_KEY["mysql"], SCHEMA, [],
     ["pretend-keyed-loop"]),
    ("keyed-loop-txn-per-row-pgsql", "pgsql", TXN_PER_ROW, ADD_KEY["pgsql"], SCHEMA,
     ["pretend-blind-loop"]),
    ("encrypt-in-place", "mysql", ENCRYPT, [], SCHEMA, ["pretend-converted-column"]),
    ("encrypt-in-place-sqlite", "sqlite", ENCRYPT, [], SCHEMA, ["pretend-converted-column"]),
    ("encrypt-through-variable", "mysql", ENCRYPT_VAR, [], SCHEMA, ["pretend-converted-column"]),
    ("encrypt-into-new-column", "mysql", ENCRYPT_NEW, ADD_KEY["mysql"], SCHEMA, []),
    ("keyed-loop-constants", "mysql", CONSTANTS, [], SCHEMA, [], ["pretend-keyed-loop"]),
    ("keyed-loop-constants-pgsql", "pgsql", CONSTANTS, [], SCHEMA, ["pretend-blind-loop"]),
    ("keyed-loop-rewrites", "mysql", REWRITE, ["select * from `users`"], SCHEMA,
     ["pretend-blind-loop"]),
    ("guard-decided", "mysql", GUARDED, ADD_ID, SCHEMA, [], ["pretend-schema-conditional"]),
    ("guard-unknown", "mysql", GUARDED, ADD_ID, None, ["add-rewriting-column"],
     ["pretend-schema-conditional"]),
    ("hash-in-place", "mysql", HASH, [], SCHEMA, ["pretend-converted-column"]),
    ("hash-in-place-sqlite", "sqlite", HASH, [], SCHEMA, ["pretend-converted-column"]),
    ("hash-of-a-literal", "mysql", NEW_PASSWORD,
     ["update `users` set `prefs` = ? where `id` = ?"], SCHEMA, []),
    ("early-return-guard-holds", "mysql", EARLY_RETURN, ASKED, SCHEMA, ["drop-column"]),
    ("early-return-guard-returns", "mysql", EARLY_RETURN, ASKED, NO_PREFS, []),
    ("early-bare-return-guard-holds", "mysql", BARE_RETURN, ASKED, SCHEMA, ["drop-column"]),
    ("loop-seeds-new-table", "mysql", SEED_NEW, CREATED, SCHEMA, [], ["pretend-inert-loop"]),
    ("loop-seeds-new-table-pgsql", "pgsql", SEED_NEW, CREATED_PG, SCHEMA, [],
     ["pretend-inert-loop"]),
    # eleventh round: the rows it saves are those of a table the statistics count small
    ("keyed-loop-small-table-pgsql", "pgsql", ORDER, ADD_POSITION, ONE_SETTING, []),
    ("keyed-loop-uncounted-table-pgsql", "pgsql", ORDER, ADD_POSITION, SCHEMA,
     ["pretend-blind-loop"]),
    ("loop-inserts-into-old-table", "mysql", SEED_OLD, CREATED, SCHEMA, ["pretend-blind-loop"]),
]  # fmt: skip


def judge(name, dialect, src, statements, schema):
    m = PendingMigration(name, f"{name}.php", tuple(statements), src)
    return check([m], dialect, MigrationPolicy(), schema)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_rule(case):
    name, dialect, src, statements, schema, blocks, *warns = case
    report = judge(name, dialect, src, statements, schema)
    assert sorted(f.rule for f in report.findings if f.severity == "block") == sorted(blocks)
    if warns:
        assert {f.rule for f in report.findings if f.severity == "warn"} >= set(warns[0])


def test_the_reasons_say_what_the_source_shows():
    loop = judge("s", "mysql", STATS, [], SCHEMA).findings[0].why
    assert "orders" in loop and "amount" in loop and "overwritten" in loop
    first = judge("f", "mysql", FIRST, [], SCHEMA).findings[0].why
    assert "settings" in first and "first()" in first
    guard = [f for f in judge("g", "mysql", GUARDED, ADD_ID, SCHEMA).findings][0].why
    assert "hasColumn(channel.id) is true" in guard and "not judged" in guard


def test_facts_of_a_keyed_loop():
    (w,) = read_facts(KEYED_NEW).writes
    assert (w.table, w.in_loop, w.pinned, w.columns, w.fills_empty) == (
        "users",
        True,
        ("id",),
        ("key",),
        ("key",),
    )
    assert read_facts(KEYED_TXN).explicit_transaction
    assert not read_facts(TXN_PER_ROW).explicit_transaction  # one row's, inside the loop
    assert [w.converts for w in read_facts(ENCRYPT).writes] == [("prefs",)]
    assert [(w.columns, w.converts) for w in read_facts(ENCRYPT_VAR).writes] == [
        (("prefs",), ("prefs",))
    ]
    assert [w.converts for w in read_facts(KEYED_NEW).writes] == [()]
    assert read_facts(STATS).db_loop  # `Model::all()->map(...)` is a loop over query results
