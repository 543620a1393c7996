"""CLI wiring for `interlock run` and `interlock broker serve` (arguments only; lazy imports)."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable

TIERS = ("production", "staging", "development", "sandbox")
# Operator settings: a thin client must not carry them (the broker decides with its own).
OPERATOR_FLAGS = ("db", "inventory", "policy", "env", "as_agent", "on_behalf_of", "token",
                  "credentials", "guarded")


def _positive(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not v > 0:
        raise argparse.ArgumentTypeError("must be positive")
    return v


def register(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]
             ) -> dict[str, Callable[[argparse.Namespace], int]]:
    r = sub.add_parser(
        "run", help="decide a command, wait for approval if needed, run exactly that argv",
        description="Decide CMD ARGS… as a shell action and run exactly that argv (no shell). "
        "Exit: the command's own status when it ran (124 timeout); 2 denied, rejected, "
        "expired or refused; 3 approval pending (request id printed); 130 interrupted while "
        "waiting; 1 usage or configuration problem.",
        epilog="Example: interlock run --wait -- kubectl --context prod-eu rollout restart "
               "deploy/api. Operator flags (--db, --inventory, --policy, --env, --as, "
               "--on-behalf-of, --token, --credentials) belong in the operator's wrapper, not "
               "in the agent's hands.")
    r.add_argument("--wait", action="store_true", help="wait for the approval, then run once")
    r.add_argument("--wait-timeout", type=_positive, metavar="S",
                   help="stop waiting after S seconds (exit 3; default: until the request "
                        "is decided or expires)")
    r.add_argument("--timeout", type=_positive, metavar="S",
                   help="stop the command after S seconds (SIGTERM, then SIGKILL; exit 124)")
    r.add_argument("--broker-socket", metavar="PATH",
                   help="guarded mode: ask the broker at this unix socket to decide and run")
    r.add_argument("--db", metavar="URL", help="store (default: $INTERLOCK_DB, else the "
                   "embedded store)")
    r.add_argument("--inventory", metavar="FILE", help="inventory TOML")
    r.add_argument("--policy", metavar="DIR", help="policy pack directory")
    r.add_argument("--env", metavar="TIER", choices=TIERS, help="default tier (operator "
                   "setting)")
    r.add_argument("--as", dest="as_agent", metavar="AGENT",
                   help="the agent principal (must exist in the store) requests approvals")
    r.add_argument("--on-behalf-of", metavar="HUMAN", help="the human the agent acts for")
    r.add_argument("--token", metavar="TOKEN", help="the agent's token (default: "
                   "$INTERLOCK_TOKEN); identifies the agent instead of --as")
    r.add_argument("--credentials", metavar="FILE",
                   help="credentials TOML injected into approved children (mode 0600)")
    r.add_argument("--guarded", action="store_true",
                   help="this process runs as the broker user (the sudo route, deploy/): code "
                        "the analyzers cannot see through needs one approval in every tier, and "
                        "the store's directory is off limits to commands")
    r.add_argument("--poll", type=_positive, default=2.0, help=argparse.SUPPRESS)
    r.add_argument("--kill-grace", type=_positive, default=5.0, help=argparse.SUPPRESS)
    r.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- CMD ARGS…")

    b = sub.add_parser("broker", help="the guarded-mode execution broker server")
    bs = b.add_subparsers(dest="broker_command", metavar="SUBCOMMAND", parser_class=parser_class)
    s = bs.add_parser("serve", help="serve `interlock run --broker-socket` clients",
                      description="Run as the broker's own OS user: authenticate clients by "
                      "SO_PEERCRED, decide, file or wait for approvals, run approved commands "
                      "with the configured credentials, stream their output back.")
    s.add_argument("--config", metavar="FILE", help="broker TOML (see docs/broker.md)")
    s.add_argument("--socket", metavar="PATH", help="unix socket to listen on")
    s.add_argument("--db", metavar="URL")
    s.add_argument("--inventory", metavar="FILE")
    s.add_argument("--policy", metavar="DIR")
    s.add_argument("--env", metavar="TIER", choices=TIERS)
    s.add_argument("--credentials", metavar="FILE")
    s.add_argument("--agent", action="append", default=[], metavar="USER=AGENT",
                   help="serve OS user USER (name or uid) as agent principal AGENT (repeat)")
    s.add_argument("--run-as", metavar="USER", help="run children as USER (needs CAP_SETUID)")
    s.add_argument("--path", metavar="PATH", help="PATH for children")
    s.add_argument("--poll", type=_positive, help=argparse.SUPPRESS)
    return {"run": cmd_run, "broker": cmd_broker}


def _command(args: argparse.Namespace) -> list[str]:
    cmd = list(args.cmd)
    return cmd[1:] if cmd[:1] == ["--"] else cmd


def cmd_run(args: argparse.Namespace) -> int:
    argv = _command(args)
    if args.broker_socket:
        given = [f"--{f.replace('_', '-')}" for f in OPERATOR_FLAGS if getattr(args, f)]
        if given:
            print(f"interlock run: {', '.join(given)} cannot be used with --broker-socket (the "
                  "broker decides with its own configuration)", file=sys.stderr)
            return 1
        from .client import run

        return run(args.broker_socket, argv, wait=args.wait, wait_timeout=args.wait_timeout,
                   timeout=args.timeout)
    return _run_local(args, argv)


def _say(text: str) -> None:
    sys.stderr.write(text.rstrip("\n") + "\n")
    sys.stderr.flush()


def _run_local(args: argparse.Namespace, argv: list[str]) -> int:
    from ...errors import InterlockError
    from ...pipeline import Decider
    from ...principals import authenticate, get_principal
    from ...store import default_db_url, open_store
    from ...store.location import normalise_url, sqlite_path
    from .child import run_local
    from .credentials import load_credentials
    from .flow import Broker, Guard, RunSpec, private_paths

    if not argv:
        _say("interlock run: no command given (interlock run [options] -- CMD ARGS…)")
        return 1
    url = normalise_url(args.db or os.environ.get("INTERLOCK_DB") or default_db_url())
    try:
        creds = load_credentials(args.credentials)
        store = open_store(url)
    except InterlockError as e:
        _say(f"interlock: {e}. Nothing ran.")
        return 1
    try:
        token = args.token or os.environ.get("INTERLOCK_TOKEN")
        requester = None
        if token:
            requester = authenticate(store, token)
            if requester is None:
                _say("interlock: the token is not valid (unknown, revoked or expired). "
                     "Nothing ran.")
                return 1
            if args.as_agent and args.as_agent != requester.name:
                _say(f"interlock: --as {args.as_agent} but the token is {requester.name}'s. "
                     "Nothing ran.")
                return 1
        elif args.as_agent:
            requester = get_principal(store, args.as_agent)
            if requester is None or requester.disabled:
                _say(f"interlock: no active principal {args.as_agent!r} in the store "
                     "(interlock principals add NAME --kind agent). Nothing ran.")
                return 1
        if requester is not None and requester.kind != "agent":
            _say(f"interlock: {requester.name!r} is not an agent principal. Nothing ran.")
            return 1

        def controls():
            from ...store.quick import read_controls

            return read_controls(url)

        decider = Decider(args.policy, args.inventory, args.env, controls=controls)
        db = sqlite_path(store.url)
        dbs = [f"{db}{x}" for x in ("", "-wal", "-shm", "-journal")] if db is not None else []
        key = str(store.settings.key_path) if store.settings.key_path else None
        if args.guarded and db is not None:
            dbs.append(str(db.parent))
        guard = Guard(private_paths(*creds.files(), *dbs, key),
                      unseen_code_needs_approval=args.guarded)
        broker = Broker(decider, store, creds, say=_say, guard=guard)
        spec = RunSpec(argv, os.getcwd(), agent=requester.name if requester else None,
                       on_behalf_of=args.on_behalf_of, wait=args.wait,
                       wait_timeout=args.wait_timeout, timeout=args.timeout, poll=args.poll)
        runner = functools.partial(run_local, grace=args.kill_grace)
        return broker.handle(spec, os.environ, runner, requester, _say)
    except InterlockError as e:
        _say(f"interlock: {e}. Nothing ran.")
        return 2
    finally:
        store.close()


def cmd_broker(args: argparse.Namespace) -> int:
    from ...errors import ConfigError
    from .config import add_agent, load_config
    from .server import serve

    if args.broker_command != "serve":
        _say("interlock broker: choose serve (see --help)")
        return 1
    try:
        cfg = load_config(args.config)
        for key in ("socket", "db", "inventory", "policy", "env", "credentials", "run_as",
                    "path", "poll"):
            if getattr(args, key) is not None:
                setattr(cfg, key, getattr(args, key))
        for spec in args.agent:
            add_agent(cfg, spec)
    except ConfigError as e:
        _say(f"interlock broker: {e}")
        return 1
    if not cfg.agents:
        _say("interlock broker: no agents configured ([agents] in --config, or --agent "
             "USER=AGENT): nobody could use this broker")
        return 1
    return serve(cfg)
