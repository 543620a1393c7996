"""Second round of real-world SQL and HTTP inputs: PL/pgSQL bodies (DO, functions called in the
same text), MySQL/SQLite statements sqlglot leaves as `Command`, HTTP extension methods, and
the explanation given for BEGIN … ROLLBACK. Real parsers, whole pipeline, empty inventory."""

from __future__ import annotations

import pytest

from interlock.actions.envelope import parse_action
from interlock.analysis.http import analyze_http
from interlock.analysis.sql import analyze_sql
from interlock.effects import Risk, Scope, Verb
from interlock.errors import InputError
from interlock.pipeline import Decider

_DECIDERS: dict[str, Decider] = {}


def decide(action: dict, tier: str) -> str:
    d = _DECIDERS.setdefault(tier, Decider(default_tier=tier))
    got = d.decide(action)
    return "A" if got.decision == "allow" else "D" if got.decision == "deny" else "R"


def sql(statement: str, dialect: str) -> dict:
    return {"tool": "sql", "input": {"statement": statement, "dialect": dialect}}


# (dialect, statement, production, sandbox)
SQL_CASES = [
    # --- PL/pgSQL: literal EXECUTE strings are SQL like any other
    ("postgres", "DO $$ BEGIN EXECUTE 'DROP TABLE users'; END $$", "D", "A"),
    ("postgres", "DO LANGUAGE plpgsql $$ BEGIN EXECUTE 'DROP TABLE users'; END $$", "D", "A"),
    ("postgres", "DO $$ BEGIN EXECUTE 'DROP ' || 'TABLE users'; END $$", "D", "A"),
    ("postgres", "DO $$ BEGIN DELETE FROM users; END $$", "D", "A"),
    ("postgres", "DO $$ BEGIN DELETE FROM users WHERE id = 3; END $$", "R", "A"),
    ("postgres", "DO $$ BEGIN EXECUTE 'DO $x$ BEGIN EXECUTE ''TRUNCATE a''; END $x$'; END $$",
     "D", "A"),
    ("postgres", "DO $$ BEGIN COPY t TO PROGRAM 'sh'; END $$", "D", "D"),
    ("postgres", "DO $$ BEGIN PERFORM pg_terminate_backend(42); END $$", "R", "A"),
    ("postgres", "DO $$ DECLARE v int := cleanup(); BEGIN NULL; END $$", "R", "A"),
    ("postgres", "DO $$ BEGIN IF true THEN UPDATE t SET a = 1 WHERE id = 1; END IF; END $$",
     "R", "A"),
    ("postgres", "DO $$ BEGIN BEGIN NULL; EXCEPTION WHEN others THEN DROP TABLE t; END; END $$",
     "D", "A"),
    # reads only: allowed
    ("postgres", "DO $$ BEGIN RAISE NOTICE 'hello'; END $$", "A", "A"),
    ("postgres", ("DO $$ DECLARE n int; BEGIN SELECT count(*) INTO n FROM users; "
                  "RAISE NOTICE '%', n; END $$"), "A", "A"),
    # computed EXECUTE: opaque and dynamic
    ("postgres", ("DO $$ DECLARE r record; BEGIN FOR r IN SELECT tablename FROM pg_tables LOOP "
                  "EXECUTE 'DROP TABLE ' || r.tablename; END LOOP; END $$"), "R", "R"),
    ("postgres", ("DO $$ DECLARE t text := 'users'; BEGIN EXECUTE format('TRUNCATE %I', t); "
                  "END $$"), "R", "R"),
    # bodies the PL/pgSQL parser rejects stay opaque
    ("postgres", "DO $$ BEGIN x := 1; END $$", "R", "A"),
    # other languages: untrusted ones reach the host
    ("postgres", "DO LANGUAGE plpython3u $$ import os; os.system('id') $$", "R", "R"),
    ("postgres", "DO LANGUAGE plsh $$ rm -rf / $$", "R", "R"),
    ("postgres", "DO LANGUAGE plperl $$ 1 $$", "R", "A"),
    # functions created and called in the same text
    ("postgres", ("CREATE FUNCTION f() RETURNS void AS $$ BEGIN DELETE FROM users; END $$ "
                  "LANGUAGE plpgsql; SELECT f()"), "D", "A"),
    ("postgres", ("CREATE PROCEDURE p() AS $$ BEGIN DROP TABLE users; END $$ LANGUAGE plpgsql; "
                  "CALL p()"), "D", "A"),
    ("postgres", ("CREATE FUNCTION f() RETURNS int AS 'DELETE FROM users; SELECT 1' "
                  "LANGUAGE sql; SELECT f()"), "D", "A"),
    ("postgres", ("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC DELETE FROM users; "
                  "SELECT 1; END; SELECT f()"), "D", "A"),
    # a user function shadowing a built-in name is still the user's function
    ("postgres", ("CREATE FUNCTION lower(int) RETURNS int AS $$ DELETE FROM users; SELECT 1 $$ "
                  "LANGUAGE sql; SELECT lower(1)"), "D", "A"),
    ("postgres", ("CREATE FUNCTION f() RETURNS void AS $$ BEGIN DELETE FROM users; END $$ "
                  "LANGUAGE plpgsql"), "R", "A"),
    ("postgres", ("CREATE FUNCTION sh() RETURNS int AS $$ import os $$ LANGUAGE plpython3u; "
                  "SELECT sh()"), "R", "R"),
    # ROLLBACK does not make a change safe (strict on purpose)
    ("postgres", "BEGIN; DELETE FROM users; ROLLBACK", "D", "A"),
    ("mysql", "START TRANSACTION; DELETE FROM users; ROLLBACK", "D", "A"),
    ("sqlite", "BEGIN; DELETE FROM users; ROLLBACK", "D", "A"),
    # --- MySQL statements sqlglot leaves as Command or cannot parse
    ("mysql", "RENAME TABLE a TO b", "R", "A"),
    ("mysql", "LOAD DATA INFILE 'x.csv' INTO TABLE t", "R", "A"),
    ("mysql", "LOAD DATA LOCAL INFILE 'x.csv' REPLACE INTO TABLE t", "R", "A"),
    ("mysql", "LOAD DATA LOCAL INFILE '/root/.ssh/id_rsa' INTO TABLE t", "R", "R"),
    ("mysql", "SELECT * FROM users INTO OUTFILE '/tmp/users.csv'", "R", "R"),
    ("mysql", "SELECT '<?php system($_GET[1]); ?>' INTO DUMPFILE '/var/www/x.php'", "R", "R"),
    ("mysql", "SELECT a INTO @x FROM t", "A", "A"),
    ("mysql", "GRANT ALL ON *.* TO 'a'@'%'", "R", "A"),
    ("mysql", "REVOKE ALL ON *.* FROM 'a'@'%'", "R", "A"),
    ("mysql", "CREATE USER 'a'@'%' IDENTIFIED BY 'pw'", "R", "A"),
    ("mysql", "ALTER USER 'a'@'%' IDENTIFIED BY 'pw'", "R", "A"),
    ("mysql", "DROP USER 'a'@'%'", "R", "A"),
    ("mysql", "SET PASSWORD FOR 'a'@'%' = 'pw'", "R", "A"),
    ("mysql", "SET ROLE admin", "R", "A"),
    ("mysql", "RESET MASTER", "D", "A"),
    ("mysql", "PURGE BINARY LOGS TO 'mysql-bin.000010'", "R", "A"),
    ("mysql", "ALTER TABLE t DROP PARTITION p0", "R", "A"),
    ("mysql", "ALTER TABLE t DROP PARTITION (p0)", "R", "A"),
    ("mysql", "ALTER TABLE t TRUNCATE PARTITION p0", "R", "A"),
    ("mysql", "ALTER TABLE t TRUNCATE PARTITION ALL", "D", "A"),
    ("mysql", "ALTER TABLE t DISCARD TABLESPACE", "D", "A"),
    ("mysql", "ALTER TABLE t DROP COLUMN a, DROP PARTITION p1", "R", "A"),
    ("mysql", "SHUTDOWN", "R", "A"),
    ("mysql", "KILL 12", "R", "A"),
    ("mysql", "FLUSH PRIVILEGES", "R", "A"),
    ("mysql", "FLUSH TABLES WITH READ LOCK", "R", "A"),
    ("mysql", "START REPLICA", "R", "A"),  # sqlglot reads it as a transaction
    ("mysql", "INSTALL PLUGIN x SONAME 'x.so'", "R", "R"),
    ("mysql", "CLONE INSTANCE FROM u@h:3306 IDENTIFIED BY 'pw'", "D", "A"),
    ("mysql", "REPLACE INTO t VALUES (1)", "R", "A"),
    ("mysql", "LOCK TABLES t READ; SELECT 1; UNLOCK TABLES", "R", "A"),
    ("mysql", "CHECK TABLE t", "A", "A"),
    ("mysql", "XA START 'x'; XA END 'x'", "A", "A"),
    # PREPARE: the literal is analysed
    ("mysql", "PREPARE s FROM 'DROP TABLE users'", "D", "A"),
    ("mysql", "PREPARE s FROM 'SELECT * FROM users'; EXECUTE s; DEALLOCATE PREPARE s", "A", "A"),
    ("mysql", "PREPARE s FROM 'DELETE FROM t WHERE id = ?'; EXECUTE s USING @id", "R", "A"),
    ("mysql", "SET @q = 'DROP TABLE users'; PREPARE s FROM @q; EXECUTE s", "D", "A"),
    ("mysql", "PREPARE s FROM @q; EXECUTE s", "R", "R"),
    ("mysql", "EXECUTE s", "R", "A"),
    # statements after a routine body are statements of their own
    ("mysql", "CREATE PROCEDURE p() BEGIN SELECT 1; END; DROP TABLE users", "D", "A"),
    ("mysql", "CREATE PROCEDURE p() BEGIN SELECT 1; END; RESET MASTER", "D", "A"),
    # one statement sqlglot cannot parse does not hide the next one
    ("mysql", "LOAD DATA INFILE 'x.csv' INTO TABLE t; DROP TABLE users", "D", "A"),
    # unknown statements stay opaque
    ("mysql", "FROBNICATE THE THING", "R", "A"),
    ("mysql", "HANDLER t OPEN", "R", "A"),
    # --- SQLite
    ("sqlite", "VACUUM", "R", "A"),
    ("sqlite", "VACUUM INTO '/tmp/backup.db'", "R", "A"),
    ("sqlite", "VACUUM INTO '/etc/interlock/copy.db'", "D", "D"),
    ("sqlite", "SAVEPOINT a; RELEASE a", "A", "A"),
    ("sqlite", "SAVEPOINT a; DELETE FROM t WHERE id = 1; RELEASE SAVEPOINT a", "R", "A"),
    ("sqlite", "END", "A", "A"),
    ("sqlite", "ATTACH DATABASE '/tmp/other.db' AS o", "R", "A"),
    ("sqlite", "ATTACH DATABASE '/etc/interlock/store.db' AS x", "D", "D"),
    ("sqlite", "ATTACH ':memory:' AS m", "A", "A"),
    ("sqlite", "PRAGMA optimize", "R", "A"),
    ("sqlite", "PRAGMA foreign_keys = OFF", "R", "A"),
    ("sqlite", "PRAGMA table_info(users)", "A", "A"),
    ("sqlite", "REINDEX", "R", "A"),
]


@pytest.mark.parametrize(("dialect", "statement", "prod", "sandbox"), SQL_CASES,
                         ids=[f"{d}:{s[:60]}" for d, s, _, _ in SQL_CASES])
def test_sql_decisions(dialect: str, statement: str, prod: str, sandbox: str) -> None:
    action = sql(statement, dialect)
    assert (decide(action, "production"), decide(action, "sandbox")) == (prod, sandbox)


def test_do_execute_literal_is_the_drop() -> None:
    (eff,) = analyze_sql("DO $$ BEGIN EXECUTE 'DROP TABLE users'; END $$")
    assert (eff.verb, eff.resource, eff.scope) == (Verb.DELETE, "table users", Scope.ALL)
    assert Risk.MASS_DESTRUCTION in eff.risks and eff.detail.startswith("DO block")


def test_dynamic_execute_is_opaque_and_dynamic() -> None:
    (eff,) = analyze_sql("DO $$ DECLARE t text := 'x'; BEGIN "
                         "EXECUTE 'DROP TABLE ' || quote_ident(t); END $$")
    assert eff.verb is Verb.OPAQUE and Risk.DYNAMIC in eff.risks


def test_untrusted_do_is_host_level() -> None:
    (eff,) = analyze_sql("DO LANGUAGE plpython3u $$ import os $$")
    assert eff.verb is Verb.EXECUTE and Risk.HOST_SECURITY in eff.risks


def test_rollback_is_explained_not_trusted() -> None:
    (eff,) = analyze_sql("BEGIN; DELETE FROM users; ROLLBACK")
    assert eff.verb is Verb.DELETE and Risk.MASS_DESTRUCTION in eff.risks
    assert "ROLLBACK is not counted" in eff.detail
    (committed,) = analyze_sql("BEGIN; DELETE FROM users; COMMIT")
    assert "ROLLBACK" not in committed.detail


def test_rename_names_each_table() -> None:
    effects = analyze_sql("RENAME TABLE a TO b, db.c TO d", "mysql")
    assert [(e.verb, e.resource) for e in effects] == [
        (Verb.UPDATE, "table a"), (Verb.UPDATE, "table db.c")]


def test_outfile_is_a_host_file_write() -> None:
    (eff,) = analyze_sql("SELECT * FROM users INTO OUTFILE '/tmp/u.csv'", "mysql")
    assert (eff.verb, eff.resource) == (Verb.CREATE, "server file /tmp/u.csv")
    assert Risk.HOST_SECURITY in eff.risks


def test_load_data_local_reads_the_client_file() -> None:
    effects = analyze_sql("LOAD DATA LOCAL INFILE '/root/.ssh/id_rsa' INTO TABLE t", "mysql")
    assert {(e.verb, e.resource) for e in effects} == {
        (Verb.CREATE, "table t"), (Verb.READ_SECRET, "path /root/.ssh/id_rsa")}


def test_reset_master_is_irreversible_loss() -> None:
    (eff,) = analyze_sql("RESET MASTER", "mysql")
    assert (eff.verb, eff.reversible, eff.stateful, eff.scope) == (
        Verb.DELETE, False, True, Scope.ALL)


def test_prepare_literal_analysed_once() -> None:
    effects = analyze_sql("PREPARE s FROM 'DROP TABLE users'; EXECUTE s; EXECUTE s", "mysql")
    assert [(e.verb, e.resource) for e in effects] == [(Verb.DELETE, "table users")]


def test_create_user_does_not_echo_password() -> None:
    (eff,) = analyze_sql("CREATE USER 'a'@'%' IDENTIFIED BY 'hunter2'", "mysql")
    assert eff.verb is Verb.PRIVILEGE and "hunter2" not in eff.resource + eff.detail


# --- HTTP extension methods --------------------------------------------------------------

def http(method: str, url: str = "https://dav.example.com/files/x") -> dict:
    return {"tool": "http", "input": {"method": method, "url": url}}


@pytest.mark.parametrize(("method", "verb"), [
    ("PROPFIND", Verb.READ), ("REPORT", Verb.READ), ("SEARCH", Verb.READ),
    ("MKCOL", Verb.CREATE), ("COPY", Verb.UPDATE), ("MOVE", Verb.UPDATE),
    ("PROPPATCH", Verb.UPDATE), ("LOCK", Verb.UPDATE), ("UNLOCK", Verb.UPDATE),
    ("PURGE", Verb.UPDATE), ("BAN", Verb.UPDATE), ("LINK", Verb.UPDATE),
    ("ACL", Verb.PRIVILEGE), ("FROBNICATE", Verb.OPAQUE), ("M-SEARCH", Verb.OPAQUE),
])
def test_http_extension_method_verbs(method: str, verb: Verb) -> None:
    (eff,) = analyze_http(method, "https://dav.example.com/files/x")
    assert eff.verb is verb


@pytest.mark.parametrize(("method", "prod", "sandbox"), [
    ("PROPFIND", "A", "A"), ("propfind", "A", "A"), ("MKCOL", "R", "A"), ("PURGE", "R", "A"),
    ("FROBNICATE", "R", "A"),
    # not method tokens: malformed input, denied everywhere
    ("G ET", "D", "D"), ("GET\r\nX-Injected: 1", "D", "D"), ("GET;rm", "D", "D"),
    ("", "D", "D"), ("P\u017fST", "D", "D"), ("GET(", "D", "D"),
])
def test_http_method_decisions(method: str, prod: str, sandbox: str) -> None:
    assert (decide(http(method), "production"), decide(http(method), "sandbox")) \
        == (prod, sandbox)


@pytest.mark.parametrize("method", ["PROPFIND", "purge", "X-CUSTOM", "M-SEARCH", "A" * 64])
def test_envelope_accepts_method_tokens(method: str) -> None:
    assert parse_action(http(method)).input["method"] == method.upper()


@pytest.mark.parametrize("method", ["A" * 65, "GE T", "GET\t", "GÉT", "x@y"])
def test_envelope_rejects_non_tokens(method: str) -> None:
    with pytest.raises(InputError, match="RFC 9110"):
        parse_action(http(method))


@pytest.mark.parametrize("statement,prod", [
    ("DELETE FROM t LIMIT 10", "R"),           # ten arbitrary rows: a change
    ("UPDATE t SET a = 1 LIMIT 5", "R"),
    ("DELETE FROM t ORDER BY id LIMIT 1000", "R"),
    ("DELETE FROM t LIMIT 99999999", "D"),                 # as good as every row
    ("DELETE FROM t LIMIT @n", "D"),                       # unknown bound: every row
    ("DELETE FROM t", "D"),
])
def test_mysql_limit_bounds_a_whereless_delete(statement: str, prod: str) -> None:
    assert decide(sql(statement, "mysql"), "production") == prod
    assert decide(sql(statement, "mysql"), "sandbox") == "A"
