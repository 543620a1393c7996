"""`interlock terraform …` on the command line (argparse only; everything else is lazy)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

TIERS = ("production", "staging", "development", "sandbox")


def register(sub: argparse._SubParsersAction, parser_class: type[argparse.ArgumentParser]
             ) -> Callable[[argparse.Namespace], int]:
    """Add `terraform` to the CLI's subcommands; returns its handler."""
    tf = sub.add_parser("terraform", help="plan, decide and apply exactly the decided plan",
                        description="Terraform/OpenTofu guard.")
    tsub = tf.add_subparsers(dest="terraform_command", metavar="SUBCOMMAND",
                             parser_class=parser_class)
    a = tsub.add_parser(
        "apply", help="plan -out, decide, apply exactly that saved plan",
        description="Run `terraform plan -out`, decide on the saved plan, and apply exactly that "
        "file (never re-planning) if the decision allows it and neither the file nor the state "
        "moved since. Exit 0 applied (or nothing to apply), 2 denied or refused, 3 approval "
        "required (the plan is kept under WORKDIR/.interlock/plans/), 1 error, 130 "
        "interrupted; a failing `terraform apply` passes its own exit status through.",
        epilog="Plan arguments go after `--`: interlock terraform apply -- -var-file=prod.tfvars")
    a.add_argument("--env", metavar="TIER", choices=TIERS,
                   help="default tier for targets no inventory rule names (default: production)")
    a.add_argument("--inventory", metavar="FILE", help="inventory TOML")
    a.add_argument("--policy", metavar="DIR", help="policy pack directory")
    a.add_argument("--db", metavar="URL", help="store URL: freeze / kill-switch state, and "
                   "where approval requests are filed and redeemed (default: $INTERLOCK_DB, "
                   "else the embedded store if it exists)")
    a.add_argument("--workspace", metavar="W", help="plan and apply in workspace W "
                   "(TF_WORKSPACE); default: the selected one")
    a.add_argument("--chdir", metavar="DIR", default=".", help="terraform working directory")
    a.add_argument("--terraform-bin", metavar="BIN", help="terraform or tofu binary (default: "
                   "$INTERLOCK_TERRAFORM, else `terraform` on PATH)")
    a.add_argument("--plan-file", metavar="PATH", type=Path,
                   help="apply this saved plan instead of planning (needs --expect-hash)")
    a.add_argument("--expect-hash", metavar="HEX", help="SHA-256 the --plan-file must have")
    a.add_argument("--agent", metavar="NAME", help="agent name recorded in the action; with a "
                   "store, the principal that files and redeems the approval request")
    a.add_argument("--yes", action="store_true", help="do not ask before applying an allowed "
                   "plan (required when not on a terminal)")
    a.add_argument("--timeout", metavar="S", type=float, default=600.0,
                   help="limit for plan/show/state commands (default 600 s)")
    a.add_argument("--apply-timeout", metavar="S", type=float, default=None,
                   help="limit for the apply itself (default: none; on expiry terraform is "
                   "interrupted gracefully)")
    a.add_argument("--json", dest="json_out", action="store_true",
                   help="print one JSON result on stdout (the summary goes to stderr)")
    a.add_argument("extra", nargs="*", metavar="-- PLAN-ARGS", help="arguments for "
                   "`terraform plan`")
    return cmd_terraform


def cmd_terraform(args: argparse.Namespace) -> int:
    if args.terraform_command != "apply":
        from ..cli import UsageError

        raise UsageError("interlock terraform: choose apply (see --help)")
    from ..controls import configured_store
    from .apply import ApplyOptions, run_apply

    opts = ApplyOptions(
        chdir=Path(args.chdir), terraform_bin=args.terraform_bin, policy=args.policy,
        inventory=args.inventory, env=args.env, db=args.db, workspace=args.workspace,
        plan_file=args.plan_file, expect_hash=args.expect_hash, extra=list(args.extra),
        yes=args.yes, agent=args.agent, timeout=args.timeout, apply_timeout=args.apply_timeout,
        json_out=args.json_out)
    redeem = None
    db = configured_store(args.db)
    if db is not None:
        from rich.console import Console

        from .approval import StoreApprovals

        redeem = StoreApprovals(db, args.agent, Console(stderr=True, highlight=False))
    return run_apply(opts, redeem=redeem).status
