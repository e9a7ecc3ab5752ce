"""The table-driven corpus: its sqlite cases (the shape is corpus_case.py)."""

from __future__ import annotations

from .corpus_case import s

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
        "s-unique-over-new-nullable",
        'alter table "payments" add column "remote_id" varchar; '
        'create unique index "u" on "payments" ("payment_method_id", "remote_id")',
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
