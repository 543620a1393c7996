"""`interlock principals|requests|freeze|unfreeze|kill|revive|breakglass|audit`: the local
administration commands. They work on the store directly (the bootstrap path, DESIGN.md), so
they are only as protected as the store file; votes and break-glass additionally need the
human's own token (`--token` or INTERLOCK_TOKEN), so an agent holding no human token cannot
vote through this path either.

Wiring (cli.py): `admin_cli.register(sub, Parser)` in build_parser and
`COMMANDS.update(admin_cli.COMMANDS)`. This module imports only argparse at load time.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

TIERS = ("production", "staging", "development", "sandbox")
_DURATION = re.compile(r"(\d+)\s*([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    """`90s`, `30m`, `1h`, `7d`, or combinations like `1h30m`."""
    text = text.strip().lower()
    pos, total = 0, timedelta()
    for m in _DURATION.finditer(text):
        if m.start() != pos:
            break
        total += timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
        pos = m.end()
    if pos != len(text) or not text or total <= timedelta(0):
        raise argparse.ArgumentTypeError(f"invalid duration {text!r} (e.g. 30m, 1h, 7d)")
    return total


def _store_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", default=os.environ.get("INTERLOCK_DB"),
                   help="store URL (default: $INTERLOCK_DB, else the embedded SQLite file)")
    p.add_argument("--signing-key", metavar="FILE",
                   default=os.environ.get("INTERLOCK_SIGNING_KEY"),
                   help="audit checkpoint key (default: next to the SQLite store)")


def _token_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as", dest="as_name", metavar="NAME", help="who you are (checked against "
                   "the token)")
    p.add_argument("--token", metavar="TOKEN", help="your bearer token (default: "
                   "$INTERLOCK_TOKEN; prefer the variable: arguments show in `ps`)")


def register(sub: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    """Add the admin subcommands to `sub` (from `parser.add_subparsers(...)`)."""
    pr = sub.add_parser("principals", help="add, list and revoke humans and agents")
    ps = pr.add_subparsers(dest="sub", metavar="SUBCOMMAND", parser_class=parser_class)
    a = ps.add_parser("add", help="add a principal; prints its token once, on the last line")
    a.add_argument("name", metavar="NAME")
    a.add_argument("--kind", choices=("human", "agent"), required=True)
    a.add_argument("--role", action="append", default=[], metavar="ROLE",
                   help="approver, operator or admin (repeat or comma-separate)")
    a.add_argument("--acts-for", metavar="PRINCIPAL", help="agents: who the agent acts for")
    a.add_argument("--group", action="append", default=[], metavar="GROUP",
                   help="approver group membership (repeatable)")
    a.add_argument("--token-ttl", type=parse_duration, metavar="DURATION",
                   help="token lifetime (default: until revoked)")
    _store_args(a)
    lst = ps.add_parser("list", help="list principals")
    lst.add_argument("--json", action="store_true")
    _store_args(lst)
    rv = ps.add_parser("revoke", help="disable a principal and revoke all its tokens")
    rv.add_argument("name", metavar="NAME")
    _store_args(rv)
    tk = ps.add_parser("token", help="issue a further token; prints it once, on the last line")
    tk.add_argument("name", metavar="NAME")
    tk.add_argument("--ttl", type=parse_duration, metavar="DURATION")
    _store_args(tk)

    rq = sub.add_parser("requests", help="list, show, approve, reject or cancel requests")
    rs = rq.add_subparsers(dest="sub", metavar="SUBCOMMAND", parser_class=parser_class)
    rl = rs.add_parser("list", help="list requests, newest first")
    rl.add_argument("--state", choices=("pending", "approved", "rejected", "expired",
                                        "cancelled", "redeemed"))
    rl.add_argument("--limit", type=int, default=50)
    rl.add_argument("--json", action="store_true")
    _store_args(rl)
    sh = rs.add_parser("show", help="show one request as JSON")
    sh.add_argument("id", metavar="ID")
    _store_args(sh)
    for verb in ("approve", "reject"):
        v = rs.add_parser(verb, help=f"{verb} a request (needs your token)")
        v.add_argument("id", metavar="ID")
        v.add_argument("--comment", default="", metavar="TEXT")
        _token_args(v)
        _store_args(v)
    c = rs.add_parser("cancel", help="cancel a pending request (local administrator)")
    c.add_argument("id", metavar="ID")
    c.add_argument("--reason", default="", metavar="TEXT")
    _store_args(c)

    for name, text in (("freeze", "deny every non-read in TIER until unfrozen"),
                       ("unfreeze", "lift a freeze")):
        f = sub.add_parser(name, help=text)
        f.add_argument("tier", metavar="TIER", choices=TIERS)
        f.add_argument("--reason", default="", metavar="TEXT")
        _store_args(f)
    for name, text in (("kill", "kill switch: deny everything AGENT asks"),
                       ("revive", "turn an agent's kill switch off")):
        k = sub.add_parser(name, help=text)
        k.add_argument("agent", metavar="AGENT")
        k.add_argument("--reason", default="", metavar="TEXT")
        _store_args(k)

    bg = sub.add_parser("breakglass", help="start (or --end) a break-glass window in a tier")
    bg.add_argument("--tier", choices=TIERS, default="production")
    bg.add_argument("--reason", metavar="TEXT")
    bg.add_argument("--ttl", type=parse_duration, metavar="DURATION",
                    help="how long (default 30m, at most 4h)")
    bg.add_argument("--end", action="store_true", help="end the active break-glass in --tier")
    _token_args(bg)
    _store_args(bg)

    au = sub.add_parser("audit", help="verify or export the audit log")
    aus = au.add_subparsers(dest="sub", metavar="SUBCOMMAND", parser_class=parser_class)
    vf = aus.add_parser("verify", help="check the hash chain and the signed checkpoints")
    vf.add_argument("--trusted-key", action="append", metavar="HEX",
                    help="accept only checkpoints signed by these public keys")
    _store_args(vf)
    ex = aus.add_parser("export", help="entries for an agent, a target or a window")
    ex.add_argument("--agent")
    ex.add_argument("--target")
    ex.add_argument("--since", metavar="ISO-TIME")
    ex.add_argument("--until", metavar="ISO-TIME")
    ex.add_argument("--format", choices=("json", "markdown"), default="json")
    ex.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    _store_args(ex)
    cp = aus.add_parser("checkpoint", help="sign the current head now")
    _store_args(cp)
    rk = aus.add_parser("rotate-key", help="replace the signing key (old checkpoints still "
                        "verify)")
    _store_args(rk)


# -- helpers ------------------------------------------------------------------------------
def _local_actor() -> str:
    try:
        return f"local:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no passwd entry in a container
        return f"local:uid{os.getuid()}"


def _open(args: argparse.Namespace):
    from .store import StoreSettings, open_store

    settings = StoreSettings()
    if getattr(args, "signing_key", None):
        settings.key_path = Path(args.signing_key)
    return open_store(args.db, settings=settings)


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _json(obj: Any) -> None:
    _out(json.dumps(obj, indent=2, ensure_ascii=False))


def _roles(values: list[str]) -> list[str]:
    return [r.strip() for v in values for r in v.split(",") if r.strip()]


def _me(store, args: argparse.Namespace):
    from .approvals.errors import Forbidden
    from .principals import authenticate

    token = args.token or os.environ.get("INTERLOCK_TOKEN")
    if not token:
        raise Forbidden("this needs your token: --token or INTERLOCK_TOKEN")
    who = authenticate(store, token)
    if who is None:
        raise Forbidden("the token is unknown, expired or revoked")
    if args.as_name and args.as_name != who.name:
        raise Forbidden(f"the token belongs to {who.name!r}, not {args.as_name!r}")
    return who


def _run(fn, args: argparse.Namespace) -> int:
    from .errors import InterlockError

    try:
        store = _open(args)
    except InterlockError as e:
        print(f"interlock: error: {e}", file=sys.stderr)
        return 1
    try:
        return fn(store, args)
    except InterlockError as e:
        print(f"interlock: error: {e}", file=sys.stderr)
        return 1
    finally:
        store.close()


def _usage(what: str) -> int:
    print(f"interlock {what}: choose a subcommand (see --help)", file=sys.stderr)
    return 1


# -- principals --------------------------------------------------------------------------------
def _principals(store, args: argparse.Namespace) -> int:
    from . import principals as P

    actor = _local_actor()
    if args.sub == "add":
        p, token = P.add_principal(store, args.name, args.kind, _roles(args.role),
                                   args.acts_for, _roles(args.group), args.token_ttl, actor)
        extra = f", acts for {p.acts_for}" if p.acts_for else ""
        _out(f"added {p.kind} {p.name} (roles: {', '.join(sorted(p.roles)) or 'none'}{extra}); "
             "its token follows, shown once:")
        _out(token)
        return 0
    if args.sub == "list":
        items = P.list_principals(store)
        if args.json:
            _json([p.to_json() for p in items])
        for p in [] if args.json else items:
            flags = " (revoked)" if p.disabled else ""
            acts = f" acts-for={p.acts_for}" if p.acts_for else ""
            _out(f"{p.name}\t{p.kind}\troles={','.join(sorted(p.roles)) or '-'}{acts}{flags}")
        return 0
    if args.sub == "revoke":
        p = P.revoke_principal(store, args.name, actor)
        _out(f"revoked {p.name} and all its tokens")
        return 0
    if args.sub == "token":
        token = P.issue_token(store, args.name, args.ttl, actor)
        _out(f"new token for {args.name}, shown once:")
        _out(token)
        return 0
    return _usage("principals")


def cmd_principals(args: argparse.Namespace) -> int:
    return _run(_principals, args) if args.sub else _usage("principals")


# -- requests ---------------------------------------------------------------------------------
def _requests(store, args: argparse.Namespace) -> int:
    from .approvals import requests as R

    if args.sub == "list":
        items = R.list_requests(store, args.state, limit=args.limit)
        if args.json:
            _json([r.to_json() for r in items])
            return 0
        for r in items:
            summary = r.summary.get("summary", "")
            _out(f"{r.id}\t{r.state}\t{len(r.approvals)}/{r.approvals_required}\t"
                 f"{r.environment}\t{r.requester}\t{summary[:80]}")
        return 0
    if args.sub == "show":
        _json(R.get_request(store, args.id).to_json())
        return 0
    if args.sub in ("approve", "reject"):
        who = _me(store, args)
        r = R.vote(store, args.id, who, args.sub, args.comment)
        _out(f"{who.name} voted {args.sub} on {r.id}: now {r.state} "
             f"({len(r.approvals)}/{r.approvals_required} approvals)")
        return 0
    if args.sub == "cancel":
        r = R.cancel(store, args.id, None, args.reason, actor=_local_actor())
        _out(f"cancelled {r.id}")
        return 0
    return _usage("requests")


def cmd_requests(args: argparse.Namespace) -> int:
    return _run(_requests, args) if args.sub else _usage("requests")


# -- controls ---------------------------------------------------------------------------------
def _freeze(store, args: argparse.Namespace) -> int:
    from .approvals import controls as C

    if args.command == "freeze":
        done = C.freeze(store, args.tier, _local_actor(), args.reason)
        _out(f"{args.tier} {'is now frozen' if done else 'was already frozen'}")
    else:
        done = C.unfreeze(store, args.tier, _local_actor())
        _out(f"{args.tier} {'is no longer frozen' if done else 'was not frozen'}")
    return 0


def cmd_freeze(args: argparse.Namespace) -> int:
    return _run(_freeze, args)


def _kill(store, args: argparse.Namespace) -> int:
    from .approvals import controls as C

    if args.command == "kill":
        done = C.kill(store, args.agent, _local_actor(), args.reason)
        _out(f"kill switch for {args.agent}: {'on' if done else 'was already on'}")
    else:
        done = C.revive(store, args.agent, _local_actor())
        _out(f"kill switch for {args.agent}: {'off' if done else 'was not on'}")
    return 0


def cmd_kill(args: argparse.Namespace) -> int:
    return _run(_kill, args)


def _breakglass(store, args: argparse.Namespace) -> int:
    from .approvals import controls as C

    who = _me(store, args)
    if args.end:
        done = C.end_breakglass(store, args.tier, who.name)
        _out(f"break-glass in {args.tier}: {'ended' if done else 'none active'}")
        return 0
    if not args.reason:
        print("interlock: error: break-glass needs --reason", file=sys.stderr)
        return 1
    bg = C.start_breakglass(store, who, args.tier, args.reason, args.ttl)
    _out(f"BREAK-GLASS active in {bg.tier} for {bg.human} until {bg.expires_at.isoformat()} "
         f"(id {bg.id}); this is recorded in the audit log")
    return 0


def cmd_breakglass(args: argparse.Namespace) -> int:
    return _run(_breakglass, args)


# -- audit ------------------------------------------------------------------------------------
def _audit(store, args: argparse.Namespace) -> int:
    from .audit.timeline import export, to_markdown

    if args.sub == "verify":
        result = store.audit.verify(args.trusted_key)
        _json(result.to_json())
        if not result.ok:
            print(f"interlock: audit log FAILED verification at entry {result.first_bad}: "
                  f"{result.reason}", file=sys.stderr)
        return 0 if result.ok else 1
    if args.sub == "export":
        try:
            entries = export(store, agent=args.agent, target=args.target, since=args.since,
                             until=args.until)
        except ValueError as e:
            print(f"interlock: error: bad --since/--until: {e}", file=sys.stderr)
            return 1
        if args.format == "json":
            text = json.dumps(entries, indent=2, ensure_ascii=False) + "\n"
        else:
            text = to_markdown(entries, filters={"agent": args.agent, "target": args.target,
                                                 "since": args.since, "until": args.until})
        if args.output:
            try:
                Path(args.output).write_text(text, encoding="utf-8")
            except OSError as e:
                print(f"interlock: error: cannot write {args.output}: {e.strerror or e}",
                      file=sys.stderr)
                return 1
            _out(f"wrote {len(entries)} entries to {args.output}")
        else:
            sys.stdout.write(text)
        return 0
    if args.sub == "checkpoint":
        cp = store.audit.checkpoint()
        _out("the log is empty" if cp is None else
             f"signed entry {cp.seq} ({cp.hash[:16]}…) with key {cp.key_id}")
        return 0
    if args.sub == "rotate-key":
        key_id = store.audit.rotate_key(_local_actor())
        pub = store.audit.public_keys()[key_id]
        _out(f"new signing key {key_id}; public key {pub}")
        return 0
    return _usage("audit")


def cmd_audit(args: argparse.Namespace) -> int:
    return _run(_audit, args) if args.sub else _usage("audit")


COMMANDS = {"principals": cmd_principals, "requests": cmd_requests, "freeze": cmd_freeze,
            "unfreeze": cmd_freeze, "kill": cmd_kill, "revive": cmd_kill,
            "breakglass": cmd_breakglass, "audit": cmd_audit}
