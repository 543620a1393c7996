"""The `interlock mcp-proxy` subcommand: arguments only; the SDK is imported when it runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

TIERS = ("production", "staging", "development", "sandbox")
# Programs that start a server named by their first non-option argument (`npx -y pkg`,
# `python server.py`, `uvx pkg`): the server's name is that argument's, not the launcher's.
LAUNCHERS = frozenset({"python", "python3", "node", "npx", "uvx", "pipx", "bunx", "bun",
                       "deno", "docker", "podman", "uv", "pnpm", "yarn", "npm", "java",
                       "ruby", "go", "cargo", "dotnet", "sh", "bash", "env"})
# Sub-commands of launchers that are not the server (`uv run x`, `docker run img`).
LAUNCHER_VERBS = frozenset({"run", "exec", "dlx", "x", "tool", "start"})


def _stem(word: str) -> str:
    base = word.rstrip("/").rsplit("/", 1)[-1].split("@", 1)[0] or word
    for suffix in (".py", ".js", ".mjs", ".cjs", ".ts", ".exe", ".jar"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


def default_server_name(command: list[str]) -> str:
    """The operator's command line names the server (the server's own claim never does)."""
    prog = _stem(command[0])
    if prog.rstrip("0123456789.") not in LAUNCHERS:
        return prog
    for word in command[1:]:
        if word.startswith("-") or "=" in word or word in LAUNCHER_VERBS:
            continue
        if word.startswith("@") and "/" in word:  # npm scope: @org/server-x → server-x
            word = word.split("/", 1)[1]
        return _stem(word) or prog
    return prog


def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host.strip("[]"), int(port)


def register(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]
             ) -> Callable[[argparse.Namespace], int]:
    """Add `mcp-proxy` to the CLI's subcommands; returns its handler."""
    p = sub.add_parser(
        "mcp-proxy", help="guard an MCP server: decide every tools/call before it runs",
        description="Run SERVER_CMD as a stdio MCP server and serve it to the MCP client "
        "(stdio, or streamable HTTP with --http), deciding every tools/call with interlock's "
        "policy. Allowed calls pass unchanged; denied or approval-needing calls come back as "
        "an error tool result saying why.",
        epilog="Example: interlock mcp-proxy --name notes -- python server.py")
    p.add_argument("--name", metavar="SERVER_NAME",
                   help="the server's name in decisions and policy overrides (default: from "
                        "SERVER_CMD, never the server's own claim)")
    p.add_argument("--inventory", metavar="FILE", help="inventory TOML (see DESIGN.md)")
    p.add_argument("--policy", metavar="DIR", help="policy pack directory")
    p.add_argument("--env", metavar="TIER", choices=TIERS,
                   help="default tier for targets no inventory rule names (default: production)")
    p.add_argument("--db", metavar="URL", help="store URL (freeze and kill-switch state; "
                   "default: $INTERLOCK_DB, else the default store if it exists)")
    p.add_argument("--agent", metavar="NAME", help="the agent principal making the calls")
    p.add_argument("--on-behalf-of", metavar="HUMAN", help="the human the agent acts for")
    p.add_argument("--http", metavar="HOST:PORT", type=_host_port,
                   help="serve streamable HTTP at http://HOST:PORT/mcp instead of stdio")
    p.add_argument("server_cmd", nargs=argparse.REMAINDER, metavar="-- SERVER_CMD ...")
    return cmd_mcp_proxy


def cmd_mcp_proxy(args: argparse.Namespace) -> int:
    command = list(args.server_cmd)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        print("interlock mcp-proxy: give the server command after `--`", file=sys.stderr)
        return 1
    from ..controls import controls_source
    from ..pipeline import Decider
    from .mcp_gate import Gate

    try:
        import anyio

        from .mcp_proxy import run_proxy
    except ImportError as e:
        print(f"interlock mcp-proxy: the MCP SDK is not installed ({e}); "
              "pip install 'interlock[mcp]'", file=sys.stderr)
        return 1
    # The store's freeze and kill switch apply to MCP calls as to any other action.
    decider = Decider(args.policy, args.inventory, args.env,
                      controls=controls_source(args.db))
    if decider.config_error:
        # Keep serving: every call is then denied with this reason, which the agent can show.
        print(f"interlock mcp-proxy: {decider.config_error}; every tool call will be denied",
              file=sys.stderr)
    from .approval import settle

    gate = Gate(decider, args.name or default_server_name(command), agent=args.agent,
                on_behalf_of=args.on_behalf_of,
                on_require_approval=lambda decision, envelope: settle(decision, envelope,
                                                                      args.db))
    try:
        return anyio.run(lambda: run_proxy(command, gate, http=args.http))
    except Exception as e:  # noqa: BLE001 - report, do not dump a traceback into the client
        inner = _innermost(e)
        print(f"interlock mcp-proxy: the server {command[0]!r} failed or could not be started "
              f"({type(inner).__name__}: {inner})", file=sys.stderr)
        return 1


def _innermost(e: BaseException) -> BaseException:
    # anyio task groups wrap the real error in (nested) ExceptionGroups.
    while isinstance(e, BaseExceptionGroup) and e.exceptions:
        e = e.exceptions[0]
    return e

