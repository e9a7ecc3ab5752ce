"""Rules that need the live schema or the PHP source's facts, one table-driven case each.

Each family has a case that passes only with it (a safe statement the old gate blocked, or an
unsafe one it passed): key-restricted writes, small tables, dropping an absent table, unique
keys on columns the same migration added or implied by a unique key the table has, FULLTEXT
builds, integer display widths, loops pretend cannot see, a pretend stopped at a PHP error,
schema conditionals.
"""

from __future__ import annotations

import pytest

from deploytool.migrations.check import check
from deploytool.migrations.live_schema import LiveSchema
from deploytool.migrations.phpfacts import SourceFacts
from deploytool.migrations.policy import MigrationPolicy
from deploytool.migrations.report import PendingMigration

USERS = [("users", "id", "bigint(20) unsigned", "NO"), ("users", "email", "varchar(255)", "NO")]
CONFIGS = [("configs", "id", "int", "NO"), ("configs", "key", "varchar(50)", "NO")]
STATES = [("users", "state", "varchar(20)", "NO", None, "YES", "'new'")]
SCHEMA = LiveSchema.from_rows(
    USERS + CONFIGS + STATES,
    unique=[("users", "users_email_unique", "email"), ("configs", "PRIMARY", "id")],
    sizes=[("users", "2000000"), ("configs", "80")],
)
LOOP = SourceFacts(db_loop=True)
STOPPED = "`migrate --pretend` stopped with an error: Attempt to read property on null"

# (id, dialect, statements, facts, expected blocking rules, expected warning rules)
CASES = [
    (
        "unique-key-pinned",
        "mysql",
        ["update `users` set `name` = ? where `email` = ?"],
        None,
        (),
        (),
    ),
    (
        "non-key-backfill",
        "mysql",
        ["update `users` set `name` = ? where `name` = ?"],
        None,
        ("unbatched-write",),
        (),
    ),
    (
        "or-unpins",
        "pgsql",
        ['update "users" set "a" = 1 where "email" = ? or "a" = 2'],
        None,
        ("unbatched-write",),
        (),
    ),
    ("small-table", "pgsql", ['delete from "configs" where "key" in (?, ?)'], None, (), ()),
    # Seventeenth round: a foreign key on a table counted small is a brief copy or scan; on one
    # counted large it still blocks
    (
        "small-table-foreign-key",
        "mysql",
        [
            "alter table `configs` add constraint `configs_user_fk` foreign key (`id`) references "
            "`users` (`id`)"
        ],
        None,
        (),
        (),
    ),
    (
        "small-table-foreign-key-pgsql",
        "pgsql",
        [
            'alter table "configs" add constraint "configs_user_fk" foreign key ("id") references '
            '"users" ("id")'
        ],
        None,
        (),
        (),
    ),
    (
        "large-table-foreign-key",
        "mysql",
        [
            "alter table `users` add constraint `users_config_fk` foreign key (`id`) references "
            "`configs` (`id`)"
        ],
        None,
        ("add-foreign-key",),
        (),
    ),
    ("drop-absent-table", "mysql", ["drop table if exists `telemetry`"], None, (), ()),
    ("drop-present-table", "mysql", ["drop table if exists `configs`"], None, ("drop-table",), ()),
    (
        "unique-on-new-column",
        "mysql",
        [
            "alter table `users` add `api_token` varchar(80) null",
            "alter table `users` add unique `users_api_token_unique`(`api_token`)",
        ],
        None,
        (),
        (),
    ),
    (
        "unique-on-new-column-pg-locks",
        "pgsql",
        [
            'alter table "users" add column "api_token" varchar(80) null',
            'alter table "users" add constraint "u" unique ("api_token")',
        ],
        None,
        ("add-unique-constraint",),
        (),
    ),
    (
        "unique-on-old-column",
        "sqlite",
        ['create unique index "u" on "users" ("state")'],
        None,
        ("add-unique-constraint",),
        (),
    ),
    (
        # unique(email, state) replacing unique(email): the old key keeps every row distinct
        "unique-implied-by-old-key",
        "mysql",
        [
            "alter table `users` drop index `users_email_unique`",
            "alter table `users` add unique `users_email_state_unique`(`email`, `state`)",
        ],
        None,
        (),
        (),
    ),
    (
        "unique-implied-by-old-key-sqlite",
        "sqlite",
        ['create unique index "u" on "users" ("email", "state")'],
        None,
        (),
        (),
    ),
    (
        "unique-implied-pg-still-locks",
        "pgsql",
        ['alter table "users" add constraint "u" unique ("email", "state")'],
        None,
        ("add-unique-constraint",),
        (),
    ),
    (
        "fulltext",
        "mysql",
        ["alter table `users` add fulltext `ft`(`email`)"],
        None,
        ("shared-lock-index",),
        (),
    ),
    (
        "int-display-width",
        "mysql",
        ["ALTER TABLE users CHANGE id id BIGINT UNSIGNED NOT NULL"],
        None,
        (),
        (),
    ),
    (
        "loop-in-pg-transaction",
        "pgsql",
        ['select * from "users"'],
        LOOP,
        ("pretend-blind-loop",),
        (),
    ),
    (
        "batched-loop-mysql",
        "mysql",
        ["select * from `users`"],
        SourceFacts(db_loop=True, batched=True),
        (),
        (),
    ),
    ("stopped-inserts-only", "mysql", [None], SourceFacts(), (), ("pretend-stopped",)),
    (
        "stopped-with-deletes",
        "mysql",
        [None],
        SourceFacts(changes=("delete",)),
        ("unknown-statement",),
        (),
    ),
    (
        "drop-default-not-null",
        "pgsql",
        ['alter table "users" alter column "state" drop default'],
        None,
        ("drop-default",),
        (),
    ),
    # OpnForm: DROP DEFAULT then DROP NOT NULL in PostgreSQL's one migration transaction: no
    # session ever sees the column NOT NULL without its default.
    (
        "drop-default-then-nullable-in-one-transaction",
        "pgsql",
        [
            "ALTER TABLE users ALTER state DROP DEFAULT",
            "ALTER TABLE users ALTER state DROP NOT NULL",
        ],
        SourceFacts(within_transaction=True),
        (),
        ("drop-not-null",),
    ),
    (
        "drop-default-then-nullable-each-committed",  # a moment without either: still blocked
        "pgsql",
        [
            "ALTER TABLE users ALTER state DROP DEFAULT",
            "ALTER TABLE users ALTER state DROP NOT NULL",
        ],
        SourceFacts(within_transaction=False),
        ("drop-default",),
        ("drop-not-null",),
    ),
    (
        "nullable-then-drop-default",
        "mysql",
        [
            "ALTER TABLE users MODIFY state varchar(20) NULL DEFAULT 'new'",
            "ALTER TABLE users ALTER state DROP DEFAULT",
        ],
        None,
        (),
        ("drop-not-null",),
    ),
    (
        "dbal-change-loses-default",
        "mysql",
        ["ALTER TABLE users CHANGE state state VARCHAR(20) NOT NULL"],
        None,
        ("drop-default",),
        (),
    ),
    (
        "explicit-copy",
        "mysql",
        ["ALTER TABLE users ADD nick VARCHAR(20) NULL, ALGORITHM=COPY"],
        None,
        ("table-copy",),
        (),
    ),
    ("vacuum-full", "pgsql", ["vacuum full users"], None, ("table-copy",), ()),
    (
        "unknown-alter-blocks",
        "pgsql",
        ['alter table "users" frobnicate "email"'],
        None,
        ("unknown-statement",),
        (),
    ),
    (
        "unknown-function-warns",
        "pgsql",
        ["create function f() returns int as $$ select 1 $$ language sql frobnicate"],
        None,
        (),
        ("unknown-harmless-statement",),
    ),
    (
        "schema-conditional",
        "mysql",
        ["alter table `users` add `nick` varchar(20) null"],
        SourceFacts(schema_conditionals=True),
        (),
        ("pretend-schema-conditional",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_rule(case):
    name, dialect, statements, facts, blocks, warns = case
    notes = tuple(STOPPED if s is None else None for s in statements)
    m = PendingMigration(name, f"{name}.php", tuple(statements), None, notes, facts=facts)
    report = check([m], dialect, MigrationPolicy(), SCHEMA)
    assert sorted(f.rule for f in report.findings if f.severity == "block") == sorted(blocks)
    assert sorted(f.rule for f in report.findings if f.severity == "warn") == sorted(warns)
