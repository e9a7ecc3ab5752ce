"""The table-driven corpus: its mysql cases (the shape is corpus_case.py)."""

from __future__ import annotations

from .corpus_case import m

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
    # a key column this migration adds nullable without a default: NULL in every row, old or new
    m(
        "m-unique-over-new-nullable",
        "alter table `payments` add `remote_id` varchar(255) null; "
        "alter table `payments` add unique `u`(`payment_method_id`, `remote_id`)",
    ),
    m(
        "m-unique-over-new-nullable-filled",
        "alter table `payments` add `remote_id` varchar(255) null; "
        "update `payments` set `remote_id` = `hash`; "
        "alter table `payments` add unique `u`(`payment_method_id`, `remote_id`)",
        "add-unique-constraint",
        "unbatched-write",
    ),
    m(
        "m-unique-over-new-defaulted",
        "alter table `payments` add `kind` varchar(20) not null default 'card'; "
        "alter table `payments` add unique `u`(`payment_method_id`, `kind`)",
        "add-unique-constraint",
    ),
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
        "m-drop-primary-key-alone",
        "alter table `corporation_wallet_transactions` drop primary key",
        "table-copy",
    ),
    m(
        "m-drop-and-add-primary-key",
        "alter table t drop primary key, add primary key (a, b)",
        "add-primary-key",
    ),
    m(
        "m-expression-default-nested",
        "alter table t add h varchar(100) default (concat(uuid(), 'x'))",
        "volatile-default",
    ),
    # Measured on MariaDB 10.11: a constant expression default is INSTANT (OpnForm's json columns).
    m("m-json-array-default", "alter table `forms` add `p` json not null default (JSON_ARRAY())"),
    m("m-paren-literal-default", "alter table `forms` add `b` text not null default ('Edit')"),
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
    # an ALTER the parser cannot read (osu-web's `float unsigned`): harmless on a table the pending
    # set creates, blocked on one the running release uses
    m(
        "m-unreadable-alter-of-a-new-table",
        "create table `stats` (`id` int, `score` double(8, 2) not null); "
        "ALTER TABLE stats CHANGE score score float unsigned NOT NULL",
        "unknown-harmless-statement",
    ),
    m(
        "m-unreadable-alter-of-an-old-table",
        "ALTER TABLE stats CHANGE score score float unsigned NOT NULL",
        "unknown-statement",
    ),
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
