"""`interlock serve`: the HTTP API (and the web inbox when installed) under uvicorn.

Wiring (interlock/cli.py): `COMMANDS["serve"] = register(sub, Parser)`. Imports only argparse
at load time: `check` must not pay for FastAPI.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

TIERS = ("production", "staging", "development", "sandbox")


def register(sub: Any, parser_class: type[argparse.ArgumentParser]) -> Any:
    p = sub.add_parser("serve", help="run the HTTP API (127.0.0.1:8733 by default)",
                       description="Serve the decision, approval and audit API (DESIGN.md). "
                       "Binds 127.0.0.1 unless --host says otherwise; use --tls-cert/--tls-key "
                       "or a reverse proxy for anything beyond loopback.")
    p.add_argument("--db", metavar="URL", default=os.environ.get("INTERLOCK_DB"),
                   help="store URL (default: $INTERLOCK_DB, else the embedded SQLite file, "
                        "created if missing)")
    p.add_argument("--inventory", metavar="FILE", help="inventory TOML")
    p.add_argument("--policy", metavar="DIR", help="policy pack directory")
    p.add_argument("--env", metavar="TIER", choices=TIERS,
                   help="default tier for targets no inventory rule names")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8733, help="port (default 8733; 0 = any free)")
    p.add_argument("--webhook", metavar="URL",
                   default=os.environ.get("INTERLOCK_WEBHOOK_URL"),
                   help="Slack-compatible webhook for approval notifications "
                        "(default: $INTERLOCK_WEBHOOK_URL)")
    p.add_argument("--tls-cert", metavar="FILE", help="TLS certificate (PEM)")
    p.add_argument("--tls-key", metavar="FILE", help="TLS private key (PEM)")
    p.add_argument("--signing-key", metavar="FILE",
                   default=os.environ.get("INTERLOCK_SIGNING_KEY"),
                   help="audit checkpoint key (default: next to the SQLite store)")
    p.add_argument("--request-ttl", metavar="DURATION", default="1h",
                   help="how long an approval request stays open (default 1h)")
    p.add_argument("--max-body", type=int, default=1_048_576, metavar="BYTES",
                   help="largest request body accepted (default 1 MiB)")
    p.add_argument("--terraform-plan", action="store_true",
                   help="decide shell `terraform apply` on its real plan (guarded broker only)")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="worker processes (default 1; needs a fixed --port)")
    p.add_argument("--no-access-log", action="store_true", help="no JSON line per request")
    return cmd_serve


def _settings(args: argparse.Namespace):
    from ..admin_cli import parse_duration
    from .notify import valid_webhook_url
    from .settings import ServerSettings

    try:
        ttl = parse_duration(args.request_ttl)
    except argparse.ArgumentTypeError as e:
        raise SystemExit(f"interlock serve: --request-ttl: {e}") from None
    if bool(args.tls_cert) != bool(args.tls_key):
        raise SystemExit("interlock serve: --tls-cert and --tls-key go together")
    if args.webhook and not valid_webhook_url(args.webhook):
        raise SystemExit("interlock serve: --webhook must be an http(s) URL")
    if not 0 <= args.port <= 65535:
        raise SystemExit("interlock serve: --port must be 0..65535")
    if not 1 <= args.workers <= 64 or (args.workers > 1 and args.port == 0):
        raise SystemExit("interlock serve: --workers must be 1..64, with a fixed --port")
    return ServerSettings(db_url=args.db, inventory=args.inventory, policy=args.policy,
                          env=args.env, host=args.host, port=args.port,
                          webhook_url=args.webhook, tls_cert=args.tls_cert,
                          tls_key=args.tls_key, request_ttl=ttl,
                          max_body_bytes=max(1024, args.max_body), signing_key=args.signing_key,
                          terraform_plans=args.terraform_plan,
                          access_log=not args.no_access_log)


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        settings = _settings(args)
    except SystemExit as e:
        print(e, file=sys.stderr)
        return 1
    from ..errors import InterlockError
    from ..store.location import safe_url

    try:
        from .app import create_app
        from .serve import run, run_workers
    except ImportError as e:
        print(f"interlock serve: missing dependency ({e}); pip install 'interlock[server]'",
              file=sys.stderr)
        return 1
    try:
        app = create_app(settings)
    except InterlockError as e:
        print(f"interlock serve: error: {e}", file=sys.stderr)
        return 1
    ctx = app.state.ctx
    if ctx.decider.config_error:
        print(f"interlock serve: error: {ctx.decider.config_error}", file=sys.stderr)
        ctx.store.close()
        return 1
    print(f"interlock serve: store {safe_url(ctx.store.url)}; policy version "
          f"{(ctx.decider.policy_version or '')[:12]}", file=sys.stderr, flush=True)
    if args.workers > 1:
        ctx.store.close()  # checked; each worker opens its own
        return run_workers(settings, args.workers)
    return run(app, settings)
