"""`interlock` command line. Kept on argparse and lazy imports: `check` runs once per agent action,
so its start-up cost is the hook's latency (FACTS.md: keep heavy frameworks off this path)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import NoReturn

EXIT = {"allow": 0, "deny": 2, "require_approval": 3}
EXIT_USAGE = 1


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors, which `check` reserves for deny: raise instead."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def _decider_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--env", metavar="TIER", choices=("production", "staging", "development",
                                                     "sandbox"),
                   help="default tier for targets no inventory rule names (operator setting; "
                        "default: production)")
    p.add_argument("--inventory", metavar="FILE", help="inventory TOML (see DESIGN.md)")
    p.add_argument("--policy", metavar="DIR", help="policy pack directory (replaces the shipped "
                                                   "pack; `interlock policy init DIR` copies it)")
    p.add_argument("--db", metavar="URL", help="store URL whose freeze, kill-switch and "
                   "break-glass state decisions honour (default: $INTERLOCK_DB, else the "
                   "embedded store if it exists)")
    p.add_argument("--terraform-plan", action="store_true",
                   help="for a shell `terraform|tofu apply|destroy`, run `terraform plan` and "
                        "decide on the real changes (guarded deployments only: it runs "
                        "terraform in the action's directory)")


def build_parser() -> Parser:
    parser = Parser(prog="interlock", description="A guard between AI agents and infrastructure: "
                    "parse actions into effects, resolve their environment, decide with Cedar.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    check = sub.add_parser("check", help="decide one action (JSON on stdin) or a batch",
                           description="Read an Action envelope as JSON on stdin and print the "
                           "decision as one JSON object. Exit 0 allow, 2 deny, 3 "
                           "require_approval, 1 bad input or usage.")
    _decider_args(check)
    check.add_argument("--batch", metavar="FILE", help="decide every line of a JSONL file "
                       "('-' for stdin); prints one JSON line per action")
    check.add_argument("--explain", action="store_true", help="print a human view instead of JSON")

    explain = sub.add_parser("explain", help="decide one action and show why, for humans")
    _decider_args(explain)

    policy = sub.add_parser("policy", help="validate, copy or test a policy pack")
    psub = policy.add_subparsers(dest="policy_command", metavar="SUBCOMMAND", parser_class=Parser)
    v = psub.add_parser("validate", help="load a pack and validate it against the schema")
    v.add_argument("dir", metavar="DIR")
    i = psub.add_parser("init", help="copy the shipped pack into DIR for editing")
    i.add_argument("dir", metavar="DIR")
    i.add_argument("--force", action="store_true", help="overwrite existing files")
    t = psub.add_parser("test", help="run a table of example actions and expected decisions")
    t.add_argument("file", metavar="FILE", help="TOML file with [[case]] tables")
    _decider_args(t)

    demo = sub.add_parser("demo", help="replay the seed incident on real components",
                          description="Replay an agent's 'delete and recreate the environment' "
                          "on real Terraform, policy, store and audit log (in a temp dir).")
    demo.add_argument("--quick", action="store_true", help="only decide typical agent actions "
                      "in sandbox and production (no Terraform, no store)")
    demo.add_argument("--keep", action="store_true", help="keep the demo's files")
    from .terraform import register as register_terraform
    COMMANDS["terraform"] = register_terraform(sub, Parser)
    from .enforce.daemon import register as register_daemon
    from .enforce.install import register as register_install
    from .hookclient import register as register_hook
    COMMANDS["hook"] = register_hook(sub, Parser)
    COMMANDS["install"] = register_install(sub, Parser)
    COMMANDS["daemon"] = register_daemon(sub, Parser)
    from .enforce.mcp_cli import register as register_mcp_proxy
    COMMANDS["mcp-proxy"] = register_mcp_proxy(sub, Parser)
    from .enforce.broker.commands import register as register_broker
    COMMANDS.update(register_broker(sub, Parser))
    from .server.cli import register as register_serve
    COMMANDS["serve"] = register_serve(sub, Parser)

    from . import admin_cli

    admin_cli.register(sub, Parser)
    COMMANDS.update(admin_cli.COMMANDS)

    inv = sub.add_parser("inventory", help="validate an inventory file")
    isub = inv.add_subparsers(dest="inventory_command", metavar="SUBCOMMAND", parser_class=Parser)
    iv = isub.add_parser("validate", help="parse and check an inventory TOML file")
    iv.add_argument("file", metavar="FILE")
    return parser


def _print_json(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _usage_deny(message: str) -> int:
    from .inventory import DEFAULT_TIER

    _print_json({"decision": "deny", "approvals_required": 0, "environment": DEFAULT_TIER,
                 "reasons": [{"policy": "error", "message": message}], "effects": [],
                 "action_hash": "", "error": message})
    return EXIT_USAGE


def _make_decider(args: argparse.Namespace):
    from .controls import controls_source
    from .pipeline import Decider

    return Decider(args.policy, args.inventory, args.env,
                   terraform_plans=getattr(args, "terraform_plan", False),
                   controls=controls_source(args.db))




def _exit_for(decision) -> int:
    return EXIT_USAGE if decision.error is not None and not decision.effects else EXIT[
        decision.decision]


def cmd_check(args: argparse.Namespace) -> int:
    decider = _make_decider(args)
    if args.batch:
        return _check_batch(decider, args.batch)
    raw = sys.stdin.buffer.read()
    decision = decider.decide_raw(raw)
    if args.explain:
        from .explain import render

        render(decision)
    else:
        _print_json(decision.to_json())
    return _exit_for(decision)


def _check_batch(decider, path: str) -> int:
    try:
        stream = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    except OSError as e:
        return _usage_deny(f"cannot read {path}: {e.strerror or e}")
    with stream:
        try:
            for line in stream:
                if not line.strip():
                    continue
                _print_json(decider.decide_raw(line).to_json())
        except OSError as e:
            return _usage_deny(f"cannot read {path}: {e.strerror or e}")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from .explain import render

    decision = _make_decider(args).decide_raw(sys.stdin.buffer.read())
    render(decision)
    return _exit_for(decision)


def cmd_policy(args: argparse.Namespace) -> int:
    from . import policytools

    if args.policy_command == "validate":
        return policytools.validate(args.dir)
    if args.policy_command == "init":
        return policytools.init(args.dir, force=args.force)
    if args.policy_command == "test":
        return policytools.run_tests(args.file, args.policy, args.inventory, args.env)
    raise UsageError("interlock policy: choose validate, init or test (see --help)")


def cmd_inventory(args: argparse.Namespace) -> int:
    from .errors import ConfigError
    from .inventory import load_inventory

    if args.inventory_command != "validate":
        raise UsageError("interlock inventory: choose validate (see --help)")
    try:
        inv = load_inventory(args.file)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"ok: {len(inv.rules)} rule(s), default tier {inv.default}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    if args.quick:
        from .demo import run

        return run()
    from .replay import run as replay

    return replay(keep=args.keep)


COMMANDS = {"check": cmd_check, "demo": cmd_demo, "explain": cmd_explain, "policy": cmd_policy,
            "inventory": cmd_inventory}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as e:
        # Whatever went wrong with the arguments, a `check` caller reads a deny object.
        if "check" in argv:
            return _usage_deny(str(e))
        print(f"{e}\nRun 'interlock --help' for usage.", file=sys.stderr)
        return EXIT_USAGE
    if args.version:
        from importlib.metadata import PackageNotFoundError, version

        try:
            print(version("interlock"))
        except PackageNotFoundError:
            print("unknown")
        return 0
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    try:
        return COMMANDS[args.command](args)
    except UsageError as e:
        print(f"{e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_USAGE
    except Exception as e:  # noqa: BLE001 - never a traceback: a crashing hook fails open
        message = f"internal error: {type(e).__name__}: {e}"
        if args.command == "check":
            return _usage_deny(message)
        print(f"interlock: {message}", file=sys.stderr)
        return EXIT_USAGE


def run() -> NoReturn:
    sys.exit(main())


if __name__ == "__main__":
    run()
