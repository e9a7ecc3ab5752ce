"""The table-driven corpus: its pgsql cases (the shape is corpus_case.py)."""

from __future__ import annotations

from .corpus_case import p

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
    # over a new all-NULL column nothing can collide, but the index is still built under ACCESS
    # EXCLUSIVE on PostgreSQL
    p(
        "p-unique-over-new-nullable",
        'alter table "payments" add column "remote_id" varchar(255) null; '
        'alter table "payments" add constraint "u" unique ("payment_method_id", "remote_id")',
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
