"""Database clients: SQL they carry goes to analysis.sql; the database target comes from the
connection arguments (host, db, URL) and PG*/MYSQL_* variables."""

from __future__ import annotations

import re

from ....effects import Effect, Risk, Scope, Target, Verb, opaque
from .. import fx
from ..argv import parse
from ..model import DYN, Cmd
from . import Handler


def _sql(statement: str, dialect: str, database: str | None, cmd: Cmd) -> list[Effect]:
    """Analyse SQL text with the shared SQL analyzer, adding the database/host targets.
    Commands the client runs locally (psql `\\!` and backticks, sqlite `.shell`) are analysed
    here, in this command's context."""
    targets = _db_targets(database)
    if DYN in statement:
        return [opaque(f"database {database or '(default)'}", "SQL built from unknown values",
                       targets, risks=frozenset({Risk.DYNAMIC}))]
    try:
        from ...sql import analyze_sql
    except ImportError:
        return [opaque(f"database {database or '(default)'}", "SQL analyzer unavailable", targets)]

    def local(command: str) -> list[Effect]:
        assert cmd.run_text is not None
        cmd.run_text(cmd, command, detail=f"{cmd.name} runs a shell command")
        return []  # emitted into this command line's effects by run_text

    effects = analyze_sql(statement, dialect, database, shell=local)
    for e in effects:
        e.targets = tuple(e.targets) + tuple(t for t in targets if t not in e.targets)
    return effects


def _db_targets(database: str | None) -> tuple[Target, ...]:
    if not database:
        return (Target("database", None),)
    from .network import url_host

    host = url_host(database) if "://" in database else None
    return (Target("database", database),) + ((Target("host", host),) if host else ())


def _url(scheme: str, host: str | None, port: str | None, user: str | None, db: str | None) -> str | None:
    if not host and not db:
        return None
    hp = (host or "localhost") + (f":{port}" if port else "")
    return f"{scheme}://{user + '@' if user else ''}{hp}/{db or ''}"


def psql(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "cdfhpUvFPRTLo", frozenset({"--command", "--dbname", "--file", "--host",
                                                    "--port", "--username", "--set",
                                                    "--variable", "--output", "--log-file"}))
    pos = [w.text for w in o.pos]
    dbname = o.get("-d", "--dbname") or (pos[0] if pos else None) or cmd.var("PGDATABASE")
    if dbname and "://" in dbname:
        database = dbname
    else:
        database = _url("postgres", o.get("-h", "--host") or cmd.var("PGHOST"),
                        o.get("-p", "--port") or cmd.var("PGPORT"),
                        o.get("-U", "--username") or cmd.var("PGUSER") or (pos[1] if len(pos) > 1 else None),
                        dbname)
    if o.has("-l", "--list") and not o.has("-c", "--command", "-f", "--file"):
        return [fx.eff(Verb.READ, "database list", _db_targets(database), detail="psql -l")]
    return _client(cmd, o.all("-c", "--command"), o.all("-f", "--file"), "postgres", database)


# Backslash and dot lines seen by the mysql client (psql and sqlite3 text goes whole to
# analysis.sql, which knows their meta-commands): these only show things; `\!` and
# `.shell`/`.system` run shell commands; any other meta-command is not looked into.
META_READ = {"\\d", "\\dt", "\\dt+", "\\d+", "\\l", "\\l+", "\\list", "\\du", "\\dn",
             "\\df", "\\dv", "\\di", "\\ds", "\\dx", "\\dp", "\\z", "\\conninfo",
             "\\x", "\\timing", "\\encoding", "\\echo", "\\q", "\\?", "\\h", "\\dT", "\\db",
             "\\dm", "\\dE", "\\dg", "\\drds", "\\sf", "\\sv",
             ".tables", ".schema", ".dump", ".indexes", ".indices", ".headers", ".mode",
             ".databases", ".dbinfo", ".show", ".help", ".fullschema", ".width", ".timer",
             ".stats", ".quit", ".exit", ".lint", ".eqp", ".explain", ".print", ".bail",
             ".changes", ".nullvalue", ".separator", ".echo"}
META_SHELL = {"\\!", ".shell", ".system"}


def _meta(cmd: Cmd, stmt: str, database: str | None) -> list[Effect]:
    assert cmd.run_text is not None
    head, _, rest = stmt.strip().partition(" ")
    if head in META_SHELL:
        cmd.run_text(cmd, rest, detail=f"{cmd.name} {head}")
        return []
    if head in META_READ:
        return [fx.eff(Verb.READ, f"database {database or '(default)'}",
                       _db_targets(database), detail=f"{cmd.name} {head}")]
    return [opaque(f"database {database or '(default)'}", f"{cmd.name} {head}: meta-command",
                   _db_targets(database))]


def _client(cmd: Cmd, statements: list[str], files: list[str], dialect: str,
            database: str | None) -> list[Effect]:
    out: list[Effect] = []
    # psql and sqlite3 meta-commands (`\dt`, `\! cmd`, backticks, `.import '|cmd'`) are read
    # by the SQL analyzer, which knows each client's rules; mysql's few are read here.
    whole = dialect in ("postgres", "sqlite")
    for s in statements:
        if not whole and s.lstrip().startswith(("\\", ".")) and DYN not in s:
            out.extend(_meta(cmd, s, database))
            continue
        out.extend(_sql(s, dialect, database, cmd))
    for f in files:
        if f == "-":
            statements.append("-")
            continue
        out.append(fx.eff(Verb.EXECUTE, f"sql file {f}", _db_targets(database) + (
            (Target("path", cmd.ctx.abspath(f) or f),)), detail=f"{cmd.name} runs a SQL file"))
    if statements and statements != ["-"] or (files and "-" not in files):
        return out
    s = cmd.stdin
    if s.kind == "literal" and whole:
        return out + _sql(s.text, dialect, database, cmd)
    if s.kind == "literal":
        lines = s.text.split("\n")
        metas = [ln for ln in lines if ln.lstrip().startswith(("\\", "."))]
        for m in metas:
            out.extend(_meta(cmd, m, database))
        sql = "\n".join(ln for ln in lines if ln not in metas)
        return out + (_sql(sql, dialect, database, cmd) if sql.strip() or not metas else [])
    if s.kind in ("file", "secret"):
        return out + [fx.eff(Verb.EXECUTE, f"sql file {s.text}", _db_targets(database),
                             detail=f"{cmd.name} < file")]
    if s.kind == "remote":
        return out + [fx.eff(Verb.EXECUTE, f"sql from {s.text}", _db_targets(database),
                             risks=(Risk.REMOTE_CODE, Risk.CATASTROPHIC), reversible=False,
                             detail="downloaded SQL")]
    detail = "interactive session" if s.kind == "tty" else "SQL from a pipe it cannot see"
    risks = frozenset() if s.kind == "tty" else frozenset({Risk.DYNAMIC})
    return out + [opaque(f"database {database or '(default)'}", f"{cmd.name}: {detail}",
                         _db_targets(database), risks=risks)]


def mysql(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "ehPuDSo", frozenset({"--execute", "--host", "--port", "--user",
                                              "--database", "--socket", "--defaults-file"}))
    pos = [w.text for w in o.pos]
    database = _url("mysql", o.get("-h", "--host") or cmd.var("MYSQL_HOST"),
                    o.get("-P", "--port"), o.get("-u", "--user"),
                    o.get("-D", "--database") or (pos[0] if pos else None))
    return _client(cmd, o.all("-e", "--execute"), [], "mysql", database)


def sqlite3(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "", frozenset({"-cmd", "-separator", "-nullvalue", "-init"}),
              single_dash_long=True)
    pos = o.pos
    db = pos[0].text if pos else None
    path = cmd.ctx.abspath(db) if db and db != ":memory:" and not pos[0].dynamic else db
    database = f"sqlite://{path}" if path else None
    sql = [" ".join(w.text for w in pos[1:])] if len(pos) > 1 else []
    sql = o.all("-cmd") + sql
    return _client(cmd, sql, [], "sqlite", database)


def pg_tool(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "dhpUfFtnNTjeS", frozenset({"--dbname", "--host", "--port", "--username",
                                                     "--file", "--format", "--table", "--schema",
                                                     "--jobs", "--maintenance-db"}))
    pos = [w.text for w in o.pos]
    db = o.get("-d", "--dbname") or (pos[0] if pos and cmd.name not in ("pg_restore",) else None)
    database = db if db and "://" in db else _url("postgres", o.get("-h", "--host") or cmd.var("PGHOST"),
                                                   o.get("-p", "--port"), o.get("-U", "--username"), db)
    tg = _db_targets(database)
    res = f"database {db or '(default)'}"
    name = cmd.name
    if name in ("pg_dump", "pg_dumpall", "mysqldump", "pg_basebackup"):
        out = [fx.eff(Verb.READ, res, tg, detail=f"{name} (reads all data)")]
        f = o.get("-f", "--file")
        if f:
            out.append(fx.path_change(cmd.ctx, fx.Word(f), Verb.UPDATE, detail=name))
        return out
    if name in ("dropdb",):
        return [fx.eff(Verb.DELETE, res, tg, scope=Scope.ALL, stateful=True,
                       risks=(Risk.MASS_DESTRUCTION,), detail="dropdb")]
    if name in ("createdb", "createuser"):
        return [fx.eff(Verb.CREATE if name == "createdb" else Verb.PRIVILEGE, res, tg, detail=name)]
    if name == "dropuser":
        return [fx.eff(Verb.PRIVILEGE, res, tg, detail=name)]
    if name == "pg_restore":
        clean = o.has("-c", "--clean")
        return [fx.eff(Verb.REPLACE if clean else Verb.UPDATE, res, tg, stateful=True,
                       scope=Scope.MANY, detail="pg_restore" + (" --clean" if clean else ""))]
    return [opaque(res, f"{name}: unknown", tg)]


def mysqladmin(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "hPuS", frozenset({"--host", "--port", "--user", "--socket"}))
    pos = [w.text for w in o.pos]
    database = _url("mysql", o.get("-h", "--host"), o.get("-P", "--port"), o.get("-u", "--user"),
                    pos[1] if pos[:1] in (["drop"], ["create"]) and len(pos) > 1 else None)
    tg = _db_targets(database)
    if pos[:1] == ["drop"]:
        return [fx.eff(Verb.DELETE, f"database {pos[1] if len(pos) > 1 else '?'}", tg,
                       scope=Scope.ALL, stateful=True, risks=(Risk.MASS_DESTRUCTION,),
                       detail="mysqladmin drop")]
    if pos[:1] in (["status"], ["ping"], ["version"], ["processlist"], ["variables"]):
        return [fx.eff(Verb.READ, "mysql server", tg, detail=f"mysqladmin {pos[0]}")]
    return [fx.eff(Verb.UPDATE, "mysql server", tg, detail=f"mysqladmin {' '.join(pos[:2])}")]


REDIS_READ = {"GET", "MGET", "KEYS", "SCAN", "INFO", "PING", "TTL", "PTTL", "EXISTS", "TYPE",
              "HGET", "HGETALL", "HKEYS", "LRANGE", "LLEN", "SMEMBERS", "SCARD", "ZRANGE",
              "DBSIZE", "MONITOR", "CLIENT", "SLOWLOG", "MEMORY", "STRLEN", "SSCAN", "HSCAN",
              "ZSCAN", "XRANGE", "XLEN", "LASTSAVE", "TIME", "ECHO", "HLEN", "ZCARD", "--SCAN",
              "SUBSCRIBE", "PSUBSCRIBE", "ROLE", "COMMAND"}
REDIS_MASS = {"FLUSHALL", "FLUSHDB"}
REDIS_DELETE = {"DEL", "UNLINK", "HDEL", "SREM", "ZREM", "LREM", "EXPIRE", "GETDEL", "XDEL"}


def redis_cli(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "hpanu", frozenset({"--user", "--pass", "--tls", "--cacert", "--eval"}))
    host = o.get("-h") or "localhost"
    url = o.get("-u")
    db = o.get("-n") or "0"
    database = url or f"redis://{host}{':' + o.get('-p') if o.get('-p') else ''}/{db}"
    tg = _db_targets(database)
    pos = [w.text for w in o.pos]
    if not pos:
        if cmd.stdin.kind == "literal":
            pos = cmd.stdin.text.split()
        elif o.has("--scan", "--bigkeys", "--memkeys", "--stat", "--latency"):
            return [fx.eff(Verb.READ, "redis keys", tg, detail="redis-cli scan")]
        else:
            return [opaque("redis", "redis-cli session", tg)]
    c = pos[0].upper()
    res = f"redis {database}"
    if c in REDIS_MASS:
        return [fx.eff(Verb.DELETE, res, tg, scope=Scope.ALL, stateful=True,
                       risks=(Risk.MASS_DESTRUCTION,), detail=f"redis {c}")]
    if c in REDIS_READ:
        return [fx.eff(Verb.READ, res, tg, detail=f"redis {c}")]
    if c in REDIS_DELETE:
        return [fx.eff(Verb.DELETE, f"redis key {' '.join(pos[1:2])}", tg, stateful=True,
                       detail=f"redis {c}")]
    if c in ("CONFIG",) and pos[1:2] and pos[1].upper() == "GET":
        return [fx.eff(Verb.READ, res, tg, detail="redis CONFIG GET")]
    if c in ("EVAL", "EVALSHA", "SCRIPT", "MODULE", "FUNCTION", "DEBUG", "SHUTDOWN", "SLAVEOF",
             "REPLICAOF", "MIGRATE"):
        return [opaque(res, f"redis {c}", tg)]
    return [fx.eff(Verb.UPDATE, res, tg, detail=f"redis {c}")]


def mongo(cmd: Cmd) -> list[Effect]:
    o = parse(cmd.args, "uph", frozenset({"--eval", "--host", "--port", "--username",
                                          "--password", "--file", "--authenticationDatabase"}))
    pos = [w.text for w in o.pos]
    database = next((p for p in pos if p.startswith("mongodb")), None) or (
        f"mongodb://{o.get('--host')}" if o.get("--host") else None)
    tg = _db_targets(database)
    code = " ".join(o.all("--eval"))
    if not code and cmd.stdin.kind == "literal":
        code = cmd.stdin.text
    res = f"mongodb {database or '(default)'}"
    if not code:
        return [opaque(res, f"{cmd.name} session or script", tg)]
    if "dropDatabase" in code or ".drop(" in code or "deleteMany({})" in code.replace(" ", "") or \
            "remove({})" in code.replace(" ", ""):
        return [fx.eff(Verb.DELETE, res, tg, scope=Scope.ALL, stateful=True,
                       risks=(Risk.MASS_DESTRUCTION,), detail="mongo drop/delete everything")]
    calls = re.findall(r"\.\s*(\w+)\s*\(", code)
    if calls and all(c in MONGO_READ for c in calls) and "$out" not in code and \
            "$merge" not in code:
        return [fx.eff(Verb.READ, res, tg, detail=f"{cmd.name} --eval (reads)")]
    return [opaque(res, f"{cmd.name} --eval {code[:60]}", tg)]


# mongo shell methods that only read.
MONGO_READ = {"find", "findOne", "count", "countDocuments", "estimatedDocumentCount", "stats",
              "getCollectionNames", "getCollectionInfos", "aggregate", "getIndexes", "explain",
              "distinct", "toArray", "limit", "sort", "skip", "pretty", "forEach", "map",
              "serverStatus", "hostInfo", "version", "getName", "listCollections",
              "isMaster", "hello", "ping", "printjson", "print", "getSiblingDB",
              "getCollection", "dataSize", "storageSize", "totalIndexSize", "currentOp",
              "getUsers", "getRoles", "status", "itcount", "next", "hasNext"}


HANDLERS: dict[str, Handler] = {
    "psql": psql, "mysql": mysql, "mariadb": mysql, "sqlite3": sqlite3, "sqlite": sqlite3,
    "pg_dump": pg_tool, "pg_dumpall": pg_tool, "pg_restore": pg_tool, "dropdb": pg_tool,
    "createdb": pg_tool, "createuser": pg_tool, "dropuser": pg_tool, "mysqldump": pg_tool,
    "pg_basebackup": pg_tool, "mysqladmin": mysqladmin, "redis-cli": redis_cli,
    "valkey-cli": redis_cli, "mongosh": mongo, "mongo": mongo,
}
