"""Every Blueprint command and modifier Laravel 8 has, pretended on real MariaDB, PostgreSQL and
SQLite: the gate reads every statement the grammars print (no unknown-statement finding).

The base migration runs for real (the tables the pending ones alter); the pending ones only
pretend, with Doctrine DBAL for ->change() and renameColumn(). Commands a grammar refuses (SQLite
cannot drop a foreign key, PostgreSQL has no spatial index without PostGIS' types) are left out
for that dialect only.
"""

from __future__ import annotations

import pytest

from deploytool.migrations import ops
from deploytool.migrations.check import check
from deploytool.migrations.policy import MigrationPolicy
from deploytool.migrations.pretend import migrations_from_pretend
from deploytool.migrations.statements import read_statement

from . import laravel_app
from .laravel_app import migration

pytestmark = pytest.mark.skipif(not laravel_app.has_dbal(), reason="needs php-doctrine-dbal")

BASE = migration(
    """
    Schema::create('owners', function (Blueprint $t) { $t->id(); $t->string('name'); });
    Schema::create('things', function (Blueprint $t) {
        $t->id(); $t->string('name', 50); $t->string('title', 100)->default('x');
        $t->string('legacy')->nullable(); $t->integer('counter')->default(0); $t->text('body');
        $t->unsignedBigInteger('owner_id'); $t->string('code')->unique();
        $t->string('tag')->index(); $t->string('slug')->index();
        $t->foreign('owner_id')->references('id')->on('owners');
        $t->timestamps(); $t->softDeletes(); $t->rememberToken(); $t->morphs('subject');
        $t->string('doc')->nullable(); $t->foreignId('other_id')->nullable()->constrained('owners');
    });
    Schema::create('olds', function (Blueprint $t) { $t->id(); });""",
    "CreateBase",
)

TYPES = """
    $t->id(); $t->char('c', 4); $t->string('s'); $t->tinyText('tt'); $t->text('tx');
    $t->mediumText('mt'); $t->longText('lt'); $t->integer('i'); $t->tinyInteger('ti');
    $t->smallInteger('si'); $t->mediumInteger('mi'); $t->bigInteger('bi');
    $t->unsignedInteger('ui'); $t->unsignedTinyInteger('uti'); $t->unsignedSmallInteger('usi');
    $t->unsignedMediumInteger('umi'); $t->unsignedBigInteger('ubi'); $t->float('f', 8, 2);
    $t->double('d', 8, 2); $t->decimal('de', 10, 2); $t->unsignedDecimal('ude', 10, 2);
    $t->boolean('b')->default(false); $t->enum('e', ['a', 'b']); $t->json('j'); $t->jsonb('jb');
    $t->date('da'); $t->dateTime('dt', 0); $t->dateTimeTz('dtz'); $t->time('tm'); $t->timeTz('tmz');
    $t->timestamp('ts')->useCurrent(); $t->timestampTz('tsz')->nullable(); $t->year('y');
    $t->binary('bin'); $t->uuid('u'); $t->ipAddress('ip'); $t->macAddress('mac');
    $t->foreignUuid('fu')->nullable(); $t->nullableMorphs('nm'); $t->uuidMorphs('um');
    $t->numericMorphs('num'); $t->nullableTimestamps(); $t->softDeletesTz();
    $t->string('dflt')->default(DB::raw('NULL'))->nullable(); $t->integer('cmp')->nullable();
"""
MYSQL_TYPES = """
    $t->set('st', ['a', 'b']); $t->point('p'); $t->geometry('g'); $t->lineString('ls');
    $t->polygon('pg'); $t->geometryCollection('gc'); $t->multiPoint('mp');
    $t->multiLineString('mls'); $t->multiPolygon('mpg');
    $t->string('chs')->charset('latin1')->collation('latin1_bin')->comment('note');
    $t->integer('v')->virtualAs('i + 1'); $t->integer('sv')->storedAs('i + 2');
    $t->integer('inv')->nullable()->invisible(); $t->integer('af')->nullable()->after('i');
    $t->integer('fi')->nullable()->first(); $t->integer('ai')->autoIncrement()->from(100)->change();
"""

ADDS = """
    Schema::table('things', function (Blueprint $t) {
        $t->string('nick')->nullable(); $t->integer('score')->default(0);
        $t->boolean('active')->default(true); $t->json('meta')->nullable();
        $t->timestamp('seen_at')->nullable()->useCurrent(); $t->string('lang', 5)->default('en');
        $t->index(['name', 'title'], 'things_name_title');
        $t->rawIndex('lower(name)', 'lower_name');
    });"""
INDEX_OPS = """
    Schema::table('things', function (Blueprint $t) {
        $t->unique('tag'); $t->fullText('body'); $t->dropIndex(['tag']); $t->dropUnique(['code']);
        $t->renameIndex('things_slug_index', 'things_sl'); $t->foreignId('owner2_id')->nullable()
            ->constrained('owners')->cascadeOnDelete(); $t->dropForeign(['owner_id']);
        $t->dropConstrainedForeignId('other_id');
    });"""
# One command per Schema::table: SQLite refuses two dropColumn/renameColumn in one Blueprint.
CHANGE_COMMANDS = (
    "$t->string('name', 100)->change();",
    "$t->string('title', 100)->nullable()->change();",
    "$t->integer('counter')->default(5)->change();",
    "$t->text('legacy')->nullable()->change();",
    "$t->renameColumn('doc', 'document');",
    "$t->dropColumn('body');",
    "$t->dropTimestamps();",
    "$t->dropSoftDeletes();",
    "$t->dropRememberToken();",
    "$t->dropMorphs('subject');",
)
CHANGES = "".join(
    f"\n    Schema::table('things', function (Blueprint $t) {{ {c} }});" for c in CHANGE_COMMANDS
)
TABLES = """
    Schema::create('temps', function (Blueprint $t) { $t->temporary(); $t->id(); });
    Schema::create('keyed', function (Blueprint $t) {
        $t->string('k'); $t->string('v'); $t->primary(['k', 'v']); $t->spatialIndex('k');
    });
    Schema::rename('olds', 'olders'); Schema::dropIfExists('nothere'); Schema::drop('owners_copy');
    Schema::disableForeignKeyConstraints(); Schema::enableForeignKeyConstraints();
    DB::table('things')->insert(['name' => 'a']);
    DB::table('things')->where('id', 1)->update(['name' => 'b']);
    DB::table('things')->where('id', 2)->delete(); DB::table('olders')->truncate();"""

PER_DIALECT = {
    "mysql": (TYPES + MYSQL_TYPES, INDEX_OPS, TABLES),
    "pgsql": (TYPES, INDEX_OPS, TABLES.replace("$t->spatialIndex('k');", "")),
    "sqlite": (
        TYPES,
        INDEX_OPS.replace("$t->fullText('body'); ", "")
        .replace("$t->dropForeign(['owner_id']);", "")
        .replace("$t->dropConstrainedForeignId('other_id');", ""),
        TABLES.replace("$t->spatialIndex('k');", ""),
    ),
}


def pending_files(dialect: str) -> dict[str, str]:
    types, index_ops, tables = PER_DIALECT[dialect]
    create = f"    Schema::create('all_types', function (Blueprint $t) {{{types}}});"
    if dialect == "mysql":  # ->change() of autoIncrement needs a table that exists: split it
        create = create.replace("$t->integer('ai')->autoIncrement()->from(100)->change();", "")
    bodies = [create, ADDS, index_ops, CHANGES, tables]
    return {
        f"2024_02_01_00000{n}_cover_{n}.php": migration(body, f"Cover{n}")
        for n, body in enumerate(bodies, 1)
    }


@pytest.mark.parametrize("dialect", ["mysql", "pgsql", "sqlite"])
def test_every_blueprint_statement_is_read(dialect, request, tmp_path):
    root = tmp_path / "app"
    migrations = laravel_app.write_app(root)
    (migrations / "2024_01_01_000000_create_base.php").write_text(BASE)
    if dialect == "sqlite":
        (tmp_path / "db.sqlite").touch()
        port, database = 0, str(tmp_path / "db.sqlite")
    else:
        from .conftest import Database

        db = Database(request.getfixturevalue("mariadb" if dialect == "mysql" else "postgres"))
        port, database = db.server.port, db.name
        db.run("create table owners_copy (id int)")
    if dialect == "sqlite":
        import sqlite3

        sqlite3.connect(database).execute("create table owners_copy (id int)").connection.commit()
    done = laravel_app.artisan(root, dialect, port, database, "migrate", "--force", dbal=True)
    assert done.returncode == 0, done.stdout + done.stderr
    files = pending_files(dialect)
    for name, text in files.items():
        (migrations / name).write_text(text)
    out = laravel_app.artisan(
        root, dialect, port, database, "migrate", "--pretend", "--force", dbal=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
    pending = migrations_from_pretend(out.stdout, list(files), files)
    statements = [s for m in pending for s in m.statements]
    assert None not in statements, out.stdout[-3000:]
    assert len(statements) > 30
    unknown = [
        (s, op.reason)
        for s in statements
        for op in read_statement(s, dialect)
        if isinstance(op, ops.Unknown)
    ]
    assert not unknown, "\n".join(f"{s}\n    -> {why}" for s, why in unknown)
    report = check(pending, dialect, MigrationPolicy())
    assert not [f for f in report.findings if f.rule == "unknown-statement"]
