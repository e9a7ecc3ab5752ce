"""The table-driven corpus: SQL a migration might run, and the rule ids the gate must report.

`expect=()` means safe: no finding at all (a false block is a failure too). Each case is one
pending set: `migrations` holds one string per migration (statements split on `;`). `laravel`
marks the migrations as Laravel PHP files (on PostgreSQL: one transaction unless `no_txn`).
`schema` is the live column types the gate may know ("table.column": "type [NOT NULL] [charset]").
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    id: str
    dialect: str
    migrations: tuple[str, ...]
    expect: tuple[str, ...] = ()
    schema: dict = field(default_factory=dict)
    laravel: bool = False
    no_txn: bool = False


def m(id, sql, *expect, **kw):
    return Case(id, "mysql", sql if isinstance(sql, tuple) else (sql,), expect, **kw)


def p(id, sql, *expect, **kw):
    return Case(id, "pgsql", sql if isinstance(sql, tuple) else (sql,), expect, **kw)


def s(id, sql, *expect, **kw):
    return Case(id, "sqlite", sql if isinstance(sql, tuple) else (sql,), expect, **kw)


MYSQL = [
    m("m-drop-column", "alter table `users` drop `legacy`", "drop-column"),
    m("m-add-nullable", "alter table `users` add `nick` varchar(255) null"),
    m(
        "m-add-not-null-no-default",
        "alter table `users` add `age` int not null",
        "add-not-null-column",
    ),
    m("m-add-not-null-with-default", "alter table `users` add `age` int not null default '0'"),
    m(
        "m-rename-column",
        "alter table `users` rename column `name` to `full_name`",
        "rename-column",
    ),
    m(
        "m-change-renames",
        "ALTER TABLE users CHANGE name full_name VARCHAR(50) NOT NULL",
        "rename-column",
        schema={"users.name": "varchar(50) NOT NULL"},
    ),
    m(
        "m-change-same-name-widen-same-length-bytes",
        (
            "ALTER TABLE users CHANGE name name VARCHAR(200) CHARACTER SET utf8mb4 NOT NULL "
            "COLLATE `utf8mb4_unicode_ci`"
        ),
        schema={"users.name": "varchar(100) NOT NULL utf8mb4"},
    ),
    m(
        "m-change-same-name-crosses-255-bytes",
        (
            "ALTER TABLE users CHANGE name name VARCHAR(100) CHARACTER SET utf8mb4 NOT NULL "
            "COLLATE `utf8mb4_unicode_ci`"
        ),
        "change-column-type",
        schema={"users.name": "varchar(50) NOT NULL utf8mb4"},
    ),
    m(
        "m-widen-latin1-under-255",
        "alter table `users` modify `code` varchar(100) character set latin1 null",
        schema={"users.code": "varchar(50) latin1"},
    ),
    m(
        "m-int-to-bigint",
        "alter table `t` modify `n` bigint null",
        "change-column-type",
        schema={"t.n": "int(11)"},
    ),
    m(
        "m-modify-unknown-live-type",
        "alter table users modify name varchar(100)",
        "change-column-type",
    ),
    m(
        "m-modify-sets-not-null",
        "alter table `users` modify `nick` varchar(255) not null",
        "set-not-null",
        schema={"users.nick": "varchar(255) utf8mb4"},
    ),
    m(
        "m-modify-drops-not-null",
        "alter table `users` modify `nick` varchar(255) null",
        "drop-not-null",
        schema={"users.nick": "varchar(255) NOT NULL utf8mb4"},
    ),
    m(
        "m-enum-append",
        "alter table `users` modify `status` enum('a','b','c') not null",
        schema={"users.status": "enum('a','b') NOT NULL"},
    ),
    m(
        "m-enum-remove",
        "alter table `users` modify `status` enum('a') not null",
        "enum-change",
        schema={"users.status": "enum('a','b') NOT NULL"},
    ),
    m(
        "m-enum-reorder",
        "alter table `users` modify `status` enum('b','a') not null",
        "enum-change",
        schema={"users.status": "enum('a','b') NOT NULL"},
    ),
    m("m-rename-table-statement", "rename table `users` to `people`", "rename-table"),
    m("m-rename-table-pairs", "rename table a to b, `c` to `d`", "rename-table", "rename-table"),
    m("m-alter-rename-to", "alter table users rename to people", "rename-table"),
    m("m-drop-table", "drop table `sessions`", "drop-table"),
    m(
        "m-create-then-drop",
        ("create table `tmp_import` (`id` int)", "drop table if exists `tmp_import`"),
    ),
    m("m-add-index-online", "alter table `users` add index `users_nick_index`(`nick`)"),
    m("m-create-index-online", "create index users_nick_index on users (nick)"),
    m(
        "m-add-unique",
        "alter table `users` add unique `users_email_unique`(`email`)",
        "add-unique-constraint",
    ),
    m("m-create-unique-index", "create unique index u on users (email)", "add-unique-constraint"),
    m(
        "m-foreign-key",
        "alter table `posts` add constraint `posts_user_id_foreign` foreign key (`user_id`) "
        "references `users` (`id`) on delete cascade",
        "add-foreign-key",
    ),
    m("m-check", "alter table t add constraint c check (a > 0)", "add-check-constraint"),
    m("m-check-command-form", "alter table t add check (a > 0)", "add-check-constraint"),
    m(
        "m-expression-default",
        "alter table t add h varchar(36) default (uuid())",
        "volatile-default",
    ),
    m(
        "m-current-timestamp-default",
        "alter table `users` add `seen_at` timestamp null default CURRENT_TIMESTAMP",
    ),
    m("m-truncate", "truncate table `users`", "truncate"),
    m(
        "m-update-unbatched",
        "update `users` set `active` = 1 where `active` is null",
        "unbatched-write",
    ),
    m("m-update-no-where", "update `users` set `active` = 1", "unbatched-write"),
    m("m-update-by-id", "update `users` set `name` = ? where `id` = ?"),
    m("m-update-with-limit", "update users set a = 1 where a is null limit 1000"),
    m("m-update-key-range", "update users set a = 1 where id >= ? and id < ?"),
    m("m-delete-all", "delete from `sessions`", "delete-all-rows"),
    m(
        "m-words-in-comments",
        "alter table `users` add `note` text null -- then drop column legacy\n",
    ),
    m(
        "m-words-in-block-comment",
        "/* drop table users; rename table a to b */ alter table `users` add `x` int null",
    ),
    m("m-words-in-hash-comment", "# rename table a to b\nalter table `t` add `x` int null"),
    m(
        "m-words-in-string",
        "insert into `logs` (`msg`) values ('alter table users drop column x; drop table users')",
    ),
    m(
        "m-words-in-double-quoted-string",
        'insert into `logs` (`msg`) values ("truncate table users")',
    ),
    m(
        "m-quoted-qualified-names",
        "alter table `my db`.`user table` drop column `weird col`",
        "drop-column",
    ),
    m(
        "m-create-then-alter-freely",
        (
            (
                "create table `widgets` (`id` bigint unsigned not null auto_increment primary key, "
                "`x` int null)"
            ),
            "alter table `widgets` drop `x`; alter table `widgets` add unique `w_u`(`id`); "
            "alter table `widgets` add `y` int not null; rename table `widgets` to `gadgets`",
            "alter table `gadgets` add `z` int not null",
        ),
    ),
    m(
        "m-mixed-safe-and-unsafe",
        "alter table `users` add `nick` varchar(255) null; alter table `users` drop `legacy`",
        "drop-column",
    ),
    m(
        "m-add-auto-increment",
        "alter table t add id2 bigint unsigned not null auto_increment primary key",
        "add-rewriting-column",
    ),
    m(
        "m-add-stored-generated",
        "alter table t add d int as (a + 1) stored",
        "add-rewriting-column",
    ),
    m("m-garbage", "frobnicate the users table", "unknown-statement"),
    m("m-drop-index", "alter table users drop index users_nick_index"),
    m("m-drop-foreign-key", "alter table posts drop foreign key posts_user_id_foreign"),
    m("m-set-default", "alter table users alter column a set default 1"),
    m(
        "m-create-table",
        "create table `x` (`id` bigint unsigned not null auto_increment primary key, "
        "`name` varchar(255) not null) default character set utf8mb4 collate 'utf8mb4_unicode_ci'",
    ),
    m("m-select", "select * from `users` where `id` = ? limit 1"),
    m("m-drop-database", "drop database app", "drop-schema"),
]

PGSQL = [
    p(
        "p-drop-column-qualified",
        'alter table "public"."users" drop column "legacy"',
        "drop-column",
    ),
    p("p-add-nullable", 'alter table "users" add column "nick" varchar(255) null'),
    p(
        "p-add-not-null-constant-default",
        'alter table "users" add column "active" boolean not null default true',
    ),
    p(
        "p-add-not-null-no-default",
        'alter table "users" add column "age" integer not null',
        "add-not-null-column",
    ),
    p(
        "p-volatile-default",
        'alter table "users" add column "token" uuid default gen_random_uuid()',
        "volatile-default",
    ),
    p(
        "p-unknown-function-default",
        "alter table users add column score int default my_score()",
        "volatile-default",
    ),
    p("p-stable-default", 'alter table "users" add column "seen_at" timestamptz default now()'),
    p(
        "p-rename-column",
        'alter table "users" rename column "name" to "full_name"',
        "rename-column",
    ),
    p("p-rename-table", 'alter table "public"."users" rename to "people"', "rename-table"),
    p("p-set-not-null", 'alter table "users" alter column "nick" set not null', "set-not-null"),
    p("p-drop-not-null", 'alter table "users" alter column "nick" drop not null', "drop-not-null"),
    p(
        "p-widen-varchar",
        "ALTER TABLE users ALTER name TYPE VARCHAR(100)",
        schema={"users.name": "character varying(50)"},
    ),
    p(
        "p-varchar-to-text",
        'alter table "users" alter column "name" type text',
        schema={"users.name": "character varying(255)"},
    ),
    p(
        "p-numeric-precision-up",
        "alter table prices alter column amount type numeric(12,2)",
        schema={"prices.amount": "numeric(10,2)"},
    ),
    p(
        "p-int-to-bigint-rewrites",
        'alter table "users" alter column "visits" type bigint',
        "change-column-type",
        schema={"users.visits": "integer"},
    ),
    p(
        "p-narrow-varchar",
        "alter table users alter column name type varchar(20)",
        "change-column-type",
        schema={"users.name": "character varying(50)"},
    ),
    p(
        "p-type-using",
        "alter table users alter column n type int using n::int",
        "change-column-type",
        schema={"users.n": "text"},
    ),
    p(
        "p-type-unknown-live",
        "ALTER TABLE users ALTER name TYPE VARCHAR(100)",
        "change-column-type",
    ),
    p(
        "p-create-index",
        'create index "users_nick_index" on "users" ("nick")',
        "index-not-concurrently",
    ),
    p(
        "p-create-index-concurrently-raw-sql",
        'create index concurrently "users_nick_index" on "users" ("nick")',
    ),
    p(
        "p-concurrently-inside-laravel-txn",
        'create index concurrently "users_nick_index" on "users" ("nick")',
        "concurrently-in-transaction",
        laravel=True,
    ),
    p(
        "p-concurrently-laravel-no-txn",
        'create index concurrently "users_nick_index" on "users" ("nick")',
        laravel=True,
        no_txn=True,
    ),
    p(
        "p-foreign-key",
        'alter table "posts" add constraint "posts_user_id_foreign" foreign key ("user_id") '
        'references "users" ("id")',
        "add-foreign-key",
    ),
    p(
        "p-foreign-key-not-valid",
        "alter table posts add constraint fk foreign key (user_id) references users (id) not valid",
    ),
    p(
        "p-validate-separately",
        (
            (
                "alter table posts add constraint fk foreign key (user_id) references users (id) "
                "not valid"
            ),
            "alter table posts validate constraint fk",
        ),
        laravel=True,
    ),
    p(
        "p-validate-same-txn",
        "alter table posts add constraint fk foreign key (user_id) references users (id) not valid;"
        "alter table posts validate constraint fk",
        "validate-in-transaction",
        laravel=True,
    ),
    p(
        "p-add-column-references",
        "alter table posts add column author_id bigint references users (id)",
        "add-foreign-key",
    ),
    p(
        "p-check",
        "alter table users add constraint age_positive check (age > 0)",
        "add-check-constraint",
    ),
    p(
        "p-check-not-valid",
        "alter table users add constraint age_positive check (age > 0) not valid",
    ),
    p(
        "p-unique-constraint",
        'alter table "users" add constraint "users_email_unique" unique ("email")',
        "add-unique-constraint",
    ),
    p(
        "p-unique-using-index",
        "alter table users add constraint users_email_unique unique using index users_email_idx",
    ),
    p(
        "p-unique-index-concurrently",
        "create unique index concurrently users_email_idx on users (email)",
    ),
    p("p-truncate-cascade", 'truncate "users" restart identity cascade', "truncate", laravel=True),
    p(
        "p-update-unbatched",
        "update users set active = true where active is null",
        "unbatched-write",
    ),
    p(
        "p-update-ctid-batch",
        "update users set active = true where ctid in (select ctid from users where active "
        "is null limit 5000)",
    ),
    p("p-update-placeholders", 'update "users" set "name" = ? where "id" = ?'),
    p("p-delete-between", "delete from events where id between ? and ?"),
    p("p-enum-add-value", "alter type mood add value 'ecstatic'"),
    p("p-enum-add-value-positioned", "alter type mood add value 'meh' before 'sad'"),
    p("p-enum-rename-value", "alter type mood rename value 'sad' to 'blue'", "enum-change"),
    p(
        "p-words-in-comments",
        "-- drop table users\nalter table users add column bio text /* rename column x */",
    ),
    p(
        "p-nested-block-comment",
        "/* outer /* drop column inner */ still comment: drop table users */ "
        "alter table users add column a int",
    ),
    p("p-words-in-string", "comment on column users.legacy is 'drop column soon; truncate later'"),
    p(
        "p-dollar-quoted-body",
        "create function purge() returns void as $$ begin drop table users; end $$ "
        "language plpgsql",
    ),
    p("p-do-block", "do $$ begin execute 'drop table users'; end $$", "unknown-statement"),
    p(
        "p-create-then-alter-freely",
        (
            'create table "gadgets" ("id" bigserial primary key, "name" varchar(255) null)',
            'create index "gadgets_name_index" on "gadgets" ("name"); '
            'alter table "gadgets" alter column "name" set not null; '
            'alter table "gadgets" add constraint "gadgets_name_unique" unique ("name")',
        ),
        laravel=True,
    ),
    p("p-add-serial", "alter table users add column seq serial", "add-rewriting-column"),
    p(
        "p-add-identity",
        "alter table users add column n bigint generated always as identity",
        "add-rewriting-column",
    ),
    p("p-add-json", 'alter table "users" add column "meta" json null', "add-json-column"),
    p("p-add-jsonb", 'alter table "users" add column "meta" jsonb null'),
    p("p-drop-index", 'drop index "users_nick_index"', "drop-index-not-concurrently"),
    p("p-drop-index-concurrently", "drop index concurrently users_nick_index"),
    p("p-add-primary-key", "alter table events add primary key (id)", "add-primary-key"),
    p(
        "p-exclusion",
        (
            "alter table bookings add constraint no_overlap exclude using gist (room with =, "
            "during with &&)"
        ),
        "add-exclusion-constraint",
    ),
    p("p-drop-schema", "drop schema archive cascade", "drop-schema"),
    p("p-set-lock-timeout", "set lock_timeout = '2s'"),
    p("p-reindex", "reindex index users_nick_index", "index-not-concurrently"),
    p("p-syntax-error", "alter tabel users add column x int", "unknown-statement"),
    p(
        "p-quoted-mixed-case",
        'alter table "Billing"."Invoice Lines" drop column "Amount Due"',
        "drop-column",
    ),
    p(
        "p-domain-check",
        "alter domain positive_int add constraint pos check (value > 0)",
        "add-check-constraint",
    ),
]

SQLITE = [
    s("s-add-nullable", 'alter table "users" add column "nick" varchar null'),
    s("s-drop-column", 'alter table "users" drop column "legacy"', "drop-column"),
    s(
        "s-rename-column",
        'alter table "users" rename column "name" to "full_name"',
        "rename-column",
    ),
    s("s-rename-table", 'alter table "users" rename to "people"', "rename-table"),
    s(
        "s-add-not-null-no-default",
        'alter table "users" add column "age" integer not null',
        "add-not-null-column",
    ),
    s(
        "s-add-not-null-default",
        'alter table "users" add column "age" integer not null default \'0\'',
    ),
    s("s-create-index", 'create index "users_nick_index" on "users" ("nick")'),
    s(
        "s-unique-index",
        'create unique index "users_email_unique" on "users" ("email")',
        "add-unique-constraint",
    ),
    s(
        "s-doctrine-rebuild",
        (
            "CREATE TEMPORARY TABLE __temp__users AS SELECT id, name FROM users; DROP TABLE users; "
            "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
            "name VARCHAR(100) NOT NULL); "
            "INSERT INTO users (id, name) SELECT id, name FROM __temp__users; "
            "DROP TABLE __temp__users",
        ),
        "table-rebuild",
    ),
    s(
        "s-laravel-truncate",
        'delete from sqlite_sequence where name = ?; delete from "users"',
        "delete-all-rows",
    ),
    s("s-bracket-quoted", "alter table [users] drop column [legacy]", "drop-column"),
    s(
        "s-create-then-alter-freely",
        (
            'create table "gadgets" ("id" integer primary key autoincrement not null, "x" varchar)',
            'alter table "gadgets" drop column "x"; alter table "gadgets" rename to "widgets"',
        ),
    ),
    s(
        "s-words-in-comments",
        '-- drop table users\nalter table "users" add column "bio" text /* truncate */',
    ),
    s("s-drop-table", 'drop table "sessions"', "drop-table"),
    s("s-update-by-id", 'update "users" set "name" = ? where "id" = ?'),
    s("s-pragma", "pragma foreign_keys = on"),
]

CASES = MYSQL + PGSQL + SQLITE
