"""schema_dump on small hand-written dumps in each tool's shape (the real ones: migrations_real)."""

from __future__ import annotations

from deploytool.migrations.schema_dump import dialect_of, read_dump

MYSQL = """/*!40101 SET NAMES utf8mb4 */;
CREATE TABLE `users` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `email` varchar(255) COLLATE utf8mb4_unicode_ci NOT NULL,
  `nick` varchar(50) COLLATE utf8mb4_unicode_ci DEFAULT NULL,
  `score` int(11) NOT NULL DEFAULT 0,
  PRIMARY KEY (`id`),
  UNIQUE KEY `users_email_unique` (`email`),
  KEY `users_score_index` (`score`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO `migrations` VALUES (1,'2014_10_12_000000_create_users_table',1);
"""

PGSQL = """--
-- PostgreSQL database dump
--
SET statement_timeout = 0;
CREATE TABLE public.users (
    id bigint NOT NULL,
    email character varying(255) NOT NULL,
    nick character varying(50),
    score integer DEFAULT 0 NOT NULL
);
CREATE SEQUENCE public.users_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT nextval('public.users_id_seq'::regclass);
COPY public.migrations (id, migration, batch) FROM stdin;
1	2014_10_12_000000_create_users_table	1
\\.
ALTER TABLE ONLY public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);
CREATE UNIQUE INDEX users_email_unique ON public.users USING btree (email);
CREATE INDEX users_score_index ON public.users USING btree (score);
"""


def test_mysqldump():
    assert dialect_of(MYSQL) == "mysql"
    dump = read_dump(MYSQL)
    s = dump.schema
    assert dump.tables == 1 and not dump.skipped
    assert (s.column("users", "email").nullable, s.column("users", "email").charset) == (
        False,
        "utf8mb4",
    )
    assert s.column("users", "nick").nullable and not s.column("users", "nick").has_default
    assert s.column("users", "score").has_default and s.column("users", "score").default == "0"
    assert sorted(s.unique_keys("users")) == [("email",), ("id",)]  # not the plain index


def test_pg_dump():
    assert dialect_of(PGSQL) == "pgsql"
    dump = read_dump(PGSQL)
    s = dump.schema
    assert dump.tables == 1 and not dump.skipped
    assert "varchar" in s.column("users", "email").type and not s.column("users", "email").nullable
    assert s.column("users", "id").has_default  # the sequence default set after the table
    assert s.column("users", "nick").nullable and not s.column("users", "nick").has_default
    assert sorted(s.unique_keys("users")) == [("email",), ("id",)]
