"""MCP tool calls → Effects.

The server's annotations are claims, not facts: they are reported as such, and a tool whose
name says it destroys is not believed when it claims to be read-only (the stricter reading
wins). Without annotations the tool name's words decide; a tool that runs a command or SQL
given in its arguments is analysed like that command or statement.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from itertools import pairwise
from typing import Any

from ..effects import Effect, Risk, Scope, Target, Verb, opaque
from ..errors import InputError

# Words in a tool name (split on snake/camel/kebab case) → verb. First word found wins in the
# order of _VERB_ORDER, strictest first, so `get_or_delete` reads as delete.
NAME_WORDS: dict[str, Verb] = {
    **dict.fromkeys(("delete", "remove", "rm", "drop", "destroy", "purge", "erase", "wipe",
                     "truncate", "unlink", "terminate", "kill", "uninstall", "revoke", "reset",
                     "flush", "flushall", "flushdb", "nuke", "teardown", "expunge", "unset",
                     "deregister", "unregister", "discard"), Verb.DELETE),
    **dict.fromkeys(("grant", "permission", "permissions", "role", "roles", "chmod", "chown",
                     "sudo", "iam", "policy", "ban", "unban", "impersonate"), Verb.PRIVILEGE),
    **dict.fromkeys(("execute", "exec", "run", "shell", "command", "cmd", "bash", "eval",
                     "script", "terminal", "invoke", "spawn", "install", "trigger",
                     "dispatch"), Verb.EXECUTE),
    **dict.fromkeys(("update", "edit", "set", "patch", "write", "modify", "rename", "move",
                     "mv", "replace", "put", "upsert", "merge", "push", "deploy", "apply",
                     "commit", "save", "upload", "send", "publish", "restart", "scale",
                     "change", "configure", "enable", "disable", "close", "archive", "stop",
                     "start", "shutdown", "reboot", "rollback", "revert", "rotate",
                     "overwrite", "cancel", "undo", "checkout", "restore", "migrate", "sync",
                     "suspend", "resume", "approve", "reject", "assign", "transfer", "lock",
                     "unlock", "import"), Verb.UPDATE),
    **dict.fromkeys(("create", "add", "insert", "post", "new", "make", "mkdir", "open",
                     "generate", "copy", "cp", "clone", "fork", "append", "register"),
                    Verb.CREATE),
    **dict.fromkeys(("get", "list", "ls", "read", "search", "describe", "fetch", "show",
                     "view", "find", "lookup", "info", "status", "inspect", "count", "diff",
                     "log", "logs", "cat", "head", "tail", "browse", "explain", "check",
                     "download", "ping", "whoami", "grep", "glob", "tree", "stat",
                     "screenshot", "scrape", "crawl", "resolve", "docs"), Verb.READ),
}
# Word pairs that mean more than their words: a force push rewrites (drops) history.
NAME_PHRASES: dict[tuple[str, str], Verb] = {("force", "push"): Verb.DELETE}
# A destructive verb ending in one of these drops a whole store of data (like DROP TABLE).
MASS_NOUNS = frozenset({"database", "databases", "db", "collection", "collections", "table",
                        "tables", "schema", "bucket", "namespace", "cluster", "repository",
                        "repo", "project", "keyspace", "volume", "stack"})
MASS_PHRASES = frozenset({("terraform", "destroy"), ("tofu", "destroy"), ("pulumi", "destroy"),
                          ("stack", "delete"), ("stack", "destroy")})
# Reading one of these is reading a secret (listing or searching them is not).
SECRET_NOUNS = frozenset({"secret", "secrets", "password", "passwords", "credential",
                          "credentials", "creds", "apikey", "passphrase", "privatekey"})
SECRET_PAIRS = frozenset({("api", "key"), ("private", "key"), ("access", "key"),
                          ("access", "token"), ("auth", "token"), ("secret", "key")})
_LISTING = frozenset({"list", "ls", "search", "find", "count", "describe"})
# Stems tried on words that match nothing (`deleterepo`, `dropdatabase`).
_DELETE_STEMS = ("delete", "remove", "destroy", "purge", "erase", "truncate", "terminate",
                 "flush", "drop")
_VERB_ORDER = (Verb.DELETE, Verb.PRIVILEGE, Verb.EXECUTE, Verb.UPDATE, Verb.CREATE, Verb.READ)
# `query`/`sql` tools: analysed as SQL when an argument carries the statement, else opaque.
SQL_WORDS = frozenset({"query", "sql", "psql", "postgres", "postgresql", "mysql", "sqlite",
                       "database", "db", "migration", "migrate"})
# MCP servers whose `query`-like arguments are SQL whatever the tool is called (supabase
# `apply_migration`, sqlite `create_table` …); the server name's words are matched.
SQL_SERVERS = frozenset({"postgres", "postgresql", "pg", "psql", "mysql", "mariadb", "sqlite",
                         "supabase", "neon", "dbhub", "cockroach", "cockroachdb", "timescale",
                         "planetscale", "redshift", "duckdb", "mssql", "sqlserver", "bigquery",
                         "snowflake", "clickhouse"})
_MYSQL_SERVERS = frozenset({"mysql", "mariadb", "planetscale"})
SQL_ARGS = ("sql", "query", "statement")
DB_ARGS = ("database", "database_url", "db", "dsn", "connection_string", "url")
COMMAND_ARGS = ("command", "cmd", "cli_command", "shell_command", "command_line", "commandline",
                "script")
# Tools that wrap one CLI take its arguments without the program name (`kubectl_generic`
# {"command": "delete ns x"}): put it back before analysing.
_CLI_PROGRAMS = ("kubectl", "helm", "aws", "gcloud", "az", "terraform", "git", "docker")
CWD_ARGS = ("cwd", "workdir", "working_dir", "working_directory", "directory", "dir")
URL_ARGS = ("url", "uri", "endpoint")
# Argument names that hold file system paths (filesystem MCP servers and the like).
PATH_ARGS = frozenset({"path", "paths", "file", "files", "file_path", "filepath", "filename",
                       "source", "destination", "src", "dst", "dest", "target_path",
                       "directory", "dir", "folder"})
_STRICTNESS = {v: i for i, v in enumerate(reversed(_VERB_ORDER))}


def name_words(name: str) -> list[str]:
    """`deleteUserRecord` / `delete_user-record` / `Delete.User` → ["delete", "user", "record"]."""
    words: list[str] = []
    cur = ""
    prev = ""
    for ch in name:
        if not ch.isalnum():
            if cur:
                words.append(cur)
            cur = ""
        elif ch.isupper() and cur and (prev.islower() or prev.isdigit()):
            words.append(cur)
            cur = ch
        else:
            cur += ch
        prev = ch
    if cur:
        words.append(cur)
    return [w.lower() for w in words]


def _name_verb(words: list[str]) -> Verb | None:
    found = {NAME_WORDS[w] for w in words if w in NAME_WORDS}
    found |= {v for pair, v in NAME_PHRASES.items() if _has_pair(words, pair)}
    if not found and any(w.startswith(_DELETE_STEMS) and len(w) > 6 for w in words):
        found.add(Verb.DELETE)  # `deleterepo`, `flushall`, `dropdatabase`
    return next((v for v in _VERB_ORDER if v in found), None)


def _has_pair(words: list[str], pair: tuple[str, str]) -> bool:
    return any(p == pair for p in pairwise(words))


def _reads_secret(words: list[str]) -> bool:
    return not _LISTING.intersection(words) and (
        bool(SECRET_NOUNS.intersection(words)) or any(_has_pair(words, p) for p in SECRET_PAIRS))


# Generic resource tools name the kind in an argument (`resources_delete` {"kind": "Namespace"},
# `kubectl_delete` {"resourceType": "namespace"}): the kind is the noun the tool name lacks.
KIND_ARGS = ("kind", "resourceType", "resource_type", "resourceKind", "type")


def _kind_arg(arguments: Mapping[str, Any]) -> str:
    v = _str_arg(arguments, KIND_ARGS)
    return v.strip().lower() if v else ""


def _mass_name(words: list[str], arguments: Mapping[str, Any]) -> bool:
    """`drop_database`, `delete-collection`, `deleteRepository`, `flushall`, or a Mongo-style
    `delete-many` with an empty filter: a whole store of data."""
    if words and words[-1] in MASS_NOUNS or any(_has_pair(words, p) for p in MASS_PHRASES):
        return True
    if _kind_arg(arguments) in MASS_NOUNS:
        return True
    if any(w.startswith(_DELETE_STEMS) and w.endswith(tuple(MASS_NOUNS) + ("all",))
           for w in words):
        return True
    return "many" in words and arguments.get("filter") in ({}, None) and "filter" in arguments


def _str_arg(arguments: Mapping[str, Any], names: tuple[str, ...]) -> str | None:
    for n in names:
        v = arguments.get(n)
        if isinstance(v, str) and v.strip():
            return v
    return None


def _targets(arguments: Mapping[str, Any]) -> tuple[Target, ...]:
    url = _str_arg(arguments, URL_ARGS)
    if url is None:
        return ()
    from .http import parse_url
    try:
        return (Target("host", parse_url(url)[1]),)
    except InputError:
        return ()  # not an http URL (a file:// or a DSN): no host we can name


def _with(effects: list[Effect], resource: str, extra_detail: str) -> list[Effect]:
    for e in effects:
        e.detail = f"{resource}: {e.detail}" if e.detail else resource
        if extra_detail:
            e.detail += f" ({extra_detail})"
    return effects


def _delegate(server: str, tool: str, words: list[str], arguments: Mapping[str, Any],
              verb: Verb | None) -> list[Effect] | None:
    """A tool that runs a command or SQL from its arguments: analyse what it runs."""
    resource = f"mcp {server}/{tool}"
    cmd = _str_arg(arguments, COMMAND_ARGS)
    if cmd is not None and (verb is Verb.EXECUTE or any(
            k in arguments for k in COMMAND_ARGS if k != "script")):
        try:
            from .shell import analyze_shell
        except ImportError:
            return [opaque(resource, f"{resource}: runs a command (shell analyzer unavailable)")]
        program = next((p for p in _CLI_PROGRAMS if p in words), None)
        if program is not None and cmd.split(None, 1)[0] != program:
            cmd = f"{program} {cmd}"
        cwd = _str_arg(arguments, CWD_ARGS) or os.getcwd()
        return _with(analyze_shell(cmd, cwd, os.environ), resource, "command from arguments")
    sql = _str_arg(arguments, SQL_ARGS)
    server_words = set(name_words(server))
    sql_server = bool(SQL_SERVERS & server_words)
    if sql is not None and (SQL_WORDS.intersection(words) or "sql" in arguments or sql_server):
        from .sql import analyze_sql
        dialect = next((d for d in ("mysql", "sqlite") if d in words), None) or (
            "mysql" if _MYSQL_SERVERS & server_words else
            "sqlite" if "sqlite" in server_words else "postgres")
        db = _str_arg(arguments, DB_ARGS)
        effects = analyze_sql(sql, dialect, db)
        if not effects:  # comments, transaction control, harmless session settings
            from .sql import database_targets
            effects = [Effect(Verb.READ, f"{resource}", database_targets(db, dialect),
                              detail="SQL with no effect on data")]
        return _with(effects, resource, "SQL from arguments")
    return None


def analyze_mcp(server: str, tool: str, arguments: dict | None,
                annotations: dict | None,
                env: Mapping[str, str] | None = None) -> list[Effect]:
    if not isinstance(server, str) or not isinstance(tool, str):
        raise InputError("mcp: server and tool must be strings")
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise InputError("mcp: arguments must be an object")
    if annotations is not None and not isinstance(annotations, dict):
        raise InputError("mcp: annotations must be an object")
    resource = f"mcp {server}/{tool}"
    words = name_words(tool)
    name_verb = _name_verb(words)
    targets = _targets(arguments)

    delegated = _delegate(server, tool, words, arguments, name_verb)
    if delegated is not None:
        return delegated

    ann = annotations or {}
    ann_verb: Verb | None = None
    claim = ""
    if ann.get("readOnlyHint") is True:
        ann_verb, claim = Verb.READ, "annotation readOnlyHint=true (server's claim)"
    elif ann.get("destructiveHint") is True:
        ann_verb, claim = Verb.DELETE, "annotation destructiveHint=true (server's claim)"
    elif ann.get("destructiveHint") is False:
        ann_verb, claim = Verb.UPDATE, "annotation destructiveHint=false (server's claim)"

    if ann_verb is None and name_verb is None:
        # Paths it names are classified as if it changed them: we cannot tell that it won't.
        touched = _path_effects(Verb.OPAQUE, arguments, resource, env) + _url_effects(arguments)
        if SQL_WORDS.intersection(words) or "query" in words:
            return [opaque(resource, f"{resource}: query tool without a visible statement",
                           targets), *touched]
        return [opaque(resource, f"{resource}: tool name says nothing about its effect",
                       targets), *touched]
    # Take the stricter of the server's claim and the name.
    candidates = [v for v in (ann_verb, name_verb) if v is not None]
    verb = max(candidates, key=lambda v: _STRICTNESS[v])
    why = []
    if claim:
        why.append(claim + ("" if verb is ann_verb else ", overridden by the tool name"))
    if name_verb is not None:
        why.append(f"tool name suggests {name_verb.value}")
    if verb is Verb.EXECUTE:
        return [Effect(Verb.EXECUTE, resource, targets, reversible=False,
                       detail=f"{resource}: " + "; ".join(why))]
    if verb is Verb.READ and not _LISTING.intersection(words) and _kind_arg(arguments) in (
            SECRET_NOUNS):  # `resources_get` {"kind": "Secret"}
        verb = Verb.READ_SECRET
        why.append("it reads a secret object")
    elif verb is Verb.READ and _reads_secret(words):
        verb = Verb.READ_SECRET
        why.append("it names a secret")
    mass = verb is Verb.DELETE and name_verb is Verb.DELETE and _mass_name(words, arguments)
    call = Effect(verb, resource, targets, reversible=verb in (Verb.READ, Verb.CREATE),
                  stateful=mass, scope=Scope.ALL if mass else Scope.ONE,
                  risks=frozenset({Risk.MASS_DESTRUCTION}) if mass else frozenset(),
                  detail=f"{resource}: " + "; ".join(why + (
                      ["the name says it drops a whole store of data"] if mass else [])))
    return [call, *_path_effects(verb, arguments, resource, env), *_url_effects(arguments)]


def _url_effects(arguments: Mapping[str, Any]) -> list[Effect]:
    """A URL the tool fetches: the cloud metadata service hands out credentials."""
    url = _str_arg(arguments, URL_ARGS)
    if url is None:
        return []
    from .http import analyze_http
    try:
        effects = analyze_http("GET", url)
    except InputError:
        return []
    return [e for e in effects if e.verb is Verb.READ_SECRET]


def _path_effects(verb: Verb, arguments: Mapping[str, Any], resource: str,
                  env: Mapping[str, str] | None) -> list[Effect]:
    """A tool that names absolute paths in its arguments (filesystem servers: write_file,
    move_file, read_file …) touches those paths: classify them like file actions, so writing
    interlock's policy or reading an SSH key through MCP is what it is."""
    from .paths import home_dir, path_effect, read_effect

    out: list[Effect] = []
    for path in _path_args(arguments):
        if path.startswith("~"):
            path = posixpath.normpath(home_dir(env) + path[1:])
        if verb in (Verb.READ, Verb.READ_SECRET):
            e = read_effect(path, env=env, detail=f"{resource} reads it")
            if e.verb is Verb.READ_SECRET:
                out.append(e)
        else:
            out.append(path_effect(path, verb, detail=f"{resource} changes it", env=env))
    return out


def _path_args(arguments: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for key, value in arguments.items():
        values = value if isinstance(value, list) else [value]
        if key.lower() not in PATH_ARGS:
            continue
        for v in values:
            if isinstance(v, str) and v.startswith(("/", "~")) and "\x00" not in v:
                found.append(posixpath.normpath(v))
    return found[:20]
