"""SQL statements → Effects.

PostgreSQL goes through pglast (the real server parser) as JSON: `parse_sql_json` + `json.loads`
is 5–10× faster than pglast's Node objects (3.5–15 µs vs 14–170 µs per statement here). MySQL and
SQLite go through sqlglot, whose catch-all nodes (`Command`, bare expressions) stay opaque.

Each statement gets the effects of its own kind (a handler table) plus those of everything it
runs inside (data-modifying CTEs, function calls), found by walking its parse tree. Parts that
are parsed but not run now (EXPLAIN without ANALYZE, PREPARE, function/view/rule bodies) are
not walked.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from ..effects import Effect, Risk, Scope, Target, Verb, opaque
from .sql_functions import (
    BUILTIN_SCHEMAS,
    DANGEROUS_FUNCTIONS,
    PG_SAFE_FUNCTIONS,
    SQLGLOT_SAFE_FUNCTIONS,
)

_MASS = frozenset({Risk.MASS_DESTRUCTION})
_CATA = frozenset({Risk.CATASTROPHIC})
_HOST = frozenset({Risk.HOST_SECURITY})

Node = dict[str, Any]


# ---------------------------------------------------------------------------- targets


def _strip_password(url: str) -> str:
    """`postgres://u:secret@h/db` → `postgres://u@h/db` (passwords never reach output)."""
    scheme, sep, rest = url.partition("://")
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    netloc, slash, tail = rest[:end], "", rest[end:]
    if "@" in netloc:
        userinfo, _, hosts = netloc.rpartition("@")
        netloc = userinfo.split(":", 1)[0] + "@" + hosts
    path, q, query = tail.partition("?")
    if q:
        kept = [p for p in query.split("&") if "password" not in p.partition("=")[0].lower()]
        tail = path + ("?" + "&".join(kept) if kept else "")
    return scheme + sep + netloc + slash + tail


def _conninfo_host(dsn: str) -> str | None:
    """`host=db1 dbname=app` (libpq keyword form; values may not contain spaces here)."""
    for word in dsn.split():
        key, eq, value = word.partition("=")
        if eq and key == "host":
            return value.strip("'") or None
    return None


def database_targets(database: str | None, dialect: str = "postgres") -> tuple[Target, ...]:
    if database is None or not database.strip():
        return (Target("database", None),)
    database = database.strip()
    if "://" in database:
        shown = _strip_password(database)
        try:
            netloc = urlsplit(database).netloc
        except ValueError:
            return (Target("database", shown),)
        hosts = netloc.rpartition("@")[2]
        out = [Target("database", shown)]
        # libpq allows several hosts: postgres://h1:5432,h2:5432/db
        for h in hosts.split(","):
            h = h[1:].partition("]")[0] if h.startswith("[") else h.partition(":")[0]
            if h:
                out.append(Target("host", h.lower()))
        return tuple(out)
    if "=" in database:
        shown = " ".join(w for w in database.split() if not w.startswith("password="))
        host = _conninfo_host(database)
        return (Target("database", shown),) + ((Target("host", host.lower()),) if host else ())
    if dialect == "sqlite" or "/" in database or database.endswith((".db", ".sqlite", ".sqlite3")):
        return (Target("database", database), Target("path", database))
    host = database[1:].partition("]")[0] if database.startswith("[") else database.partition(":")[0]
    return (Target("database", database), Target("host", host.lower()))


# ---------------------------------------------------------------------------- entry point


def analyze_sql(statement: str, dialect: str = "postgres", database: str | None = None, *,
                shell: Callable[[str], list[Effect]] | None = None) -> list[Effect]:
    """`shell` analyses the commands the client runs locally (psql `\\!`, backticks, sqlite
    `.shell`); the shell analyzer passes its own, so they are seen in the command's context
    (cwd, HOME, variables). Without it they are analysed in this process's environment."""
    targets = database_targets(database, dialect)
    an: _Base
    if dialect in ("postgres", "postgresql", "pg"):
        an = _Pg(targets)
    elif dialect in ("mysql", "sqlite"):
        an = _Glot(targets, dialect)
    else:
        return [opaque("sql", f"unsupported SQL dialect {dialect!r}", targets)]
    an.shell = shell
    return an.analyze(statement)


def _guarded(an: _Base, fn: Callable[..., list[Effect]], *args: Any) -> list[Effect]:
    """A parse tree shaped in a way the handlers did not expect is opaque, never a traceback."""
    try:
        return list(fn(*args))
    except Exception as exc:  # noqa: BLE001 - fail closed on any surprise
        return [an.opaque("sql", f"statement not analysed ({type(exc).__name__})")]


def _finish(stmt_effects: list[Effect]) -> list[Effect]:
    # A statement that changes anything is not also reported as a read of what it touched.
    if any(e.verb is not Verb.READ for e in stmt_effects):
        return _unique([e for e in stmt_effects if e.verb is not Verb.READ])
    return _unique(stmt_effects)


def _unique(effects: list[Effect]) -> list[Effect]:
    """Identical effects once: `SELECT f(), f(), …` and functions calling functions ten times
    each (f8 → f7 ×10 → … → f0) would otherwise multiply, exponentially for the latter."""
    seen: set[tuple] = set()
    out: list[Effect] = []
    for e in effects:
        key = (e.verb, e.resource, e.targets, e.reversible, e.stateful, e.scope, e.risks,
               e.detail, e.program, e.argv, e.cwd, tuple(sorted(e.facts.items())))
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


# A literal LIMIT above this on a WHERE-less DELETE/UPDATE is as good as every row.
LIMIT_BOUNDED = 100_000


class _Base:
    shell: Callable[[str], list[Effect]] | None = None

    def __init__(self, targets: tuple[Target, ...]) -> None:
        self.targets = targets

    def eff(self, verb: Verb, resource: str, *, scope: Scope = Scope.ONE, reversible: bool = True,
            stateful: bool = False, risks: frozenset[Risk] = frozenset(),
            detail: str = "") -> Effect:
        return Effect(verb, resource, self.targets, reversible=reversible, stateful=stateful,
                      scope=scope, risks=risks, detail=detail)

    def opaque(self, resource: str, detail: str) -> Effect:
        return opaque(resource, detail, self.targets)

    def func_effect(self, name: str, safe: frozenset[str]) -> Effect | None:
        fe = DANGEROUS_FUNCTIONS.get(name)
        if fe is not None:
            return self.eff(fe.verb, f"{fe.resource} (via {name}())", reversible=fe.reversible,
                            stateful=fe.stateful, risks=fe.risks, detail=fe.detail)
        if name in safe:
            return None
        return self.eff(Verb.EXECUTE, f"function {name}", reversible=False,
                        detail=f"calls {name}(), whose effects are not visible")

    # DELETE / UPDATE on a table: WHERE absent (or constant true) → every row.
    def dml(self, verb: Verb, table: str, everything: bool) -> Effect:
        if verb is Verb.DELETE:
            if everything:
                return self.eff(verb, table, scope=Scope.ALL, reversible=False, stateful=True,
                                risks=_MASS, detail="DELETE without WHERE: every row")
            return self.eff(verb, table, scope=Scope.MANY, reversible=False, stateful=True,
                            detail="rows matching WHERE")
        if everything:
            return self.eff(verb, table, scope=Scope.ALL, reversible=False, stateful=True,
                            detail="UPDATE without WHERE: every row")
        return self.eff(verb, table, scope=Scope.MANY, reversible=False, stateful=True,
                        detail="rows matching WHERE")


# ---------------------------------------------------------------------------- PostgreSQL

_parse_sql_json: Callable[[str], str] | None = None
_PgParseError: type[Exception] = Exception


def _pg_parser() -> Callable[[str], str]:
    global _parse_sql_json, _PgParseError
    if _parse_sql_json is None:
        from pglast.parser import ParseError, parse_sql_json
        _parse_sql_json, _PgParseError = parse_sql_json, ParseError
    return _parse_sql_json


def _kind(node: Any) -> tuple[str, Node] | None:
    """`{"DeleteStmt": {...}}` → ("DeleteStmt", {...})."""
    if isinstance(node, dict) and len(node) == 1:
        (k, v), = node.items()
        if k[:1].isupper() and isinstance(v, dict):
            return k, v
    return None


def _strings(items: Any) -> list[str]:
    out: list[str] = []
    for it in items or ():
        if isinstance(it, dict):
            s = it.get("String")
            if isinstance(s, dict):
                out.append(s.get("sval", ""))
            elif "A_Star" in it:
                out.append("*")
    return out


def _rel(rv: Node | None) -> str:
    if not rv:
        return "?"
    parts = [rv.get("catalogname"), rv.get("schemaname"), rv.get("relname")]
    return ".".join(p for p in parts if p)


def _objname(obj: Any) -> str:
    """DropStmt/GrantStmt object: String, List of Strings, ObjectWithArgs, TypeName, RangeVar."""
    k = _kind(obj)
    if k is None:
        return "?"
    kind, body = k
    if kind == "String":
        return body.get("sval", "?")
    if kind == "List":
        return ".".join(_strings(body.get("items"))) or "?"
    if kind == "ObjectWithArgs":
        return ".".join(_strings(body.get("objname"))) or "?"
    if kind == "TypeName":
        return ".".join(_strings(body.get("names"))) or "?"
    if kind == "RangeVar":
        return _rel(body)
    if kind == "RoleSpec":
        return body.get("rolename") or body.get("roletype", "?")
    return kind


def _const(node: Any) -> Any:
    """The value of a constant (A_Const or a cast of one), else a sentinel."""
    k = _kind(node)
    if k is None:
        return _NOT_CONST
    kind, body = k
    if kind == "TypeCast":
        return _const(body.get("arg"))
    if kind != "A_Const" or body.get("isnull"):
        return _NOT_CONST
    for field in ("boolval", "ival", "sval", "fval"):
        if field in body:
            v = body[field]
            return v.get(field, False if field == "boolval" else 0 if field == "ival" else "")
    return _NOT_CONST


_NOT_CONST = object()
_TRUE_TEXT = frozenset({"t", "true", "y", "yes", "on", "1"})


# Key columns that are never NULL and, by convention, positive: `WHERE id IS NOT NULL` or
# `WHERE id > 0` (the usual way round MySQL's safe-updates mode) matches every row.
_KEY_COLUMNS = frozenset({"id", "rowid", "_rowid_", "oid"})
# Comparisons of a key column with a constant that every row passes.
_KEY_ALL_ROWS = frozenset({(">", 0), (">=", 0), (">=", 1)})
# Nodes whose value can differ from row to row (or that we cannot evaluate).
_PG_ROW_DEPENDENT = frozenset({"ColumnRef", "SubLink", "ParamRef", "FuncCall"})


def _pg_row_dependent(node: Any) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, list):
            stack.extend(n)
        elif isinstance(n, dict):
            for key, value in n.items():
                if key in _PG_ROW_DEPENDENT:
                    return True
                if isinstance(value, (dict, list)):
                    stack.append(value)
    return False


def _pg_key_column(node: Any) -> bool:
    k = _kind(node)
    return bool(k and k[0] == "ColumnRef"
                and (_strings(k[1].get("fields")) or [""])[-1].lower() in _KEY_COLUMNS)


def _pg_always_true(where: Any) -> bool:
    """WHERE that every row passes (`true`, `1=1`, `2>1`, `NOT false`, `true OR x`, `id = id`,
    `id IS NOT NULL`, `id > 0`): treated as no WHERE."""
    k = _kind(where)
    if k is None:
        return False
    kind, body = k
    if kind == "NullTest" and body.get("nulltesttype") == "IS_NOT_NULL":
        return _pg_key_column(body.get("arg"))
    if kind == "A_Expr" and body.get("kind") == "AEXPR_OP":
        op = "".join(_strings(body.get("name")))
        lexpr, rexpr = body.get("lexpr"), body.get("rexpr")
        if op in ("=", ">=", "<=") and _kind(lexpr) and _kind(lexpr)[0] == "ColumnRef" \
                and lexpr == _strip_locations(rexpr, lexpr):
            return True  # `x = x`: every row whose x is not NULL
        v = _const(rexpr)
        if _pg_key_column(lexpr) and isinstance(v, int) and (op, v) in _KEY_ALL_ROWS:
            return True
        a = _const(lexpr)
        if op in ("=", "<>", "!=") and a is not _NOT_CONST and type(a) is type(v):
            return (a == v) is (op == "=")  # `1=0` deletes nothing; casts are not evaluated
    if kind not in ("BoolExpr",) and not _pg_row_dependent(where):
        # The same value for every row: all rows, unless it is plainly false or NULL.
        v = _const(where)
        return not (v is False or v == 0 or v == "" or (isinstance(v, str) and v.lower() in (
            "f", "false", "n", "no", "off", "0")) or _pg_null(where))
    if kind in ("A_Const", "TypeCast"):
        v = _const(where)
        return v is True or (isinstance(v, str) and v.lower() in _TRUE_TEXT) or (
            isinstance(v, int) and not isinstance(v, bool) and v != 0)
    if kind == "A_Expr" and body.get("kind") == "AEXPR_OP" and _strings(body.get("name")) == ["="]:
        a, b = _const(body.get("lexpr")), _const(body.get("rexpr"))
        return a is not _NOT_CONST and a == b
    if kind == "BoolExpr":
        args = body.get("args") or []
        if body.get("boolop") == "OR_EXPR":
            return any(_pg_always_true(a) for a in args)
        if body.get("boolop") == "AND_EXPR":
            return bool(args) and all(_pg_always_true(a) for a in args)
        if body.get("boolop") == "NOT_EXPR" and not _pg_row_dependent(where):
            v = _const(args[0]) if args else _NOT_CONST
            return v is False or v == 0
    return False


def _pg_null(node: Any) -> bool:
    k = _kind(node)
    return bool(k and k[0] == "A_Const" and k[1].get("isnull"))


def _strip_locations(node: Any, like: Any) -> Any:
    """`node` with `like`'s source locations, so two mentions of one column compare equal."""
    if isinstance(node, dict) and isinstance(like, dict):
        return {k: (like[k] if k == "location" and k in like else _strip_locations(v, like.get(k)))
                for k, v in node.items()}
    if isinstance(node, list) and isinstance(like, list) and len(node) == len(like):
        return [_strip_locations(a, b) for a, b in zip(node, like)]
    return node


def _defelems(options: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for opt in options or ():
        k = _kind(opt)
        if k and k[0] == "DefElem":
            arg = k[1].get("arg")
            ak = _kind(arg)
            val: Any = True
            if ak:
                if ak[0] == "String":
                    val = ak[1].get("sval", "")
                elif ak[0] == "Boolean":
                    val = bool(ak[1].get("boolval", False))
                elif ak[0] == "Integer":
                    val = ak[1].get("ival", 0)
                elif ak[0] == "List":
                    val = _strings(ak[1].get("items"))
            out[k[1].get("defname", "")] = val
    return out


# Children of these nodes are parsed but not run by the statement itself.
_PG_NOT_RUN = frozenset({
    "ExplainStmt", "PrepareStmt", "CreateFunctionStmt", "ViewStmt", "RuleStmt",
    "CreateTrigStmt", "CreatePolicyStmt", "AlterPolicyStmt", "CreateEventTrigStmt",
})
# Data-modifying statements that run nested inside another one (CTEs, COPY (query) …).
_PG_NESTED = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"})

# drop kind → (resource kind, stateful)
_DROP_KINDS: dict[str, tuple[str, bool]] = {
    "OBJECT_TABLE": ("table", True),
    "OBJECT_SCHEMA": ("schema", True),
    "OBJECT_FOREIGN_TABLE": ("foreign table", False),
    "OBJECT_MATVIEW": ("materialized view", False),
    "OBJECT_SEQUENCE": ("sequence", True),
    "OBJECT_VIEW": ("view", False),
    "OBJECT_INDEX": ("index", False),
    "OBJECT_FUNCTION": ("function", False),
    "OBJECT_PROCEDURE": ("procedure", False),
    "OBJECT_ROUTINE": ("routine", False),
    "OBJECT_AGGREGATE": ("aggregate", False),
    "OBJECT_TRIGGER": ("trigger", False),
    "OBJECT_TYPE": ("type", False),
    "OBJECT_DOMAIN": ("domain", False),
    "OBJECT_EXTENSION": ("extension", False),
    "OBJECT_RULE": ("rule", False),
    "OBJECT_POLICY": ("policy", False),
    "OBJECT_PUBLICATION": ("publication", False),
    "OBJECT_TABLESPACE": ("tablespace", False),
}
# Drops that destroy a whole store of data: mass destruction (the schema only with CASCADE,
# since without it a non-empty schema cannot be dropped).
_DROP_MASS = frozenset({"table"})

# statement kind → (verb, resource, detail) for statements with one simple effect
_PG_SIMPLE: dict[str, tuple[Verb, str, str]] = {
    "VacuumStmt": (Verb.UPDATE, "tables", "maintenance (VACUUM/ANALYZE)"),
    "ReindexStmt": (Verb.UPDATE, "indexes", "maintenance (REINDEX)"),
    "ClusterStmt": (Verb.UPDATE, "tables", "maintenance (CLUSTER)"),
    "RefreshMatViewStmt": (Verb.UPDATE, "materialized view", "REFRESH MATERIALIZED VIEW"),
    "CheckPointStmt": (Verb.UPDATE, "server", "CHECKPOINT"),
    "NotifyStmt": (Verb.UPDATE, "channel", "NOTIFY"),
    "LoadStmt": (Verb.EXECUTE, "shared library", "LOAD of a shared library into the server"),
    "CreateExtensionStmt": (Verb.EXECUTE, "extension",
                            "CREATE EXTENSION runs the extension's install script"),
    "AlterExtensionStmt": (Verb.EXECUTE, "extension", "ALTER EXTENSION runs an update script"),
    "AlterDatabaseStmt": (Verb.UPDATE, "database", "ALTER DATABASE"),
    "AlterDatabaseSetStmt": (Verb.UPDATE, "database", "ALTER DATABASE SET"),
    "CreatedbStmt": (Verb.CREATE, "database", "CREATE DATABASE"),
    "CreateSchemaStmt": (Verb.CREATE, "schema", "CREATE SCHEMA"),
    "CreateStmt": (Verb.CREATE, "table", "CREATE TABLE"),
    "IndexStmt": (Verb.CREATE, "index", "CREATE INDEX"),
    "ViewStmt": (Verb.CREATE, "view", "CREATE VIEW"),
    "CreateSeqStmt": (Verb.CREATE, "sequence", "CREATE SEQUENCE"),
    "AlterSeqStmt": (Verb.UPDATE, "sequence", "ALTER SEQUENCE"),
    "CompositeTypeStmt": (Verb.CREATE, "type", "CREATE TYPE"),
    "CreateEnumStmt": (Verb.CREATE, "type", "CREATE TYPE"),
    "CreateRangeStmt": (Verb.CREATE, "type", "CREATE TYPE"),
    "AlterEnumStmt": (Verb.UPDATE, "type", "ALTER TYPE"),
    "CreateDomainStmt": (Verb.CREATE, "domain", "CREATE DOMAIN"),
    "AlterDomainStmt": (Verb.UPDATE, "domain", "ALTER DOMAIN"),
    "DefineStmt": (Verb.CREATE, "object", "CREATE (aggregate/operator/type/…)"),
    "CreateTrigStmt": (Verb.CREATE, "trigger", "CREATE TRIGGER (runs code on later writes)"),
    "CreateEventTrigStmt": (Verb.CREATE, "event trigger", "CREATE EVENT TRIGGER"),
    "RuleStmt": (Verb.CREATE, "rule", "CREATE RULE (rewrites later queries)"),
    "CommentStmt": (Verb.UPDATE, "comment", "COMMENT ON"),
    "RenameStmt": (Verb.UPDATE, "object", "RENAME"),
    "AlterObjectSchemaStmt": (Verb.UPDATE, "object", "ALTER … SET SCHEMA"),
    "AlterFunctionStmt": (Verb.UPDATE, "function", "ALTER FUNCTION"),
    "AlterTableSpaceOptionsStmt": (Verb.UPDATE, "tablespace", "ALTER TABLESPACE"),
    "CreateTableSpaceStmt": (Verb.CREATE, "tablespace", "CREATE TABLESPACE"),
    "DropTableSpaceStmt": (Verb.DELETE, "tablespace", "DROP TABLESPACE"),
    "CreatePublicationStmt": (Verb.CREATE, "publication", "CREATE PUBLICATION"),
    "AlterPublicationStmt": (Verb.UPDATE, "publication", "ALTER PUBLICATION"),
    "CreateSubscriptionStmt": (Verb.CREATE, "subscription", "CREATE SUBSCRIPTION"),
    "AlterSubscriptionStmt": (Verb.UPDATE, "subscription", "ALTER SUBSCRIPTION"),
    "DropSubscriptionStmt": (Verb.DELETE, "subscription", "DROP SUBSCRIPTION"),
    "CreateForeignServerStmt": (Verb.CREATE, "foreign server", "CREATE SERVER"),
    "AlterForeignServerStmt": (Verb.UPDATE, "foreign server", "ALTER SERVER"),
    "CreateForeignTableStmt": (Verb.CREATE, "foreign table", "CREATE FOREIGN TABLE"),
    "CreateFdwStmt": (Verb.CREATE, "foreign data wrapper", "CREATE FOREIGN DATA WRAPPER"),
    "ImportForeignSchemaStmt": (Verb.CREATE, "foreign tables", "IMPORT FOREIGN SCHEMA"),
    "CreateStatsStmt": (Verb.CREATE, "statistics", "CREATE STATISTICS"),
    "CreateCastStmt": (Verb.CREATE, "cast", "CREATE CAST"),
    "CreateConversionStmt": (Verb.CREATE, "conversion", "CREATE CONVERSION"),
    "CreateOpClassStmt": (Verb.CREATE, "operator class", "CREATE OPERATOR CLASS"),
    "CreateAmStmt": (Verb.CREATE, "access method", "CREATE ACCESS METHOD"),
    "CreatePLangStmt": (Verb.CREATE, "language", "CREATE LANGUAGE"),
    "CreateTransformStmt": (Verb.CREATE, "transform", "CREATE TRANSFORM"),
    "SecLabelStmt": (Verb.UPDATE, "security label", "SECURITY LABEL"),
    # privileges
    "GrantRoleStmt": (Verb.PRIVILEGE, "role membership", "GRANT/REVOKE role"),
    "AlterDefaultPrivilegesStmt": (Verb.PRIVILEGE, "default privileges",
                                   "ALTER DEFAULT PRIVILEGES"),
    "AlterOwnerStmt": (Verb.PRIVILEGE, "object", "ALTER … OWNER TO"),
    "ReassignOwnedStmt": (Verb.PRIVILEGE, "owned objects", "REASSIGN OWNED"),
    "AlterRoleSetStmt": (Verb.PRIVILEGE, "role", "ALTER ROLE … SET"),
    "CreatePolicyStmt": (Verb.PRIVILEGE, "row security policy", "CREATE POLICY"),
    "AlterPolicyStmt": (Verb.PRIVILEGE, "row security policy", "ALTER POLICY"),
    "CreateUserMappingStmt": (Verb.PRIVILEGE, "user mapping", "CREATE USER MAPPING"),
    "AlterUserMappingStmt": (Verb.PRIVILEGE, "user mapping", "ALTER USER MAPPING"),
    "DropUserMappingStmt": (Verb.PRIVILEGE, "user mapping", "DROP USER MAPPING"),
    # reads
    "VariableShowStmt": (Verb.READ, "setting", "SHOW"),
    "FetchStmt": (Verb.READ, "cursor", "FETCH/MOVE"),
}

# Statements with no effect on data: transaction control and session state.
_PG_NO_EFFECT = frozenset({
    "TransactionStmt", "VariableSetStmt", "DiscardStmt", "DeallocateStmt", "ClosePortalStmt",
    "ListenStmt", "UnlistenStmt", "ConstraintsSetStmt",
})

# Session settings that change what later statements do to data.
_PG_RISKY_SETTINGS: dict[str, tuple[Verb, str]] = {
    "session_replication_role": (Verb.UPDATE, "disables triggers and foreign-key checks"),
    "role": (Verb.PRIVILEGE, "SET ROLE changes the acting role"),
    "session_authorization": (Verb.PRIVILEGE, "SET SESSION AUTHORIZATION changes the acting role"),
    "row_security": (Verb.PRIVILEGE, "changes row-level security enforcement"),
}

_UNTRUSTED_LANGUAGES = frozenset({"c", "internal", "plpythonu", "plpython2u", "plpython3u",
                                  "plperlu", "pltclu", "plsh", "plrustu"})
# Languages that cannot reach the host (the rest, and any we do not know, may run OS commands).
_TRUSTED_LANGUAGES = frozenset({"sql", "plpgsql", "plperl", "pltcl", "plv8", "pljs", "plrust",
                                "plprql"})
# Nesting bound for code that runs code (DO → EXECUTE 'DO …' → …, functions calling functions).
_MAX_CODE_DEPTH = 6

# PL/pgSQL statements (pglast parse_plpgsql_json). Their SQL sits in PLpgSQL_expr nodes; the
# (statement, field) pairs below hold a string that is run as SQL (EXECUTE …).
_PLPGSQL_STMTS = frozenset({
    "block", "assign", "if", "case", "loop", "while", "fori", "fors", "forc", "foreach_a",
    "exit", "return", "return_next", "return_query", "raise", "assert", "execsql",
    "dynexecute", "dynfors", "getdiag", "open", "fetch", "close", "perform", "call", "commit",
    "rollback",
})
_PLPGSQL_DYNAMIC = frozenset({
    ("PLpgSQL_stmt_dynexecute", "query"), ("PLpgSQL_stmt_dynfors", "query"),
    ("PLpgSQL_stmt_open", "dynquery"), ("PLpgSQL_stmt_return_query", "dynquery"),
})


class _Pg(_Base):
    def __init__(self, targets: tuple[Target, ...]) -> None:
        super().__init__(targets)
        self.prepared: dict[str, Any] = {}
        # Functions created earlier in the same text: name → what a call runs.
        self.functions: dict[str, list[Effect]] = {}
        self.text = b""  # the statement being analysed (UTF-8: pglast locations are bytes)
        self.depth = 0

    def analyze(self, text: str) -> list[Effect]:
        if "\x00" in text:
            return [self.opaque("sql", "unparseable SQL: statement contains a NUL byte")]
        if "\\" in text:
            parts = _psql_split(text)
            if any(kind == "meta" for kind, _ in parts):
                out: list[Effect] = []
                for kind, piece in parts:
                    out.extend(self.sql(piece) if kind == "sql" else
                               _client_command(self, "psql", "\\", _PSQL_META, piece))
                return out
        return self.sql(text)

    def sql(self, text: str) -> list[Effect]:
        try:
            tree = json.loads(_pg_parser()(text))
        except _PgParseError as exc:
            return [self.opaque("sql", f"unparseable SQL: {exc}")]
        except Exception as exc:  # any other parser failure: fail closed, never a traceback
            return [self.opaque("sql", f"unparseable SQL: {type(exc).__name__}: {exc}")]
        stmts = tree.get("stmts") or []
        out: list[Effect] = []
        encoded, outer = text.encode(), self.text
        txn: int | None = None  # where the open transaction's effects start in `out`
        try:
            for raw in stmts:
                k = _kind(raw.get("stmt"))
                if k is None:
                    continue
                start = raw.get("stmt_location") or 0
                end = start + raw["stmt_len"] if raw.get("stmt_len") else len(encoded)
                self.text = encoded[start:end]
                if k[0] == "TransactionStmt":
                    txn = _rollback_note(out, txn, k[1].get("kind", ""))
                out.extend(_finish(_guarded(self, self.statement, *k)))
        finally:
            self.text = outer
        return out  # empty only for comments, transaction control and session settings

    # One statement: its own effects plus those of what runs inside it.
    def statement(self, kind: str, body: Node) -> list[Effect]:
        out = self.own(kind, body)
        if kind not in _PG_NOT_RUN:
            out.extend(self.inner(body))
        return out

    def inner(self, body: Node) -> Iterator[Effect]:
        stack: list[Any] = [body]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
                continue
            if not isinstance(node, dict):
                continue
            for key, value in node.items():
                if not isinstance(value, (dict, list)):
                    continue
                if key[:1].isupper() and isinstance(value, dict):
                    if key == "FuncCall":
                        yield from self.funccall(value)
                    elif key in _PG_NESTED:
                        yield from self.own(key, value)
                    elif key in _PG_NOT_RUN:
                        continue
                stack.append(value)

    def funccall(self, body: Node) -> list[Effect]:
        names = [n.lower() for n in _strings(body.get("funcname"))]
        if not names:
            return []
        # Defined in this text: its body's effects (before the safe list, which a user
        # function of the same name with other argument types would shadow).
        defined = self.functions.get(".".join(names))
        if defined is not None:
            return [replace(e) for e in defined]
        name = names[-1]
        if len(names) > 1 and names[-2] not in BUILTIN_SCHEMAS:
            if name in DANGEROUS_FUNCTIONS and names[-2] in ("public", "ext", "extensions"):
                return _listed(self.func_effect(name, PG_SAFE_FUNCTIONS))
            return _listed(self.func_effect(".".join(names), frozenset()))
        return _listed(self.func_effect(name, PG_SAFE_FUNCTIONS))

    # ------------------------------------------------------------ per-kind effects

    def own(self, kind: str, b: Node) -> list[Effect]:
        handler = _PG_HANDLERS.get(kind)
        if handler is not None:
            return handler(self, b)
        if kind in _PG_NO_EFFECT:
            return self.setting(b) if kind == "VariableSetStmt" else []
        simple = _PG_SIMPLE.get(kind)
        if simple is not None:
            verb, res, detail = simple
            name = self.simple_name(b)
            return [self.eff(verb, f"{res} {name}" if name else res,
                             reversible=verb is not Verb.EXECUTE, detail=detail)]
        return [self.opaque("sql", f"statement kind {kind} not analysed")]

    @staticmethod
    def simple_name(b: Node) -> str:
        if isinstance(b.get("idxname"), str):
            return b["idxname"]
        rels = [_rel((r.get("VacuumRelation") or {}).get("relation")) for r in b.get("rels") or ()]
        if rels:
            return ", ".join(rels)
        for field in ("relation", "view", "into"):
            v = b.get(field)
            if isinstance(v, dict):
                return _rel(v.get("rel", v)) if field == "into" else _rel(v)
        for field in ("dbname", "schemaname", "extname", "idxname", "trigname", "rulename",
                      "policy_name", "servername", "subname", "pubname", "tablespacename",
                      "conditionname", "filename"):
            v = b.get(field)
            if isinstance(v, str):
                return v
        for field in ("defnames", "typeName", "funcname"):
            v = b.get(field)
            if isinstance(v, list):
                return ".".join(_strings(v))
        return ""

    def setting(self, b: Node) -> list[Effect]:
        risky = _PG_RISKY_SETTINGS.get((b.get("name") or "").lower())
        if risky is None:
            return []
        return [self.eff(risky[0], f"setting {b.get('name')}", detail=risky[1])]

    def select(self, b: Node) -> list[Effect]:
        into = b.get("intoClause")
        if into:
            return [self.eff(Verb.CREATE, f"table {_rel(into.get('rel'))}",
                             detail="SELECT … INTO creates a table")]
        return [self.eff(Verb.READ, self.read_resource(b), detail="query")]

    def read_resource(self, b: Node) -> str:
        ctes = {c.get("CommonTableExpr", {}).get("ctename")
                for c in (b.get("withClause") or {}).get("ctes", [])}
        tables: list[str] = []
        stack: deque[Any] = deque([b.get("fromClause"), b.get("larg"), b.get("rarg")])
        while stack and len(tables) < 8:
            node = stack.popleft()  # breadth first keeps the order tables are written in
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                for key, value in node.items():
                    if key == "RangeVar" and isinstance(value, dict):
                        name = _rel(value)
                        if name not in ctes and name not in tables:
                            tables.append(name)
                    elif isinstance(value, (dict, list)):
                        stack.append(value)
        return ", ".join(f"table {t}" for t in tables) if tables else "query"

    def insert(self, b: Node) -> list[Effect]:
        table = f"table {_rel(b.get('relation'))}"
        out = [self.eff(Verb.CREATE, table, scope=Scope.MANY, detail="INSERT")]
        conflict = b.get("onConflictClause") or {}
        if conflict.get("action") == "ONCONFLICT_UPDATE":
            out.append(self.eff(Verb.UPDATE, table, scope=Scope.MANY, reversible=False,
                                stateful=True, detail="INSERT … ON CONFLICT DO UPDATE"))
        return out

    def update(self, b: Node) -> list[Effect]:
        where = b.get("whereClause")
        return [self.dml(Verb.UPDATE, f"table {_rel(b.get('relation'))}",
                         where is None or _pg_always_true(where))]

    def delete(self, b: Node) -> list[Effect]:
        where = b.get("whereClause")
        return [self.dml(Verb.DELETE, f"table {_rel(b.get('relation'))}",
                         where is None or _pg_always_true(where))]

    def merge(self, b: Node) -> list[Effect]:
        table = f"table {_rel(b.get('relation'))}"
        verbs = {Verb.CREATE: "MERGE … INSERT", Verb.UPDATE: "MERGE … UPDATE",
                 Verb.DELETE: "MERGE … DELETE"}
        cmds = {(c.get("MergeWhenClause") or {}).get("commandType")
                for c in b.get("mergeWhenClauses") or ()}
        out = []
        for cmd, verb in (("CMD_INSERT", Verb.CREATE), ("CMD_UPDATE", Verb.UPDATE),
                          ("CMD_DELETE", Verb.DELETE)):
            if cmd in cmds:
                out.append(self.eff(verb, table, scope=Scope.MANY,
                                    reversible=verb is Verb.CREATE,
                                    stateful=verb is not Verb.CREATE, detail=verbs[verb]))
        return out or [self.eff(Verb.READ, table, detail="MERGE … DO NOTHING")]

    def truncate(self, b: Node) -> list[Effect]:
        return [self.eff(Verb.DELETE, f"table {_rel(r.get('RangeVar'))}", scope=Scope.ALL,
                         reversible=False, stateful=True, risks=_MASS, detail="TRUNCATE")
                for r in b.get("relations") or ()]

    def drop(self, b: Node) -> list[Effect]:
        rtype = b.get("removeType", "")
        res, stateful = _DROP_KINDS.get(rtype, (rtype.removeprefix("OBJECT_").lower(), False))
        cascade = b.get("behavior") == "DROP_CASCADE"
        out = []
        for obj in b.get("objects") or ():
            mass = res in _DROP_MASS or (res == "schema" and cascade)
            # CASCADE also drops dependent objects, which may be tables or columns.
            keeps_data = stateful or cascade
            detail = f"DROP {res.upper()}" + (" … CASCADE" if cascade else "")
            out.append(self.eff(Verb.DELETE, f"{res} {_objname(obj)}",
                                scope=Scope.ALL if mass else Scope.ONE,
                                reversible=not keeps_data, stateful=keeps_data,
                                risks=_MASS if mass else frozenset(), detail=detail))
        return out

    def dropdb(self, b: Node) -> list[Effect]:
        return [self.eff(Verb.DELETE, f"database {b.get('dbname', '?')}", scope=Scope.ALL,
                         reversible=False, stateful=True, risks=_MASS, detail="DROP DATABASE")]

    def drop_owned(self, b: Node) -> list[Effect]:
        roles = ", ".join(_objname(r) for r in b.get("roles") or ())
        return [self.eff(Verb.DELETE, f"objects owned by {roles}", scope=Scope.ALL,
                         reversible=False, stateful=True, risks=_MASS, detail="DROP OWNED")]

    def alter_table(self, b: Node) -> list[Effect]:
        objtype = b.get("objtype", "OBJECT_TABLE")
        res = f"{_DROP_KINDS.get(objtype, ('table', True))[0]} {_rel(b.get('relation'))}"
        out: list[Effect] = []
        for c in b.get("cmds") or ():
            cmd = c.get("AlterTableCmd") or {}
            sub = cmd.get("subtype", "")
            if sub == "AT_DropColumn":
                out.append(self.eff(Verb.DELETE, f"{res} column {cmd.get('name', '?')}",
                                    reversible=False, stateful=True,
                                    detail="ALTER TABLE … DROP COLUMN"))
            elif sub in _PG_ALTER_PRIVILEGE:
                out.append(self.eff(Verb.PRIVILEGE, res, detail=f"ALTER TABLE ({sub})"))
            elif sub == "AT_AlterColumnType":
                out.append(self.eff(Verb.UPDATE, f"{res} column {cmd.get('name', '?')}",
                                    reversible=False, stateful=True,
                                    detail="ALTER COLUMN … TYPE rewrites the data"))
            else:
                out.append(self.eff(Verb.UPDATE, res, detail=f"ALTER TABLE ({sub})"))
        return out or [self.eff(Verb.UPDATE, res, detail="ALTER TABLE")]

    def explain(self, b: Node) -> list[Effect]:
        opts = _defelems(b.get("options"))
        analyze = opts.get("analyze", False)
        if isinstance(analyze, str):
            analyze = analyze.lower() in _TRUE_TEXT
        k = _kind(b.get("query"))
        if analyze and k is not None:
            return self.statement(*k)  # EXPLAIN ANALYZE runs the statement
        return [self.eff(Verb.READ, "query plan", detail="EXPLAIN (not executed)")]

    def prepare(self, b: Node) -> list[Effect]:
        self.prepared[b.get("name", "")] = b.get("query")
        return []

    def execute(self, b: Node) -> list[Effect]:
        k = _kind(self.prepared.get(b.get("name", "")))
        if k is None:
            return [self.opaque(f"prepared statement {b.get('name', '?')}",
                                "EXECUTE of a statement prepared elsewhere")]
        return self.statement(*k)

    def copy(self, b: Node) -> list[Effect]:
        what = f"table {_rel(b['relation'])}" if b.get("relation") else "query"
        target = b.get("filename")
        if b.get("is_program"):
            return [self.eff(Verb.EXECUTE, "program on database host", reversible=False,
                             risks=_CATA, detail=f"COPY … {'FROM' if b.get('is_from') else 'TO'}"
                             " PROGRAM runs a shell command on the database host")]
        if b.get("is_from"):
            src = f"server file {target}" if target else "client input"
            return [self.eff(Verb.CREATE, what, scope=Scope.MANY, detail=f"COPY FROM {src}")]
        if target:
            return [self.eff(Verb.CREATE, f"server file {target}", reversible=False,
                             detail="COPY TO writes a file on the database host")]
        return [self.eff(Verb.READ, what, detail="COPY TO STDOUT")]

    def create_table_as(self, b: Node) -> list[Effect]:
        into = b.get("into") or {}
        kind = "materialized view" if b.get("objtype") == "OBJECT_MATVIEW" else "table"
        return [self.eff(Verb.CREATE, f"{kind} {_rel(into.get('rel'))}", detail="CREATE … AS")]

    def create_function(self, b: Node) -> list[Effect]:
        opts = _defelems(b.get("options"))
        kind = "procedure" if b.get("is_procedure") else "function"
        name = ".".join(_strings(b.get("funcname")))
        lang = str(opts.get("language", "sql")).lower()
        # The body runs when it is called: a later call in this text gets its effects.
        body = self.function_body(b, lang, f"{kind} {name}")
        names = name.lower().split(".")
        for key in {".".join(names), *((names[-1],) if names[0] == "public" else ())}:
            self.functions[key] = _unique(self.functions.get(key, []) + list(body))
        out = [self.eff(Verb.CREATE, f"{kind} {name}",
                        detail=f"CREATE {kind.upper()} (language {lang}; body analysed for "
                               "calls in this statement text)")]
        if opts.get("security") is True:
            out.append(self.eff(Verb.PRIVILEGE, f"{kind} {name}",
                                detail="SECURITY DEFINER: runs with its owner's privileges"))
        if lang in _UNTRUSTED_LANGUAGES:
            out.append(self.eff(Verb.EXECUTE, f"{kind} {name}", reversible=False,
                                detail=f"untrusted language {lang} runs code on the database host"))
        return out

    def grant(self, b: Node) -> list[Effect]:
        what = b.get("objtype", "OBJECT_TABLE").removeprefix("OBJECT_").lower()
        objs = ", ".join(_objname(o) for o in b.get("objects") or ()) or "?"
        if b.get("targtype") == "ACL_TARGET_ALL_IN_SCHEMA":
            objs = f"all in schema {objs}"
        to = ", ".join(_objname(g) for g in b.get("grantees") or ())
        verb = "GRANT" if b.get("is_grant") else "REVOKE"
        return [self.eff(Verb.PRIVILEGE, f"{what} {objs}", detail=f"{verb} … {to}")]

    def role(self, b: Node) -> list[Effect]:
        role = b.get("role")
        name = _objname({"RoleSpec": role}) if isinstance(role, dict) else (role or "?")
        opts = sorted(_defelems(b.get("options")))
        return [self.eff(Verb.PRIVILEGE, f"role {name}",
                         detail="role change" + (f" ({', '.join(opts)})" if opts else ""))]

    def drop_role(self, b: Node) -> list[Effect]:
        return [self.eff(Verb.PRIVILEGE, f"role {_objname(r)}", detail="DROP ROLE")
                for r in b.get("roles") or ()]

    def call(self, b: Node) -> list[Effect]:
        names = _strings((b.get("funccall") or {}).get("funcname"))
        defined = self.functions.get(".".join(names).lower())
        if defined is not None:
            return [replace(e) for e in defined]
        return [self.eff(Verb.EXECUTE, f"procedure {'.'.join(names) or '?'}", reversible=False,
                         detail="CALL runs a procedure whose effects are not visible")]

    # ------------------------------------------------------------ procedural code

    def do_block(self, b: Node) -> list[Effect]:
        lang = str(_defelems(b.get("args")).get("language", "plpgsql")).lower()
        if lang == "plpgsql":
            return self.plpgsql("DO block")
        return [self.foreign_code("code block", lang, "DO block")]

    def foreign_code(self, resource: str, lang: str, what: str) -> Effect:
        if lang in _TRUSTED_LANGUAGES:
            return self.eff(Verb.EXECUTE, resource, reversible=False,
                            detail=f"{what} in language {lang}: body not analysed")
        return self.eff(Verb.EXECUTE, resource, reversible=False, risks=_HOST,
                        detail=f"{what} in untrusted language {lang}: can run commands on the "
                               "database host")

    def function_body(self, b: Node, lang: str, what: str) -> list[Effect]:
        """What a call of the function being created runs."""
        if b.get("sql_body") is not None:  # `BEGIN ATOMIC … END` / `RETURN expr`: parsed
            return self.nested(lambda: self.parsed_body(b["sql_body"]))
        if lang == "plpgsql":
            return self.plpgsql(what)
        src = _defelems(b.get("options")).get("as")
        if lang == "sql" and isinstance(src, list) and len(src) == 1:
            return self.nested(lambda: self.sql(src[0]))
        return [self.foreign_code(what, lang, what)]

    def parsed_body(self, body: Any) -> list[Effect]:
        out: list[Effect] = []
        stack = [body]
        while stack:
            node = stack.pop()
            k = _kind(node)
            if k is not None and k[0] == "List":
                stack.extend(reversed(k[1].get("items") or []))
            elif k is not None and k[0] == "ReturnStmt":
                out.extend(self.inner(k[1]))
            elif k is not None:
                out.extend(_finish(self.statement(*k)))
        return out

    def nested(self, fn: Callable[[], list[Effect]]) -> list[Effect]:
        """Code that runs code: bounded, so a self-referencing chain cannot loop."""
        if self.depth >= _MAX_CODE_DEPTH:
            return [self.opaque("sql", "code nested too deeply to analyse")]
        self.depth += 1
        try:
            return fn()
        finally:
            self.depth -= 1

    def plpgsql(self, what: str) -> list[Effect]:
        """A PL/pgSQL body (of the current DO or CREATE FUNCTION statement): the SQL it runs,
        literal EXECUTE strings included; an EXECUTE of a computed string is opaque."""
        from pglast.parser import parse_plpgsql_json
        try:
            funcs = json.loads(parse_plpgsql_json(self.text.decode()))
        except Exception as exc:  # noqa: BLE001 - not understood: opaque, never allowed
            return [self.opaque("plpgsql", f"{what}: PL/pgSQL body not analysed "
                                           f"({_first_line(exc)})")]
        if not (isinstance(funcs, list) and len(funcs) == 1):
            return [self.opaque("plpgsql", f"{what}: PL/pgSQL body not analysed")]
        out = _finish(self.nested(lambda: list(self.plpgsql_walk(funcs[0], what))))
        for e in out:
            if not e.detail.startswith(what):
                e.detail = f"{what}: {e.detail}"
        return out or [self.eff(Verb.READ, "query", detail=f"{what}: reads only")]

    def plpgsql_walk(self, tree: Any, what: str) -> Iterator[Effect]:
        stack: list[tuple[str, Any]] = [("", tree)]
        while stack:
            parent, node = stack.pop()
            if isinstance(node, list):
                stack.extend((parent, n) for n in reversed(node))
                continue
            if not isinstance(node, dict):
                continue
            for key, value in node.items():
                if key.startswith("PLpgSQL_stmt_") and key[13:] not in _PLPGSQL_STMTS:
                    yield self.opaque("plpgsql", f"{what}: statement {key[13:]} not analysed")
                    continue
                if key == "PLpgSQL_expr" and isinstance(value, dict):
                    yield from self.plpgsql_expr(value, what, dynamic=False)
                    continue
                if key.startswith("PLpgSQL_stmt_") and isinstance(value, dict):
                    for field, sub in value.items():
                        expr = sub.get("PLpgSQL_expr") if isinstance(sub, dict) else None
                        if (key, field) in _PLPGSQL_DYNAMIC and isinstance(expr, dict):
                            yield from self.plpgsql_expr(expr, what, dynamic=True)
                        elif isinstance(sub, (dict, list)):
                            stack.append((key, sub))
                    continue
                if isinstance(value, (dict, list)):
                    stack.append((key, value))

    def plpgsql_expr(self, expr: Node, what: str, dynamic: bool) -> list[Effect]:
        query = expr.get("query")
        if not isinstance(query, str):
            return []
        if expr.get("parseMode", 0) == 0 and not dynamic:
            return self.sql(query)  # a whole statement (INTO is already cut out)
        if expr.get("parseMode", 0) in (3, 4, 5):  # `target := expression`
            query = _after_assignment(query)
            if query is None:
                return [self.opaque("plpgsql", f"{what}: assignment not analysed")]
        effects = self.sql("SELECT " + query)  # the expression's function calls
        if not dynamic:
            return effects
        literal = _pg_literal_text(query)
        if literal is None:
            return [e for e in effects if e.verb is not Verb.READ] + [self.eff(
                Verb.OPAQUE, "sql", reversible=False, risks=frozenset({Risk.DYNAMIC}),
                detail=f"{what}: EXECUTE of a statement built at run time ({query[:80]})")]
        return [e for e in effects if e.verb is not Verb.READ] + self.sql(literal)

    def lock(self, b: Node) -> list[Effect]:
        return [self.eff(Verb.UPDATE, f"table {_rel(r.get('RangeVar'))}", detail="LOCK TABLE")
                for r in b.get("relations") or ()]

    def alter_system(self, b: Node) -> list[Effect]:
        name = (b.get("setstmt") or {}).get("name", "?")
        return [self.eff(Verb.UPDATE, f"server setting {name}", risks=_HOST,
                         detail="ALTER SYSTEM changes the server configuration file")]

    def declare(self, b: Node) -> list[Effect]:
        return []  # the cursor's query is walked like any nested query


def _listed(eff: Effect | None) -> list[Effect]:
    return [] if eff is None else [eff]


def _after_assignment(query: str) -> str | None:
    """`v[1] := expr` → `expr` (the first top-level `:=` or `=`)."""
    from pglast.parser import scan
    try:
        toks = scan(query)
    except Exception:  # noqa: BLE001
        return None
    for t in toks:
        if t.name in ("COLON_EQUALS", "ASCII_61"):
            return query.encode()[t.end + 1:].decode()
    return None


def _pg_literal_text(expr: str) -> str | None:
    """The string an expression always evaluates to (`'DROP TABLE x'`, `'a' || 'b'`), or None
    when it depends on anything (variables, format(), quote_ident() …)."""
    try:
        tree = json.loads(_pg_parser()("SELECT " + expr))
        (stmt,) = tree["stmts"]
        (target,) = stmt["stmt"]["SelectStmt"]["targetList"]
        return _pg_fold(target["ResTarget"]["val"])
    except Exception:  # noqa: BLE001 - anything unexpected: not a literal
        return None


def _pg_fold(node: Any) -> str | None:
    k = _kind(node)
    if k is None:
        return None
    kind, body = k
    if kind == "A_Const":
        v = _const(node)
        return v if isinstance(v, str) else None
    if kind == "A_Expr" and body.get("kind") == "AEXPR_OP" and _strings(body.get("name")) == ["||"]:
        a, b = _pg_fold(body.get("lexpr")), _pg_fold(body.get("rexpr"))
        return a + b if a is not None and b is not None else None
    return None


_ROLLBACK_NOTE = ("; the later ROLLBACK is not counted: autocommit, an error or a client "
                  "that sends the statements one by one would keep this change")


def _rollback_note(out: list[Effect], txn: int | None, kind: str) -> int | None:
    """Track BEGIN … ROLLBACK: the changes inside stay as they are (strict), but say why."""
    if kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
        return len(out)
    if kind == "TRANS_STMT_ROLLBACK":
        for e in out[txn or 0:]:
            if e.verb is not Verb.READ and _ROLLBACK_NOTE not in e.detail:
                e.detail += _ROLLBACK_NOTE
        return None
    if kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_COMMIT_PREPARED"):
        return None
    return txn


_PG_ALTER_PRIVILEGE = frozenset({
    "AT_ChangeOwner", "AT_EnableRowSecurity", "AT_DisableRowSecurity", "AT_ForceRowSecurity",
    "AT_NoForceRowSecurity",
})

_PG_HANDLERS: dict[str, Callable[[_Pg, Node], list[Effect]]] = {
    "SelectStmt": _Pg.select,
    "InsertStmt": _Pg.insert,
    "UpdateStmt": _Pg.update,
    "DeleteStmt": _Pg.delete,
    "MergeStmt": _Pg.merge,
    "TruncateStmt": _Pg.truncate,
    "DropStmt": _Pg.drop,
    "DropdbStmt": _Pg.dropdb,
    "DropOwnedStmt": _Pg.drop_owned,
    "AlterTableStmt": _Pg.alter_table,
    "ExplainStmt": _Pg.explain,
    "PrepareStmt": _Pg.prepare,
    "ExecuteStmt": _Pg.execute,
    "CopyStmt": _Pg.copy,
    "CreateTableAsStmt": _Pg.create_table_as,
    "CreateFunctionStmt": _Pg.create_function,
    "CreateRoleStmt": _Pg.role,
    "AlterRoleStmt": _Pg.role,
    "DropRoleStmt": _Pg.drop_role,
    "CallStmt": _Pg.call,
    "DoStmt": _Pg.do_block,
    "GrantStmt": _Pg.grant,
    "LockStmt": _Pg.lock,
    "AlterSystemStmt": _Pg.alter_system,
    "DeclareCursorStmt": _Pg.declare,
}


# ---------------------------------------------------------------------------- MySQL / SQLite

_glot: Any = None


def _sqlglot() -> Any:
    global _glot
    if _glot is None:
        import sqlglot
        # sqlglot warns on stderr when it falls back to `Command`; we report those as opaque.
        logging.getLogger("sqlglot").setLevel(logging.ERROR)
        _glot = sqlglot
    return _glot


# sqlglot Drop.kind → (resource kind, stateful)
_GLOT_DROP_KINDS: dict[str, tuple[str, bool]] = {
    "TABLE": ("table", True), "DATABASE": ("database", True), "SCHEMA": ("schema", True),
    "VIEW": ("view", False), "INDEX": ("index", False), "FUNCTION": ("function", False),
    "PROCEDURE": ("procedure", False), "TRIGGER": ("trigger", False),
    "SEQUENCE": ("sequence", True), "EVENT": ("event", False),
}
# PRAGMAs whose argument names what to describe (not a value to set).
_SQLITE_READ_PRAGMAS = frozenset({
    "table_info", "table_xinfo", "table_list", "index_info", "index_xinfo", "index_list",
    "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check", "database_list",
    "collation_list", "function_list", "module_list", "pragma_list", "compile_options",
})
# PRAGMAs that act when named without a value.
_SQLITE_ACTION_PRAGMAS = frozenset({"optimize", "wal_checkpoint", "incremental_vacuum"})
# Session settings that change what later statements do to data (cf. _PG_RISKY_SETTINGS).
_MYSQL_RISKY_SETTINGS: dict[str, tuple[Verb, str]] = {
    "foreign_key_checks": (Verb.UPDATE, "disables foreign-key checks"),
    "unique_checks": (Verb.UPDATE, "disables unique checks"),
    "sql_log_bin": (Verb.UPDATE, "stops writing changes to the binary log (replicas diverge)"),
    "sql_safe_updates": (Verb.UPDATE, "allows UPDATE/DELETE without a key in WHERE"),
}
# MySQL DROP SCHEMA is DROP DATABASE.
_GLOT_DROP_MASS = frozenset({"table", "database", "schema"})


class _Glot(_Base):
    def __init__(self, targets: tuple[Target, ...], dialect: str) -> None:
        super().__init__(targets)
        self.dialect = dialect
        self.prepared: dict[str, str | None] = {}
        self.uservars: dict[str, str] = {}  # `SET @v = 'literal'`, for PREPARE … FROM @v
        self.depth = 0

    def nested_sql(self, text: str, what: str) -> list[Effect]:
        """SQL held in a string that runs (PREPARE … FROM 'text'): analysed like the rest."""
        if self.depth >= _MAX_CODE_DEPTH:
            return [self.opaque("sql", f"{what}: nested too deeply to analyse")]
        self.depth += 1
        try:
            out = self.parse_and_analyze(text)
        finally:
            self.depth -= 1
        for e in out:
            e.detail = f"{what}: {e.detail}"
        return out

    def analyze(self, text: str) -> list[Effect]:
        if self.dialect == "sqlite" and _SQLITE_DOT_LINE.search(text):
            out: list[Effect] = []
            for kind, piece in _sqlite_split(text):
                out.extend(self.parse_and_analyze(piece) if kind == "sql" else
                           _client_command(self, "sqlite3", ".", _SQLITE_DOT, piece))
            return out
        if self.dialect != "mysql":
            return self.parse_and_analyze(text)
        # MySQL runs the text of `/*! … */` comments: analyse it as code.
        versioned = bool(_VERSIONED_COMMENT.search(text))
        out = self.parse_and_analyze(_mysql_unwrap(text, True) if versioned else text)
        if "\\" in text:
            # Whether `\'` ends a string depends on the server's sql_mode (NO_BACKSLASH_ESCAPES):
            # read it the other way too (sqlglot escapes, so literal backslashes are doubled).
            # Text that does not parse that way would fail on such a server: nothing to add.
            literal = (_mysql_unwrap(text, False) if versioned else text).replace("\\", "\\\\")
            seen = {(e.verb, e.resource, e.scope, e.detail) for e in out}
            out += [e for e in self.parse_and_analyze(literal, strict=False)
                    if (e.verb, e.resource, e.scope, e.detail) not in seen]
        return out

    def parse_and_analyze(self, text: str, strict: bool = True) -> list[Effect]:
        """sqlglot's tree where it models every statement; otherwise statement by statement,
        with the leading keywords of the tokens deciding where sqlglot gives up (`Command`,
        parse errors, `RESET MASTER` read as an alias). Unknown statements stay opaque."""
        glot = _sqlglot()
        dialect = glot.Dialect.get_or_raise(self.dialect)
        try:
            tokens = dialect.tokenize(text)
        except Exception as exc:  # noqa: BLE001 - unterminated strings etc.: fail closed
            return [self.opaque("sql", f"unparseable SQL: {_first_line(exc)}")] if strict else []
        try:
            stmts: list[Any] | None = dialect.parser().parse(tokens, text)
        except Exception:  # noqa: BLE001 - statement by statement below
            stmts = None
        if stmts is not None and all(map(self.trusted, stmts)) and _glot_outfile(tokens) is None:
            out: list[Effect] = []
            txn: int | None = None
            for st in stmts:
                if st is None or isinstance(st, glot.exp.Semicolon):
                    continue  # empty statement or a comment between statements
                txn = _rollback_note(out, txn, _glot_txn(st))
                out.extend(_finish(_guarded(self, self.statement, st)))
            return out
        return self.by_statement(text, tokens, strict)

    def by_statement(self, text: str, tokens: list[Any], strict: bool) -> list[Effect]:
        # Split where the tokenizer saw `;` (strings and comments are already told apart);
        # a routine body with `BEGIN … ; … END` falls apart here, and its pieces are opaque.
        glot = _sqlglot()
        out: list[Effect] = []
        txn: int | None = None
        start, chunk = 0, []
        for tok in [*tokens, None]:
            if tok is not None and tok.token_type != glot.TokenType.SEMICOLON:
                chunk.append(tok)
                continue
            end = tok.start if tok is not None else len(text)
            if chunk:
                piece = text[start:end]
                try:
                    effects, kind = self.one_statement(piece, chunk, strict)
                except Exception as exc:  # noqa: BLE001 - fail closed, never a traceback
                    effects, kind = [self.opaque("sql", f"statement not analysed "
                                                        f"({type(exc).__name__})")], ""
                txn = _rollback_note(out, txn, kind)
                out.extend(_finish(effects))
            start, chunk = end + 1, []
        return out

    def one_statement(self, piece: str, tokens: list[Any],
                      strict: bool) -> tuple[list[Effect], str]:
        glot = _sqlglot()
        toks = _glot_expand(tokens, self.dialect)
        words = [_glot_word(t) for t in toks]
        outfile = _glot_outfile(toks)
        if outfile is not None:
            return [self.eff(Verb.CREATE, f"server file {outfile}", reversible=False,
                             risks=_HOST, detail="SELECT … INTO OUTFILE/DUMPFILE writes a "
                                                 "file on the database host")], ""
        error: str | None = None
        try:
            parsed = [st for st in glot.parse(piece, dialect=self.dialect)
                      if st is not None and not isinstance(st, glot.exp.Semicolon)]
        except Exception as exc:  # noqa: BLE001 - the keywords may still tell
            parsed, error = [], _first_line(exc)
        if len(parsed) == 1 and self.trusted(parsed[0]):
            return _guarded(self, self.statement, parsed[0]), _glot_txn(parsed[0])
        handler = _glot_keyword_handler(words)
        if handler is not None:
            return _guarded(self, handler, self, toks, words, piece), ""
        if error is not None:
            return ([self.opaque("sql", f"unparseable SQL: {error}")] if strict else []), ""
        lead = " ".join(w for w in words[:2] if w) or "unknown"
        return [self.opaque("sql", f"{lead} statement not analysed")], ""

    @staticmethod
    def trusted(st: Any) -> bool:
        """A node whose handler knows what it does (not `Command`, not a misparse such as
        `RESET MASTER` → Alias or `START REPLICA` → Transaction)."""
        exp = _glot.exp
        if st is None or isinstance(st, exp.Semicolon):
            return True
        if isinstance(st, exp.Transaction):
            return all(str(m).upper() in _GLOT_TXN_MODES for m in st.args.get("modes") or ())
        if isinstance(st, exp.Alter) and any(
                isinstance(a, exp.Command) for a in st.args.get("actions") or ()):
            return False  # `ALTER TABLE t DROP COLUMN a, DROP PARTITION p`: half understood
        for block in st.find_all(exp.Block):
            # sqlglot reads `CREATE PROCEDURE p() BEGIN …; END; DROP TABLE t` as one routine
            # whose body runs later: the text after its END is a statement of its own.
            ends = [e for e in block.expressions if isinstance(e, exp.EndStatement)]
            if len(ends) != 1 or block.expressions[-1] is not ends[0]:
                return False
        return type(st).__name__ in _GLOT_HANDLERS or isinstance(
            st, (exp.Query, exp.Show, exp.Pragma))

    def statement(self, st: Any) -> list[Effect]:
        exp = _glot.exp
        out = self.own(st)
        if isinstance(st, exp.Describe) and st.args.get("style") != "ANALYZE":
            return out
        if isinstance(st, (exp.Command, exp.Create, exp.Pragma)):
            return out  # opaque already / bodies of created routines are not run now
        for node in st.walk(prune=lambda n: isinstance(n, (exp.Describe, exp.Create))):
            if node is st:
                continue
            if isinstance(node, (exp.Insert, exp.Update, exp.Delete)):
                out.extend(self.own(node))
            elif isinstance(node, exp.Anonymous):
                eff = self.func_effect(str(node.name).lower(), SQLGLOT_SAFE_FUNCTIONS)
                if eff is not None:
                    out.append(eff)
            elif isinstance(node, exp.Func):
                name = node.sql_name().lower() if hasattr(node, "sql_name") else ""
                fe = DANGEROUS_FUNCTIONS.get(name)
                if fe is not None:
                    out.append(self.func_effect(name, SQLGLOT_SAFE_FUNCTIONS))  # type: ignore[arg-type]
        return out

    @staticmethod
    def table(t: Any) -> str:
        exp = _glot.exp
        if isinstance(t, exp.Table):
            parts = [t.args.get("catalog"), t.args.get("db"), t.args.get("this")]
            return ".".join(p.name for p in parts if p is not None and p.name) or "?"
        return t.sql() if isinstance(t, exp.Expression) else "?"

    def own(self, st: Any) -> list[Effect]:
        exp = _glot.exp
        handler = _GLOT_HANDLERS.get(type(st).__name__)
        if handler is not None:
            return handler(self, st)
        if isinstance(st, (exp.Query, exp.Show, exp.Pragma)):
            return self.read(st)
        if isinstance(st, exp.Command):
            return [self.opaque("sql", f"{str(st.this).upper()} statement not analysed")]
        return [self.opaque("sql", f"statement {type(st).__name__} not analysed")]

    def read(self, st: Any) -> list[Effect]:
        exp = _glot.exp
        if isinstance(st, exp.Pragma):
            # `PRAGMA name` reads; `PRAGMA name = v` and `PRAGMA name(v)` set, except the
            # introspection pragmas whose argument is a table or index name.
            eq = st.this
            if isinstance(eq, exp.EQ):
                name = (eq.this.expression if isinstance(eq.this, exp.Dot) else eq.this).name
                if name.lower() not in _SQLITE_READ_PRAGMAS:
                    return [self.eff(Verb.UPDATE, f"pragma {name}", detail="PRAGMA assignment")]
                return [self.eff(Verb.READ, f"pragma {name}", detail="PRAGMA")]
            name = eq.name.lower() if eq is not None else ""
            if name in _SQLITE_ACTION_PRAGMAS:
                return [self.eff(Verb.UPDATE, f"pragma {name}", detail=f"PRAGMA {name} "
                                 "changes the database file")]
            return [self.eff(Verb.READ, f"pragma {name}".strip(), detail="PRAGMA")]
        if isinstance(st, exp.Select) and st.args.get("into") is not None:
            # MySQL: `SELECT … INTO @v` sets variables (INTO OUTFILE is caught on the tokens);
            # SQLite has no SELECT INTO. Neither creates a table.
            return [self.eff(Verb.READ, "query", detail="SELECT … INTO variables")]
        tables = []
        ctes = {c.alias for c in st.find_all(exp.CTE)} if isinstance(st, exp.Query) else set()
        for t in st.find_all(exp.Table):
            name = self.table(t)
            if name not in ctes and name not in tables:
                tables.append(name)
        return [self.eff(Verb.READ, ", ".join(f"table {t}" for t in tables[:8]) or "query",
                         detail="query")]

    def where_all(self, st: Any) -> bool:
        where = st.args.get("where")
        if where is not None:
            return _glot_always_true(where.this)
        # MySQL multi-table forms: `DELETE u FROM users u JOIN o ON …`, `UPDATE a JOIN b ON …
        # SET …` only touch rows the join condition matches.
        exp = _glot.exp
        sources = [st.this, *(st.args.get("using") or [])]
        for src in sources:
            for join in (src.args.get("joins") or []) if isinstance(src, exp.Expression) else []:
                on = join.args.get("on")
                if (on is not None and not _glot_always_true(on)) or join.args.get("using"):
                    return False
        return True

    def insert(self, st: Any) -> list[Effect]:
        exp = _glot.exp
        target = st.this.this if isinstance(st.this, exp.Schema) else st.this
        table = f"table {self.table(target)}"
        out = [self.eff(Verb.CREATE, table, scope=Scope.MANY, detail="INSERT")]
        alt = str(st.args.get("alternative") or "").upper()
        if alt == "REPLACE" or st.args.get("conflict") is not None or st.args.get(
                "overwrite"):
            out.append(self.eff(Verb.UPDATE, table, scope=Scope.MANY, reversible=False,
                                stateful=True, detail="INSERT that replaces existing rows"))
        return out

    def update(self, st: Any) -> list[Effect]:
        return [self._limited(self.dml(Verb.UPDATE, f"table {self.table(st.this)}",
                                       self.where_all(st)), st)]

    def _limited(self, e: Effect, st: Any) -> Effect:
        """MySQL/SQLite `DELETE … LIMIT n` / `UPDATE … LIMIT n` touch at most n rows: without a
        WHERE that is n arbitrary rows — still a change to approve — but not every row, as long
        as n is a literal small enough that it does not mean "all" in practice."""
        limit = st.args.get("limit")
        n = getattr(getattr(limit, "expression", None), "this", None)
        if e.scope is not Scope.ALL or not isinstance(n, str) or not n.isdigit() or \
                int(n) > LIMIT_BOUNDED:
            return e
        return self.eff(e.verb, e.resource, scope=Scope.MANY, reversible=False, stateful=True,
                        detail=f"at most {int(n)} rows (LIMIT {int(n)}, no WHERE)")

    def delete(self, st: Any) -> list[Effect]:
        everything = self.where_all(st)
        # `DELETE a, b FROM a JOIN b …` deletes from each table named before FROM (aliases).
        exp = _glot.exp
        aliases = {t.alias_or_name: t for t in st.find_all(exp.Table) if t.alias}
        named = [aliases.get(t.name, t) for t in st.args.get("tables") or []] or [st.this]
        return [self._limited(self.dml(Verb.DELETE, f"table {self.table(t)}", everything), st)
                for t in named]

    def truncate(self, st: Any) -> list[Effect]:
        return [self.eff(Verb.DELETE, f"table {self.table(t)}", scope=Scope.ALL,
                         reversible=False, stateful=True, risks=_MASS, detail="TRUNCATE")
                for t in st.expressions]

    def drop(self, st: Any) -> list[Effect]:
        kind = str(st.args.get("kind") or "").upper()
        res, stateful = _GLOT_DROP_KINDS.get(kind, (kind.lower() or "object", False))
        cascade = bool(st.args.get("cascade"))
        out = []
        for t in st.args.get("tables") or [st.this]:
            mass = res in _GLOT_DROP_MASS
            name = self.table(t)
            if res in ("database", "schema") and name == "?" and t is not None:
                name = t.args.get("db").name if t.args.get("db") is not None else "?"
            keeps = stateful or cascade
            out.append(self.eff(Verb.DELETE, f"{res} {name}",
                                scope=Scope.ALL if mass else Scope.ONE, reversible=not keeps,
                                stateful=keeps, risks=_MASS if mass else frozenset(),
                                detail=f"DROP {kind}" + (" … CASCADE" if cascade else "")))
        return out

    def create(self, st: Any) -> list[Effect]:
        exp = _glot.exp
        kind = str(st.args.get("kind") or "object").lower()
        this = st.this
        if isinstance(this, (exp.Schema, exp.Index)):
            this = this.this
        name = self.table(this) if isinstance(this, exp.Table) else (
            this.name if isinstance(this, exp.Expression) and this.name else "?")
        return [self.eff(Verb.CREATE, f"{kind} {name}", detail=f"CREATE {kind.upper()}")]

    def alter(self, st: Any) -> list[Effect]:
        exp = _glot.exp
        res = f"{str(st.args.get('kind') or 'table').lower()} {self.table(st.this)}"
        out = []
        for action in st.args.get("actions") or ():
            if isinstance(action, exp.DropPartition):
                out.append(self.eff(Verb.DELETE, f"{res} partitions", scope=Scope.MANY,
                                    reversible=False, stateful=True,
                                    detail="ALTER TABLE … DROP PARTITION deletes their rows"))
            elif isinstance(action, exp.Drop) and str(action.args.get("kind")).upper() == "COLUMN":
                for col in action.args.get("tables") or ():
                    out.append(self.eff(Verb.DELETE, f"{res} column {col.name}",
                                        reversible=False, stateful=True,
                                        detail="ALTER TABLE … DROP COLUMN"))
            else:
                out.append(self.eff(Verb.UPDATE, res,
                                    detail=f"ALTER ({type(action).__name__})"))
        return out or [self.eff(Verb.UPDATE, res, detail="ALTER")]

    def describe(self, st: Any) -> list[Effect]:
        exp = _glot.exp
        if st.args.get("style") == "ANALYZE" and isinstance(st.this, exp.Expression):
            return self.statement(st.this)  # EXPLAIN ANALYZE runs the statement
        return [self.eff(Verb.READ, "query plan", detail="EXPLAIN/DESCRIBE (not executed)")]

    def grant(self, st: Any) -> list[Effect]:
        sec = st.args.get("securable")
        return [self.eff(Verb.PRIVILEGE, f"privileges on {self.table(sec)}",
                         detail=f"{type(st).__name__.upper()}")]

    def setstmt(self, st: Any) -> list[Effect]:
        exp = _glot.exp
        out = []
        for item in st.expressions:
            kind = str(item.args.get("kind") or "").upper()
            var = item.this.this if isinstance(item.this, exp.EQ) else item.this
            if isinstance(var, exp.SessionParameter):  # `@@global.x`, `@@persist.x`
                kind = str(var.args.get("kind") or kind).upper()
            name = var.name.lower() if isinstance(var, exp.Expression) else ""
            if isinstance(var, exp.Parameter) and isinstance(item.this, exp.EQ):
                value = item.this.expression
                if isinstance(value, exp.Literal) and value.is_string:
                    self.uservars[name] = value.name
                else:
                    self.uservars.pop(name, None)
                continue
            if kind in ("GLOBAL", "PERSIST", "PERSIST_ONLY"):
                out.append(self.eff(Verb.UPDATE, f"server setting {name}".strip(),
                                    detail=f"SET {kind} changes the server configuration"))
            elif name in _MYSQL_RISKY_SETTINGS:
                verb, why = _MYSQL_RISKY_SETTINGS[name]
                out.append(self.eff(verb, f"setting {name}", detail=why))
        return out

    def attach(self, st: Any) -> list[Effect]:
        exp = _glot.exp
        what = st.this.this if isinstance(st.this, exp.Alias) else st.this
        if not isinstance(what, exp.Literal):
            return [self.opaque("database file", "ATTACH of a file name computed at run time")]
        name = what.name
        path = name.removeprefix("file:").partition("?")[0]
        if path in ("", ":memory:") or "mode=memory" in name:
            return []  # a temporary in-memory database
        return [_sqlite_file(self, path, "ATTACH opens (and may create) a database file")]


_VERSIONED_COMMENT = re.compile(r"/\*[Mm]?!")
_VERSIONED_OPEN = re.compile(r"/\*[Mm]?!(\d{5,6})?")


def _mysql_unwrap(text: str, backslash_escapes: bool) -> str:
    """Turn MySQL executable comments (`/*!50000 DROP TABLE x */`, MariaDB `/*M! … */`) into
    the code they are, leaving strings, identifiers and ordinary comments as they are."""
    out: list[str] = []
    i, n, in_exec = 0, len(text), False
    while i < n:
        c = text[i]
        if c in "'\"`":
            j = i + 1
            while j < n:
                if text[j] == c:
                    if j + 1 < n and text[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 2 if backslash_escapes and c != "`" and text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif c == "#" or (text.startswith("--", i) and (i + 2 >= n or text[i + 2].isspace())):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(text[i:j])
            i = j
        elif text.startswith("/*", i):
            m = _VERSIONED_OPEN.match(text, i)
            if m and not in_exec:
                out.append(" ")
                i, in_exec = m.end(), True
                continue
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(text[i:j])
            i = j
        elif in_exec and text.startswith("*/", i):
            out.append(" ")
            i, in_exec = i + 2, False
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _glot_key_column(node: Any) -> bool:
    return isinstance(node, _glot.exp.Column) and node.name.lower() in _KEY_COLUMNS


def _glot_always_true(node: Any) -> bool:
    """See _pg_always_true."""
    exp = _glot.exp
    if isinstance(node, exp.Paren):
        return _glot_always_true(node.this)
    if isinstance(node, exp.Not):
        inner = node.this.this if isinstance(node.this, exp.Paren) else node.this
        if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null):
            return _glot_key_column(inner.this)  # `id IS NOT NULL`
        if not inner.find(exp.Column, exp.Subquery, exp.Func, exp.Placeholder, exp.Parameter):
            return isinstance(inner, exp.Boolean) and not inner.this or (
                isinstance(inner, exp.Literal) and inner.this in ("0", "0.0"))
        return False
    if isinstance(node, (exp.EQ, exp.GTE, exp.LTE)) and isinstance(node.this, exp.Column) \
            and node.this == node.expression:
        return True  # `x = x`
    if isinstance(node, (exp.GT, exp.GTE)) and _glot_key_column(node.this) \
            and isinstance(node.expression, exp.Literal) and not node.expression.is_string:
        op = ">" if isinstance(node, exp.GT) else ">="
        try:
            if (op, int(node.expression.this)) in _KEY_ALL_ROWS:
                return True
        except ValueError:
            pass
    if isinstance(node, (exp.EQ, exp.NEQ)) and isinstance(node.this, exp.Literal) \
            and isinstance(node.expression, exp.Literal):
        return (node.this == node.expression) is isinstance(node, exp.EQ)
    if isinstance(node, (exp.Binary, exp.In, exp.Is, exp.Like)) and not isinstance(
            node, (exp.And, exp.Or)) and not node.find(
            exp.Column, exp.Subquery, exp.Func, exp.Placeholder, exp.Parameter):
        return True  # the same value for every row (`2>1`, `1 IN (1)`, `'a' LIKE '%'`)
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Literal):
        return (not node.is_string and node.this not in ("0", "0.0")) or (
            node.is_string and node.this.lower() in _TRUE_TEXT)
    if isinstance(node, exp.EQ):
        a, b = node.this, node.expression
        return isinstance(a, exp.Literal) and isinstance(b, exp.Literal) and a == b
    if isinstance(node, exp.Or):
        return _glot_always_true(node.this) or _glot_always_true(node.expression)
    if isinstance(node, exp.And):
        return _glot_always_true(node.this) and _glot_always_true(node.expression)
    return False


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _nothing(self: _Glot, st: Any) -> list[Effect]:
    return []


def _glot_txn(st: Any) -> str:
    """Transaction control in _rollback_note's terms (pglast's TransactionStmt kinds)."""
    exp = _glot.exp
    if isinstance(st, exp.Transaction):
        return "TRANS_STMT_BEGIN"
    if isinstance(st, exp.Commit):
        return "TRANS_STMT_COMMIT"
    if isinstance(st, exp.Rollback) and st.args.get("savepoint") is None:
        return "TRANS_STMT_ROLLBACK"
    return ""


# BEGIN/START TRANSACTION modes (MySQL, SQLite); others are misparses (`START REPLICA`).
_GLOT_TXN_MODES = frozenset({"READ ONLY", "READ WRITE", "WITH CONSISTENT SNAPSHOT", "WORK",
                             "TRANSACTION", "DEFERRED", "IMMEDIATE", "EXCLUSIVE"})


def _glot_word(tok: Any) -> str:
    """A token as a keyword: upper-cased text, "" for strings and quoted names."""
    name = tok.token_type.name
    return "" if name in ("STRING", "IDENTIFIER", "NATIONAL_STRING", "RAW_STRING") \
        else tok.text.upper()


def _glot_expand(tokens: list[Any], dialect: str) -> list[Any]:
    """sqlglot turns the rest of a `Command` statement (PREPARE, RENAME, CALL …) into one
    string token, and reads some keyword pairs as one token (`LOCK TABLES`): tokenize that
    text again and split the pairs so each keyword can be read."""
    glot = _glot
    d = glot.Dialect.get_or_raise(dialect)
    if len(tokens) == 2 and tokens[1].token_type.name == "STRING" and (
            tokens[0].token_type in d.tokenizer_class.COMMANDS):
        try:
            tokens = [tokens[0], *d.tokenize(tokens[1].text)]
        except Exception:  # noqa: BLE001 - left as is: the keywords will not match
            return tokens
    out: list[Any] = []
    for tok in tokens:
        if _glot_word(tok) and len(tok.text.split()) > 1:
            out.extend(glot.tokens.Token(glot.TokenType.VAR, w) for w in tok.text.split())
        else:
            out.append(tok)
    return out


def _glot_outfile(tokens: list[Any]) -> str | None:
    """`… INTO OUTFILE 'path'` / `INTO DUMPFILE 'path'` (MySQL): the path written."""
    for a, b, c in zip(tokens, tokens[1:], tokens[2:]):
        if a.token_type.name == "INTO" and b.text.upper() in ("OUTFILE", "DUMPFILE") \
                and c.token_type.name == "STRING":
            return c.text
    return None


def _glot_name(toks: list[Any], i: int) -> tuple[str, int]:
    """A dotted name starting at toks[i] → (name, index after it)."""
    parts: list[str] = []
    while i < len(toks):
        parts.append(toks[i].text)
        if i + 2 < len(toks) and toks[i + 1].token_type.name == "DOT":
            i += 2
            continue
        return ".".join(parts), i + 1
    return ".".join(parts) or "?", i


def _glot_index(words: list[str], *wanted: str, start: int = 0) -> int:
    return next((i for i in range(start, len(words)) if words[i] in wanted), -1)


# ----- handlers for statements sqlglot does not model, by leading keywords

# (analyzer, tokens, keywords, statement text) → effects
KwHandler = Callable[[_Glot, list[Any], list[str], str], list[Effect]]


def _kw(verb: Verb, resource: str, detail: str, *, reversible: bool = True,
        stateful: bool = False, scope: Scope = Scope.ONE,
        risks: frozenset[Risk] = frozenset()) -> KwHandler:
    def handler(an: _Glot, toks: list[Any], words: list[str], piece: str) -> list[Effect]:
        return [an.eff(verb, resource, reversible=reversible, stateful=stateful, scope=scope,
                       risks=risks, detail=detail)]
    return handler


def _kw_none(an: _Glot, toks: list[Any], words: list[str], piece: str) -> list[Effect]:
    return []  # transaction control (SAVEPOINT, RELEASE, XA …), client-side state


def _kw_rename_table(an: _Glot, toks: list[Any], words: list[str], piece: str) -> list[Effect]:
    out, i = [], 2
    while i < len(toks):
        old, i = _glot_name(toks, i)
        to = _glot_index(words, "TO", start=i)
        new, i = _glot_name(toks, to + 1) if to >= 0 else ("?", len(toks))
        out.append(an.eff(Verb.UPDATE, f"table {old}", detail=f"RENAME TABLE {old} TO {new}"))
        i = _glot_index(words, ",", start=i)
        i = len(toks) if i < 0 else i + 1
    return out or [an.opaque("sql", "RENAME TABLE not understood")]


def _kw_load_data(an: _Glot, toks: list[Any], words: list[str], piece: str) -> list[Effect]:
    from .paths import read_effect

    infile = _glot_index(words, "INFILE")
    path = toks[infile + 1].text if 0 <= infile < len(toks) - 1 else "?"
    into = _glot_index(words, "TABLE", start=max(infile, 0))
    table = _glot_name(toks, into + 1)[0] if 0 <= into < len(toks) - 1 else "?"
    out = [an.eff(Verb.CREATE, f"table {table}", scope=Scope.MANY,
                  detail=f"{words[0]} {words[1]} inserts rows from a file")]
    if "REPLACE" in words[infile:into]:
        out.append(an.eff(Verb.UPDATE, f"table {table}", scope=Scope.MANY, reversible=False,
                          stateful=True, detail="LOAD DATA … REPLACE overwrites existing rows"))
    if "LOCAL" in words[:max(infile, 0)]:
        # The client reads the file and sends it to the server (the file leaves this host).
        out.append(read_effect(_local_path(path), detail="LOAD DATA LOCAL sends this file "
                                                         "to the database server"))
    else:
        out.append(an.eff(Verb.READ, f"server file {path}", detail="LOAD DATA INFILE reads a "
                                                                   "file on the database host"))
    return out


def _kw_grant(an: _Glot, toks: list[Any], words: list[str], piece: str) -> list[Effect]:
    on = _glot_index(words, "ON")
    if on < 0:
        return [an.eff(Verb.PRIVILEGE, "role membership", detail=f"{words[0]} role")]
    to = _glot_index(words, "TO", "FROM", start=on)
    obj = "".join(t.text for t in toks[on + 1:to if to > 0 else len(toks)]) or "?"
    return [an.eff(Verb.PRIVILEGE, f"privileges on {obj}", detail=words[0])]


def _kw_alter_table(an: _Glot, toks: list[Any], words: list[str], piece: str) -> list[Effect]:
    at = _glot_index(words, "TABLE")
    table, i = _glot_name(toks, at + 1)
    res = f"table {table}"
    out: list[Effect] = []
    depth, clause = 0, []
    for w in [*words[i:], ","]:
        depth += (w == "(") - (w == ")")
        if w != "," or depth:
            clause.append(w)
            continue
        out.append(_alter_clause(an, res, clause))
        clause = []
    return out or [an.eff(Verb.UPDATE, res, detail="ALTER TABLE")]


def _alter_clause(an: _Glot, res: str, c: list[str]) -> Effect:
    first, second = (c + ["", ""])[:2]
    if first == "DISCARD":  # DISCARD [PARTITION …] TABLESPACE deletes the data file(s)
        whole = second == "TABLESPACE"
        return an.eff(Verb.DELETE, res if whole else f"{res} partitions",
                      scope=Scope.ALL if whole else Scope.MANY, reversible=False, stateful=True,
                      risks=_MASS if whole else frozenset(),
                      detail="DISCARD TABLESPACE deletes the table's data file")
    if first in ("DROP", "TRUNCATE") and second == "PARTITION":
        every = "ALL" in c[2:]
        return an.eff(Verb.DELETE, f"{res} partitions", scope=Scope.ALL if every else Scope.MANY,
                      reversible=False, stateful=True, risks=_MASS if every else frozenset(),
                      detail=f"ALTER TABLE … {first} PARTITION deletes their rows")
    if first == "DROP" and second not in ("INDEX", "KEY", "PRIMARY", "FOREIGN", "CHECK",
                                          "CONSTRAINT", "DEFAULT"):
        return an.eff(Verb.DELETE, f"{res} column", reversible=False, stateful=True,
                      detail="ALTER TABLE … DROP COLUMN")
    if first == "EXCHANGE":
        return an.eff(Verb.UPDATE, f"{res} partitions", reversible=False, stateful=True,
                      detail="EXCHANGE PARTITION swaps rows with another table")
    return an.eff(Verb.UPDATE, res, detail=f"ALTER TABLE ({' '.join(c[:2]).strip()})")


def _kw_prepare(an: _Glot, toks: list[Any], words: list[str], piece: str) -> list[Effect]:
    # PREPARE name FROM 'text' | @var: analysed here (the usual next step is EXECUTE).
    frm = _glot_index(words, "FROM")
    name = toks[1].text.lower() if len(toks) > 1 else "?"
    src = toks[frm + 1] if 0 <= frm < len(toks) - 1 else None
    text: str | None = None
    if src is not None and src.token_type.name == "STRING" and frm + 2 == len(toks):
        text = src.text
    elif src is not None and src.text == "@" and frm + 3 == len(toks):
        text = an.uservars.get(toks[frm + 2].text.lower())  # set by `SET @v = 'literal'`
    if text is not None:
        an.prepared[name] = text
        return an.nested_sql(text, f"PREPARE {name}")
    an.prepared[name] = None
    return [an.eff(Verb.OPAQUE, f"prepared statement {name}", reversible=False,
                   risks=frozenset({Risk.DYNAMIC}),
                   detail="PREPARE from a value built at run time")]


def _kw_execute(an: _Glot, toks: list[Any], words: list[str], piece: str) -> list[Effect]:
    name = toks[1].text.lower() if len(toks) > 1 else "?"
    if name in an.prepared:
        return []  # its effects were reported at PREPARE
    return [an.opaque(f"prepared statement {name}", "EXECUTE of a statement prepared elsewhere")]


def _kw_do(an: _Glot, toks: list[Any], words: list[str], piece: str) -> list[Effect]:
    # DO expr, …: evaluates expressions for their side effects (function calls).
    piece = " ".join(t.text if t.token_type.name != "STRING" else "'" + t.text.replace(
        "'", "''") + "'" for t in toks[1:])
    return [e for e in an.nested_sql("SELECT " + piece, "DO") if e.verb is not Verb.READ]


def _kw_replace(an: _Glot, toks: list[Any], words: list[str], piece: str) -> list[Effect]:
    # MySQL/SQLite REPLACE is an INSERT that first deletes the rows it collides with.
    rest = piece.lstrip()[len("REPLACE"):]
    table = "?"
    into = 1 + (words[1:2] == ["INTO"])
    if into < len(toks):
        table = _glot_name(toks, into)[0]
    return [e for e in an.nested_sql("INSERT" + rest, "REPLACE")] + [
        an.eff(Verb.UPDATE, f"table {table}", scope=Scope.MANY, reversible=False, stateful=True,
               detail="REPLACE deletes the rows the new ones collide with")]


def _kw_call(an: _Glot, toks: list[Any], words: list[str], piece: str) -> list[Effect]:
    name = _glot_name(toks, 1)[0] if len(toks) > 1 else "?"
    return [an.eff(Verb.EXECUTE, f"procedure {name}", reversible=False,
                   detail="CALL runs a procedure whose effects are not visible")]


def _sqlite_file(an: _Base, path: str, detail: str) -> Effect:
    """A database file SQLite opens for writing on this host: a file write when the path is
    one the file rules care about (interlock's own files, shell rc …), else a database file."""
    from .paths import path_effect

    eff = path_effect(_local_path(path), Verb.CREATE, detail=detail)
    return eff if eff.risks else an.eff(Verb.CREATE, f"database file {path}", detail=detail)


def _kw_vacuum(an: _Glot, toks: list[Any], words: list[str], piece: str) -> list[Effect]:
    into = _glot_index(words, "INTO")
    if 0 <= into < len(toks) - 1:
        return [_sqlite_file(an, toks[into + 1].text, "VACUUM INTO writes a copy of the "
                                                       "database")]
    return [an.eff(Verb.UPDATE, "database", detail="maintenance (VACUUM rebuilds the file)")]


_BINLOG = "binary logs"
_REPL = "replication"
# Leading keywords → handler, longest match first. Statements sqlglot parses are not here.
_GLOT_KEYWORDS: dict[tuple[str, ...], KwHandler] = {
    ("RENAME", "TABLE"): _kw_rename_table,
    ("LOAD", "DATA"): _kw_load_data,
    ("LOAD", "XML"): _kw_load_data,
    ("ALTER", "TABLE"): _kw_alter_table,
    ("ALTER", "ONLINE", "TABLE"): _kw_alter_table,
    ("ALTER", "IGNORE", "TABLE"): _kw_alter_table,
    ("PREPARE",): _kw_prepare,
    ("EXECUTE",): _kw_execute,
    ("DO",): _kw_do,
    ("CALL",): _kw_call,
    ("REPLACE",): _kw_replace,
    ("VACUUM",): _kw_vacuum,
    # privileges
    ("GRANT",): _kw_grant,
    ("REVOKE",): _kw_grant,
    **{(a, b): _kw(Verb.PRIVILEGE, b.lower(), f"{a} {b}")
       for a in ("CREATE", "ALTER", "DROP", "RENAME") for b in ("USER", "ROLE")},
    ("SET", "PASSWORD"): _kw(Verb.PRIVILEGE, "user password", "SET PASSWORD"),
    ("SET", "ROLE"): _kw(Verb.PRIVILEGE, "setting role", "SET ROLE changes the acting role"),
    ("SET", "DEFAULT", "ROLE"): _kw(Verb.PRIVILEGE, "default roles", "SET DEFAULT ROLE"),
    ("SET", "RESOURCE", "GROUP"): _kw(Verb.UPDATE, "resource group", "SET RESOURCE GROUP"),
    # replication and logs: the binary logs are the only copy of changes since the backup
    ("RESET", "MASTER"): _kw(Verb.DELETE, _BINLOG, "RESET MASTER deletes every binary log "
                             "(replicas and point-in-time recovery lose them)", reversible=False,
                             stateful=True, scope=Scope.ALL, risks=_MASS),
    ("RESET", "BINARY"): _kw(Verb.DELETE, _BINLOG, "RESET BINARY LOGS deletes every binary "
                             "log", reversible=False, stateful=True, scope=Scope.ALL,
                             risks=_MASS),
    **{("PURGE", w, "LOGS"): _kw(Verb.DELETE, _BINLOG, "PURGE BINARY LOGS deletes binary logs "
                                 "(replicas and point-in-time recovery lose them)",
                                 reversible=False, stateful=True, scope=Scope.MANY)
       for w in ("BINARY", "MASTER")},
    **{("RESET", w): _kw(Verb.UPDATE, _REPL, "RESET REPLICA forgets the replication position "
                         "and relay logs", reversible=False) for w in ("SLAVE", "REPLICA")},
    **{(a, w): _kw(Verb.UPDATE, _REPL, f"{a} {w}", reversible=False)
       for a in ("START", "STOP") for w in ("SLAVE", "REPLICA", "GROUP_REPLICATION")},
    **{("CHANGE", w): _kw(Verb.UPDATE, _REPL, f"CHANGE {w} changes the replication source",
                          reversible=False) for w in ("MASTER", "REPLICATION")},
    ("RESET", "PERSIST"): _kw(Verb.UPDATE, "server settings", "RESET PERSIST removes persisted "
                              "global settings"),
    ("RESET", "QUERY", "CACHE"): _kw(Verb.UPDATE, "query cache", "RESET QUERY CACHE"),
    ("BINLOG",): lambda an, t, w, p: [an.opaque("sql", "BINLOG replays binary-log events "
                                                    "(any change)")],
    # server
    ("SHUTDOWN",): _kw(Verb.UPDATE, "server", "SHUTDOWN stops the database server",
                       reversible=False),
    ("RESTART",): _kw(Verb.UPDATE, "server", "RESTART restarts the database server",
                      reversible=False),
    ("FLUSH",): _kw(Verb.UPDATE, "server caches", "FLUSH (logs, caches, privileges or a "
                    "global read lock)"),
    ("KILL",): _kw(Verb.UPDATE, "session", "KILL", reversible=False),
    **{("INSTALL", w): _kw(Verb.EXECUTE, w.lower(), f"INSTALL {w} loads native code into the "
                           "server", reversible=False, risks=_HOST)
       for w in ("PLUGIN", "COMPONENT")},
    **{("UNINSTALL", w): _kw(Verb.UPDATE, w.lower(), f"UNINSTALL {w}")
       for w in ("PLUGIN", "COMPONENT")},
    ("CLONE", "INSTANCE"): _kw(Verb.REPLACE, "database", "CLONE INSTANCE replaces all data "
                               "with a donor's", reversible=False, stateful=True,
                               scope=Scope.ALL, risks=_MASS),
    ("CLONE", "LOCAL"): _kw(Verb.CREATE, "server directory", "CLONE LOCAL DATA DIRECTORY "
                            "writes files on the database host"),
    ("IMPORT", "TABLE"): _kw(Verb.CREATE, "table", "IMPORT TABLE"),
    # maintenance and locks
    **{(w, "TABLE"): _kw(Verb.UPDATE, "tables", f"maintenance ({w} TABLE)")
       for w in ("OPTIMIZE", "REPAIR")},
    **{(w, "NO_WRITE_TO_BINLOG"): _kw(Verb.UPDATE, "tables", f"maintenance ({w})")
       for w in ("OPTIMIZE", "REPAIR", "ANALYZE")},
    **{(w, "LOCAL"): _kw(Verb.UPDATE, "tables", f"maintenance ({w})")
       for w in ("OPTIMIZE", "REPAIR", "ANALYZE")},
    ("CHECK", "TABLE"): _kw(Verb.READ, "tables", "CHECK TABLE"),
    ("CHECKSUM", "TABLE"): _kw(Verb.READ, "tables", "CHECKSUM TABLE"),
    ("REINDEX",): _kw(Verb.UPDATE, "indexes", "maintenance (REINDEX)"),
    ("LOCK", "TABLES"): _kw(Verb.UPDATE, "tables", "LOCK TABLES blocks other sessions"),
    ("LOCK", "TABLE"): _kw(Verb.UPDATE, "tables", "LOCK TABLE blocks other sessions"),
    ("LOCK", "INSTANCE"): _kw(Verb.UPDATE, "server", "LOCK INSTANCE FOR BACKUP"),
    ("CACHE", "INDEX"): _kw(Verb.UPDATE, "key cache", "CACHE INDEX"),
    ("LOAD", "INDEX"): _kw(Verb.UPDATE, "key cache", "LOAD INDEX INTO CACHE"),
    # schema objects sqlglot leaves as Command
    **{("ALTER", w): _kw(Verb.UPDATE, w.lower(), f"ALTER {w}")
       for w in ("DATABASE", "SCHEMA", "EVENT", "VIEW", "PROCEDURE", "FUNCTION", "SERVER",
                 "TABLESPACE", "INSTANCE", "LOGFILE", "RESOURCE")},
    **{("CREATE", w): _kw(Verb.CREATE, w.lower(), f"CREATE {w}")
       for w in ("EVENT", "SERVER", "TABLESPACE", "LOGFILE", "RESOURCE")},
    **{("DROP", w): _kw(Verb.DELETE, w.lower(), f"DROP {w}")
       for w in ("EVENT", "SERVER", "RESOURCE")},
    ("DROP", "TABLESPACE"): _kw(Verb.DELETE, "tablespace", "DROP TABLESPACE", reversible=False,
                                stateful=True),
    # reads, transaction control, client state
    ("SHOW",): _kw(Verb.READ, "server metadata", "SHOW"),
    ("HELP",): _kw(Verb.READ, "help", "HELP"),
    ("SAVEPOINT",): _kw_none,
    ("RELEASE",): _kw_none,
    ("XA",): _kw_none,
    ("UNLOCK",): _kw_none,
    ("END",): _kw_none,  # SQLite: END [TRANSACTION] is COMMIT
    ("DEALLOCATE",): _kw_none,
    ("DROP", "PREPARE"): _kw_none,
}


def _glot_keyword_handler(words: list[str]) -> KwHandler | None:
    for n in (3, 2, 1):
        handler = _GLOT_KEYWORDS.get(tuple(words[:n]))
        if handler is not None:
            return handler
    return None


def _kill(self: _Glot, st: Any) -> list[Effect]:
    return [self.eff(Verb.UPDATE, "session", reversible=False, detail="KILL")]


def _analyze(self: _Glot, st: Any) -> list[Effect]:
    return [self.eff(Verb.UPDATE, "tables", detail="maintenance (ANALYZE)")]


_GLOT_HANDLERS: dict[str, Callable[[_Glot, Any], list[Effect]]] = {
    "Insert": _Glot.insert,
    "Update": _Glot.update,
    "Delete": _Glot.delete,
    "TruncateTable": _Glot.truncate,
    "Drop": _Glot.drop,
    "Create": _Glot.create,
    "Alter": _Glot.alter,
    "Describe": _Glot.describe,
    "Grant": _Glot.grant,
    "Revoke": _Glot.grant,
    "Set": _Glot.setstmt,
    "Attach": _Glot.attach,
    "Kill": _kill,
    "Analyze": _analyze,
    "Transaction": _nothing,
    "Commit": _nothing,
    "Rollback": _nothing,
    "Use": _nothing,
    "Detach": _nothing,
}


# ---------------------------------------------------------------------------- client commands
# psql backslash commands and sqlite3 dot-commands are run by the client, not the server: a
# statement handed to psql or sqlite3 (or to an MCP tool wrapping them) may hold them.

def _psql_split(text: str) -> list[tuple[str, str]]:
    """[("sql", text) | ("meta", "dt+ users")]: a backslash outside quotes starts a psql
    meta-command that runs to the end of the line (`\\!` and `\\copy` take the whole line;
    others end at the next backslash)."""
    from pglast.parser import scan

    parts: list[tuple[str, str]] = []
    rest = text
    while rest:
        try:
            toks = scan(rest)
        except Exception:  # noqa: BLE001 - the SQL parser reports it (fails closed)
            parts.append(("sql", rest))
            break
        bs = next((t for t in toks if t.name == "ASCII_92"), None)
        if bs is None:
            parts.append(("sql", rest))
            break
        if rest[:bs.start].strip():
            parts.append(("sql", rest[:bs.start]))
        eol = rest.find("\n", bs.start)
        eol = len(rest) if eol < 0 else eol
        line = rest[bs.start + 1:eol]
        rest = rest[eol + 1:]
        while line:
            if line.startswith("\\"):  # `\\` ends the meta-commands: the rest of the line is SQL
                rest = line[1:] + "\n" + rest
                break
            name = line.split(None, 1)[0] if line.strip() else ""
            cut = _psql_meta_end(line)
            if name in ("!", "copy") or name.startswith("!") or _PSQL_PIPE.match(line) \
                    or cut >= len(line):
                parts.append(("meta", line))
                break
            parts.append(("meta", line[:cut]))
            line = line[cut + 1:]
    return parts


# `\o |cmd`, `\g (format=csv) |cmd`: an unquoted `|` makes the rest of the line the command.
_PSQL_PIPE = re.compile(r"(?:o|out|w|write|g|gx)\s+(?:\([^)]*\)\s*)?\|")


def _psql_meta_end(line: str) -> int:
    """Where the unquoted backslash that ends a psql meta-command is (len(line) if none).
    As in psql's lexer, quotes, double quotes and backticks hide backslashes (`'a\\b'`)."""
    i, quote = 1, ""
    while i < len(line):
        c = line[i]
        if quote:
            if quote == "'" and c == "\\":
                i += 1  # an escape inside '…'
            elif c == quote:
                quote = ""
        elif c in "'\"`":
            quote = c
        elif c == "\\":
            return i
        i += 1
    return len(line)


_SQLITE_DOT_LINE = re.compile(r"(?m)^[ \t]*\.")


def _sqlite_split(text: str) -> list[tuple[str, str]]:
    """A line that starts with `.` is a sqlite3 dot-command (read as one even inside a
    statement: stricter than the shell, which only sees it between statements)."""
    parts: list[tuple[str, str]] = []
    buf: list[str] = []
    for line in text.split("\n"):
        if line.lstrip().startswith("."):
            if "".join(buf).strip():
                parts.append(("sql", "\n".join(buf)))
            buf = []
            parts.append(("meta", line.lstrip()[1:]))
        else:
            buf.append(line)
    if "".join(buf).strip():
        parts.append(("sql", "\n".join(buf)))
    return parts


# Client command name → what it does. "read": shows or formats, changes nothing; "none": client
# state only; "shell": the argument is a shell command; "out": writes output to the file named
# (`|cmd` pipes to a command); "run": executes a local SQL file; "opaque": cannot be seen through.
_PSQL_META: dict[str, str] = {
    **dict.fromkeys(("l", "l+", "list", "list+", "z", "sf", "sf+", "sv", "sv+", "conninfo",
                     "encoding", "errverbose", "copyright", "?", "h", "help", "echo", "qecho",
                     "warn", "x", "timing", "pset", "a", "t", "H", "html", "f", "C", "T",
                     "p", "print", "gdesc", "crosstabview", "lo_list", "dl", "dl+"), "read"),
    **dict.fromkeys(("set", "unset", "r", "reset", "if", "elif", "else", "endif", "gset",
                     "q", "quit", "prompt", "bind", "getenv", "setenv", "cd", "watch",
                     "encoding", "bind_named", "parse", "close_prepared"), "none"),
    **dict.fromkeys(("!",), "shell"),
    **dict.fromkeys(("o", "out", "w", "write", "s", "g", "gx"), "out"),
    **dict.fromkeys(("i", "include", "ir", "include_relative"), "run"),
    "copy": "copy", "gexec": "gexec", "lo_import": "lo_import", "lo_export": "lo_export",
    "lo_unlink": "lo_unlink", "password": "password",
    **dict.fromkeys(("c", "connect", "e", "edit", "ef", "ev"), "opaque"),
}
_SQLITE_DOT: dict[str, str] = {
    **dict.fromkeys(("tables", "table", "schema", "fullschema", "indexes", "indices", "databases",
                     "dump", "show", "dbinfo", "dbconfig", "lint", "expert", "sha3sum", "help",
                     "stats", "recover", "print", "headers", "header", "mode", "width", "timer",
                     "explain", "eqp", "echo", "nullvalue", "separator", "changes", "bail",
                     "prompt", "timeout", "scanstats", "vfsinfo", "vfslist", "vfsname"), "read"),
    **dict.fromkeys(("quit", "exit", "cd", "parameter", "param", "limit", "binary", "print"),
                    "none"),
    **dict.fromkeys(("shell", "system"), "shell"),
    **dict.fromkeys(("output", "once", "log", "backup", "save", "clone", "trace"), "out"),
    "read": "run", "import": "import", "restore": "restore", "load": "load",
    **dict.fromkeys(("open", "excel", "archive", "ar", "session", "connection", "edit",
                     "testcase", "check", "selftest", "iotrace", "filectrl", "imposter"),
                    "opaque"),
}


def _local_path(path: str) -> str:
    path = os.path.expanduser(path.strip().strip("'\""))
    return os.path.normpath(os.path.join(os.getcwd(), path))


def _local_shell(an: _Base, client: str, command: str) -> list[Effect]:
    """A command the database client runs on this machine: analyse it as shell."""
    if an.shell is not None:
        return an.shell(command)
    try:
        from .shell import analyze_shell
        return analyze_shell(command, os.getcwd(), os.environ)
    except Exception as exc:  # noqa: BLE001 - an unparseable command is opaque, never allowed
        return [an.opaque(f"{client} shell command",
                          f"{client} runs a shell command that could not be analysed "
                          f"({type(exc).__name__})")]


# psql substitutes `:var`, `:'var'`, `:"var"` in meta-command arguments (and in backticks).
_PSQL_VAR = re.compile(r"(?<![:\w]):(?:'\w+'|\"\w+\"|\w+)")
_ESCAPES = {"n": "\n", "t": "\t", "b": "\b", "r": "\r", "f": "\f", "a": "\a", "v": "\v"}
_OCTAL_HEX = re.compile(r"[0-7]{1,3}|x[0-9A-Fa-f]{1,2}")


def _psql_backticks(arg: str) -> tuple[list[str], bool]:
    """The commands psql runs for the backquoted parts of an argument (quoted text hides
    them, as in psql's lexer), and whether every backtick is closed."""
    cmds: list[str] = []
    i, quote, start = 0, "", 0
    while i < len(arg):
        c = arg[i]
        if quote == "'" and c == "\\":
            i += 2
            continue
        if quote:
            if c == quote:
                if quote == "`":
                    cmds.append(arg[start:i])
                quote = ""
        elif c in "'\"`":
            quote, start = c, i + 1
        i += 1
    return cmds, quote != "`"


def _client_words(client: str, arg: str) -> list[str] | None:
    """Arguments as the client reads them: psql unescapes `\\n`, `\\073`, `\\x3b` inside '…',
    sqlite3 inside "…" (so `'|x\\073rm -rf ~'` is the command `x;rm -rf ~`). None: unbalanced."""
    escaping = "'" if client == "psql" else '"'
    words: list[str] = []
    cur: list[str] | None = None
    i, quote = 0, ""
    while i < len(arg):
        c = arg[i]
        if quote and c == quote:
            if i + 1 < len(arg) and arg[i + 1] == quote and quote != "`":
                cur.append(c)  # '' or "" inside quotes is the quote itself
                i += 1
            else:
                quote = ""
        elif quote == escaping and c == "\\" and i + 1 < len(arg):
            m = _OCTAL_HEX.match(arg, i + 1)
            if m:
                digits = m.group()
                cur.append(chr(int(digits[1:], 16) if digits[0] == "x" else int(digits, 8)))
                i += len(digits)
            else:
                cur.append(_ESCAPES.get(arg[i + 1], arg[i + 1]))
                i += 1
        elif quote:
            cur.append(c)
        elif c.isspace():
            if cur is not None:
                words.append("".join(cur))
            cur = None
        else:
            cur = [] if cur is None else cur
            if c in "'\"`":
                quote = c
            else:
                cur.append(c)
        i += 1
    if quote:
        return None
    if cur is not None:
        words.append("".join(cur))
    return words


def _psql_substitutions(an: _Base, shown: str, kind: str | None, arg: str) -> list[Effect]:
    """psql runs each backquoted part of a meta-command's argument in the local shell (even
    for `\\echo` and `\\set`); an argument computed that way, or from a variable, names a file
    or command that cannot be known here."""
    cmds, closed = _psql_backticks(arg)
    if not closed:
        return [an.opaque(f"psql {shown}", f"psql {shown}: unbalanced backtick in its argument")]
    out: list[Effect] = []
    for cmd in cmds:
        out += ([an.opaque(f"psql {shown}", "backtick command built from a psql variable")]
                if _PSQL_VAR.search(cmd) else _local_shell(an, "psql", cmd))
    if kind not in ("read", "none") and (cmds or _PSQL_VAR.search(arg)):
        out.append(an.opaque(f"psql {shown}", f"psql {shown}: argument computed when it runs"))
    return out


_PAGER_VALUES = frozenset({"", "on", "off", "always", "true", "false", "yes", "no", "1", "0"})


def _psql_setenv(an: _Base, shown: str, arg: str) -> list[Effect] | None:
    words = arg.split(None, 1)
    if len(words) < 2:
        return []  # unsets it
    return [an.eff(Verb.EXECUTE, f"environment variable {words[0]}", reversible=False,
                   detail=f"psql {shown} {words[0]}: a later pager, editor, \\! or backtick "
                          "command runs with it (PAGER, PSQL_EDITOR, PATH, LD_PRELOAD …)")]


def _psql_pset(an: _Base, shown: str, arg: str) -> list[Effect] | None:
    words = arg.split()
    if words[:1] == ["pager"] and (words[1:2] or [""])[0].strip("'\"").lower() not in _PAGER_VALUES:
        return [an.opaque(f"psql {shown}", "\\pset pager with a value that may name a program")]
    return None


_PROMPT_CMD = re.compile(r"%`([^`]*)`")


def _psql_set(an: _Base, shown: str, arg: str) -> list[Effect] | None:
    """`\\set PROMPT1 '%`cmd`'`: psql runs the command each time it shows the prompt."""
    if not re.match(r"PROMPT[123]\b", arg):
        return None
    cmds = _PROMPT_CMD.findall(arg)
    if arg.count("%`") != len(cmds):
        return [an.opaque(f"psql {shown}", "prompt with an unbalanced %` command")]
    return [e for c in cmds for e in _local_shell(an, "psql", c)]


def _sqlite_dbconfig(an: _Base, shown: str, arg: str) -> list[Effect] | None:
    if len(arg.split()) < 2:
        return None  # shows the settings
    return [an.eff(Verb.UPDATE, "database configuration",
                   detail=f"sqlite3 {shown} {arg} changes a connection setting")]


def _sqlite_import(an: _Base, shown: str, arg: str) -> list[Effect] | None:
    """`.import [--csv|--skip N|--schema S|-v …] FILE TABLE`: FILE `|cmd` runs a command."""
    from .paths import read_effect

    words = _client_words("sqlite3", arg)
    if words is None:
        return [an.opaque(f"sqlite3 {shown}", f"sqlite3 {shown} arguments not understood")]
    pos: list[str] = []
    it = iter(words)
    for w in it:
        if w in ("--skip", "--schema"):
            next(it, None)
        elif not w.startswith("-"):
            pos.append(w)
    if not pos:
        return [an.opaque(f"sqlite3 {shown}", f"sqlite3 {shown} without a file")]
    table = pos[-1] if len(pos) >= 2 else "?"
    source = "a command's output" if pos[0].startswith("|") else "a local file"
    load = an.eff(Verb.CREATE, f"table {table}", scope=Scope.MANY,
                  detail=f"sqlite3 {shown} loads {source}")
    if pos[0].startswith("|"):
        return _local_shell(an, "sqlite3", pos[0][1:]) + [load]
    return [read_effect(_local_path(pos[0]), detail=f"sqlite3 {shown} reads it"), load]


# Commands whose arguments change what they do: → effects, or None for the table's kind.
_CLIENT_ARGS: dict[str, Callable[[_Base, str, str], list[Effect] | None]] = {
    "\\setenv": _psql_setenv, "\\pset": _psql_pset, "\\set": _psql_set,
    ".dbconfig": _sqlite_dbconfig, ".import": _sqlite_import,
}


def _client_command(an: _Base, client: str, lead: str, table: dict[str, str],
                    line: str) -> list[Effect]:
    stripped = line.strip()
    name, _, arg = stripped.partition(" ")
    if name.startswith("!") and lead == "\\":  # `\!ls` needs no space
        name, arg = "!", stripped[1:]
    arg = arg.strip()
    kind = table.get(name) or table.get(name.rstrip("+S")) or (
        "read" if lead == "\\" and re.fullmatch(r"d[A-Za-z]*[+S]*x?", name) else None)
    shown = f"{lead}{name}"
    out: list[Effect] = []
    if lead == "\\" and kind not in ("shell", "copy") and not _PSQL_PIPE.match(stripped):
        out = _psql_substitutions(an, shown, kind, arg)  # (`\\!`, `\\copy`, `|cmd` take it raw)
        if any(e.verb is Verb.OPAQUE for e in out) and kind not in ("read", "none"):
            return out
    if lead == "\\" and kind == "out":
        arg = re.sub(r"^\([^)]*\)\s*", "", arg)  # `\\g (format=csv) FILE`: options first
    special = _CLIENT_ARGS.get(shown)
    effects = special(an, shown, arg) if special is not None else None
    return out + (effects if effects is not None else
                  _client_kind(an, client, lead, name, arg, kind, shown))


def _client_file(client: str, name: str, arg: str) -> str | None:
    """The file (or `|command`) argument of an output/run command, unquoted."""
    words = _client_words(client, arg)
    if not words:
        return None
    return words[-1] if name in ("backup", "save") else words[0]  # `.backup ?DB? FILE`


def _client_kind(an: _Base, client: str, lead: str, name: str, arg: str, kind: str | None,
                 shown: str) -> list[Effect]:
    from .paths import path_effect, read_effect

    if kind == "read":
        return [an.eff(Verb.READ, f"{client} {shown}", detail=f"{client} {shown} (client command)")]
    if kind == "none" or (kind == "out" and not arg):
        return []  # client state, or `\g` with no file: runs the query buffer (analysed above)
    if kind == "shell":
        return _local_shell(an, client, arg)
    file = None if arg.startswith("|") or kind not in ("out", "run") else \
        _client_file(client, name, arg)
    if kind in ("out", "run") and file is None and not arg.startswith("|"):
        return [an.opaque(f"{client} {shown}", f"{client} {shown} arguments not understood")]
    if kind == "out":
        if arg.startswith("|"):
            return _local_shell(an, client, arg[1:])
        if arg.startswith("-"):  # `.once -x` opens a spreadsheet: runs a program
            return [an.opaque(f"{client} {shown}", f"{client} {shown} {arg} opens a program")]
        if file.startswith("|"):  # `.once '|cmd'`, `\o '|cmd'`: still a pipe
            return _local_shell(an, client, file[1:])
        return [path_effect(_local_path(file), Verb.CREATE,
                            detail=f"{client} {shown} writes a local file")]
    if kind == "run":
        if arg.startswith("|"):
            return _local_shell(an, client, arg[1:])
        if file.startswith("|"):
            return _local_shell(an, client, file[1:])
        return [an.eff(Verb.EXECUTE, f"sql file {arg}", reversible=False,
                       detail=f"{client} {shown} runs a SQL file")]
    if kind == "gexec":
        return [an.opaque("sql", "\\gexec runs each value the query returns as a statement")]
    if kind == "copy":
        return _psql_copy(an, arg)
    if kind == "import":
        words = arg.split()
        table_name = words[-1] if len(words) >= 2 else "?"
        return [an.eff(Verb.CREATE, f"table {table_name}", scope=Scope.MANY,
                       detail=f"{client} {shown} loads a local file")]
    if kind == "restore":
        return [an.eff(Verb.REPLACE, "database", scope=Scope.ALL, reversible=False,
                       stateful=True, risks=_MASS,
                       detail=f"{client} {shown} replaces the database with a backup")]
    if kind == "load":
        return [an.eff(Verb.EXECUTE, f"extension {arg}", reversible=False, risks=_HOST,
                       detail=f"{client} {shown} loads native code into the client")]
    if kind == "lo_import":
        path = _local_path(arg.split()[0]) if arg else "?"
        return [read_effect(path, detail=f"{client} {shown} reads a local file"),
                an.eff(Verb.CREATE, "large object", detail=f"{client} {shown}")]
    if kind == "lo_export":
        words = arg.split()
        return [path_effect(_local_path(words[-1]), Verb.CREATE,
                            detail=f"{client} {shown} writes a local file")] if len(words) > 1 \
            else [an.opaque(f"{client} {shown}", "lo_export without a file")]
    if kind == "lo_unlink":
        return [an.eff(Verb.DELETE, "large object", reversible=False, stateful=True,
                       detail=f"{client} {shown}")]
    if kind == "password":
        return [an.eff(Verb.PRIVILEGE, f"role {arg or '(current)'}",
                       detail=f"{client} {shown} changes a password")]
    return [an.opaque(f"{client} {shown}", f"{client} client command {shown} not analysed")]


def _psql_copy(an: _Base, arg: str) -> list[Effect]:
    """`\\copy` is COPY with the file (or program) on this machine, not the server."""
    from .paths import path_effect, read_effect

    try:
        tree = json.loads(_pg_parser()("COPY " + arg))
        k = _kind(tree["stmts"][0]["stmt"])
        assert k is not None and k[0] == "CopyStmt"
    except Exception:  # noqa: BLE001
        return [an.opaque("psql \\copy", "\\copy arguments not understood")]
    b = k[1]
    what = f"table {_rel(b['relation'])}" if b.get("relation") else "query"
    target = b.get("filename")
    if b.get("is_program") and target:
        return _local_shell(an, "psql", target)
    if b.get("is_from"):
        out = [an.eff(Verb.CREATE, what, scope=Scope.MANY, detail="\\copy FROM a local file")]
        if target and target not in ("stdin", "pstdin"):
            out.append(read_effect(_local_path(target), detail="\\copy reads it"))
        return out
    if target and target not in ("stdout", "pstdout"):
        return [path_effect(_local_path(target), Verb.CREATE, detail="\\copy writes it"),
                an.eff(Verb.READ, what, detail="\\copy TO a local file")]
    return [an.eff(Verb.READ, what, detail="\\copy TO STDOUT")]
