"""SQL analyzer against real-world and adversarial statements: decisions in production and
sandbox (empty inventory), through the whole pipeline with the real parsers."""

from __future__ import annotations

import pytest

from interlock.analysis.sql import analyze_sql
from interlock.effects import Risk, Scope, Verb
from interlock.pipeline import Decider

_DECIDERS: dict[str, Decider] = {}


def decide(statement: str, dialect: str, tier: str) -> str:
    d = _DECIDERS.setdefault(tier, Decider(default_tier=tier))
    got = d.decide({"tool": "sql", "input": {"statement": statement, "dialect": dialect}})
    return "A" if got.decision == "allow" else "D" if got.decision == "deny" else "R"


# (dialect, statement, production, sandbox)
CASES = [
    # MySQL executes the text of versioned comments
    ("mysql", "/*!50000 DROP TABLE x */", "D", "A"),
    ("mysql", "/*!DROP TABLE x*/", "D", "A"),
    ("mysql", "SELECT 1; /*!40101 DROP TABLE users */;", "D", "A"),
    ("mysql", "/*M!100100 DROP TABLE x */", "D", "A"),
    ("mysql", "/* /*! */ DROP TABLE t", "D", "A"),
    ("mysql", "/*!40101 SET NAMES utf8mb4 */; SELECT * FROM users", "A", "A"),
    ("mysql", "SELECT '/*!' ; SELECT 2 -- */", "A", "A"),
    # NO_BACKSLASH_ESCAPES: `\'` may end the string
    ("mysql", "SELECT 'a\\'; DROP TABLE x; -- '", "D", "A"),
    ("mysql", "SELECT * FROM users WHERE name = 'O\\'Brien'", "A", "A"),
    # server settings
    ("mysql", "SET @@GLOBAL.read_only = 0", "R", "A"),
    ("mysql", "SET FOREIGN_KEY_CHECKS = 0", "R", "A"),
    ("mysql", "SET NAMES utf8mb4", "A", "A"),
    # multi-table DELETE/UPDATE restricted by the join
    ("mysql", "DELETE u FROM users u JOIN orders o ON o.uid = u.id", "R", "A"),
    ("mysql", "UPDATE users u JOIN orders o ON o.uid = u.id SET u.a = 1", "R", "A"),
    ("mysql", "DELETE users, orders FROM users JOIN orders ON 1=1", "D", "A"),
    # WHERE clauses every row passes
    ("postgres", "DELETE FROM users WHERE id IS NOT NULL", "D", "A"),
    ("postgres", "DELETE FROM users WHERE NOT false", "D", "A"),
    ("postgres", "DELETE FROM users WHERE 2 > 1", "D", "A"),
    ("postgres", "DELETE FROM users WHERE 'a' LIKE '%'", "D", "A"),
    ("postgres", "DELETE FROM users WHERE id = id", "D", "A"),
    ("postgres", "DELETE FROM users WHERE id > 0", "D", "A"),
    ("postgres", "DELETE FROM users WHERE '1'::int = 1", "D", "A"),
    ("mysql", "DELETE FROM users WHERE id > 0", "D", "A"),
    ("sqlite", "DELETE FROM users WHERE rowid > 0", "D", "A"),
    # … and ones that do not
    ("postgres", "DELETE FROM users WHERE email IS NOT NULL", "R", "A"),
    ("postgres", "DELETE FROM users WHERE id > 100", "R", "A"),
    ("postgres", "DELETE FROM users WHERE 1 = 0", "R", "A"),
    ("postgres", "DELETE FROM users WHERE a = b", "R", "A"),
    ("mysql", "DELETE FROM users WHERE NOT (id = 5)", "R", "A"),
    # psql meta-commands: reads stay allowed, the dangerous ones are seen through
    ("postgres", "\\d users", "A", "A"),
    ("postgres", "\\dt+ public.*", "A", "A"),
    ("postgres", "\\x \\timing", "A", "A"),
    ("postgres", "SELECT 1;\n\\d users\nSELECT 2", "A", "A"),
    ("postgres", "SELECT '\\d'", "A", "A"),
    ("postgres", "\\! rm -rf /", "D", "D"),
    ("postgres", "SELECT 1;\n\\d users\nDROP TABLE x;", "D", "A"),
    ("postgres", "SELECT 'DROP TABLE ' || tablename FROM pg_tables \\gexec", "R", "A"),
    ("postgres", "\\copy users to '/etc/interlock/policy.cedar'", "D", "D"),
    ("postgres", "\\copy users from 'x.csv'", "R", "A"),
    ("postgres", "\\lo_import /root/.ssh/id_rsa", "R", "R"),
    ("postgres", "\\zz", "R", "A"),
    # sqlite3 dot-commands
    ("sqlite", ".tables", "A", "A"),
    ("sqlite", ".mode csv\n.headers on\nSELECT * FROM users;", "A", "A"),
    ("sqlite", ".shell rm -rf /", "D", "D"),
    ("sqlite", ".restore backup.db", "D", "A"),
    ("sqlite", ".load /tmp/evil.so", "R", "R"),
    ("sqlite", "SELECT 1;\n.tables\nDROP TABLE users;", "D", "A"),
]


@pytest.mark.parametrize(("dialect", "statement", "prod", "sandbox"), CASES)
def test_decisions(dialect: str, statement: str, prod: str, sandbox: str) -> None:
    assert (decide(statement, dialect, "production"), decide(statement, dialect, "sandbox")) \
        == (prod, sandbox)


def test_versioned_comment_effect_is_the_drop() -> None:
    (eff,) = analyze_sql("/*!50000 DROP TABLE users */", "mysql")
    assert (eff.verb, eff.resource, eff.scope) == (Verb.DELETE, "table users", Scope.ALL)
    assert Risk.MASS_DESTRUCTION in eff.risks


def test_multi_table_delete_names_every_table() -> None:
    effects = analyze_sql("DELETE u, o FROM users u JOIN orders o ON o.uid = u.id", "mysql")
    assert [(e.verb, e.resource, e.scope) for e in effects] == [
        (Verb.DELETE, "table users", Scope.MANY), (Verb.DELETE, "table orders", Scope.MANY)]


def test_global_setting_is_named() -> None:
    (eff,) = analyze_sql("SET @@global.read_only = 0", "mysql")
    assert (eff.verb, eff.resource) == (Verb.UPDATE, "server setting read_only")


def test_psql_copy_to_local_file_is_a_write_of_that_path() -> None:
    effects = analyze_sql("\\copy users to '/tmp/users.csv'")
    assert {(e.verb, e.resource) for e in effects} == {
        (Verb.CREATE, "path /tmp/users.csv"), (Verb.READ, "table users")}


def test_psql_output_to_shell_rc_is_host_security() -> None:
    (eff,) = analyze_sql("\\o /root/.bashrc")
    assert eff.verb is Verb.CREATE and Risk.HOST_SECURITY in eff.risks
