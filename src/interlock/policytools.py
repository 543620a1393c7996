"""`interlock policy validate|init|test`: operators' tools for their own packs."""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

from .errors import ConfigError
from .policy import PACK_DIR, PolicyEngine

DECISIONS = ("allow", "require_approval", "deny")


def validate(directory: str) -> int:
    try:
        engine = PolicyEngine(directory)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    forbids = sum(1 for p in engine.infos.values() if p.effect == "forbid")
    print(f"ok: {len(engine.infos)} policies ({forbids} forbid) validate against the schema; "
          f"pack digest {engine.digest[:16]}")
    return 0


def init(directory: str, *, force: bool = False) -> int:
    dest = Path(directory)
    files = sorted(p for p in PACK_DIR.iterdir() if p.is_file())
    existing = [dest / p.name for p in files if (dest / p.name).exists()]
    if existing and not force:
        print(f"error: {', '.join(map(str, existing))} already exist(s); use --force to "
              "overwrite", file=sys.stderr)
        return 1
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for p in files:
            shutil.copyfile(p, dest / p.name)
    except OSError as e:
        print(f"error: cannot write {dest}: {e.strerror or e}", file=sys.stderr)
        return 1
    print(f"copied the shipped pack to {dest}: {', '.join(p.name for p in files)}")
    print(f"edit it, then: interlock policy validate {dest} && interlock check --policy {dest}")
    return 0


def _load_cases(path: str) -> list[dict]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from None
    cases = data.get("case")
    if not isinstance(cases, list) or not cases:
        raise ConfigError(f"{path}: expected one or more [[case]] tables")
    for i, case in enumerate(cases):
        where = f"{path}: case[{i}]"
        unknown = set(case) - {"name", "action", "env", "expect", "approvals", "environment"}
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        if not isinstance(case.get("action"), dict):
            raise ConfigError(f"{where}: 'action' must be a table (the Action envelope)")
        if case.get("expect") not in DECISIONS:
            raise ConfigError(f"{where}: 'expect' must be one of {', '.join(DECISIONS)}")
    return cases


def run_tests(path: str, policy: str | None, inventory: str | None, env: str | None) -> int:
    from rich.console import Console
    from rich.table import Table

    from .pipeline import Decider

    try:
        cases = _load_cases(path)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    deciders: dict[str | None, Decider] = {}
    table = Table(title=f"policy test {path}", header_style="bold")
    for col in ("", "case", "expected", "got", "environment", "why"):
        table.add_column(col, overflow="fold")
    failed = 0
    for i, case in enumerate(cases):
        tier = case.get("env", env)
        if tier not in deciders:
            deciders[tier] = Decider(policy, inventory, tier)
            if deciders[tier].config_error is not None:
                # A broken pack or inventory denies everything: "expect = deny" cases would
                # pass vacuously, so the run fails instead.
                print(f"error: {deciders[tier].config_error}", file=sys.stderr)
                return 1
        decision = deciders[tier].decide(case["action"])
        ok = decision.decision == case["expect"]
        if ok and "approvals" in case:
            ok = decision.approvals_required == case["approvals"]
        if ok and "environment" in case:
            ok = decision.environment == case["environment"]
        got = decision.decision + (f" ({decision.approvals_required})"
                                   if decision.decision == "require_approval" else "")
        want = case["expect"] + (f" ({case['approvals']})" if "approvals" in case else "")
        why = decision.error or ", ".join(r["policy"] for r in decision.reasons)
        failed += not ok
        table.add_row("[green]✓[/green]" if ok else "[red]✗[/red]", case.get("name", f"#{i}"),
                      want, got, decision.environment, why)
    console = Console()
    console.print(table)
    console.print(f"{len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0
