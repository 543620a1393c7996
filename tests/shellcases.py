"""Shared scaffolding for the shell decision tables (test_shell_wild*, test_shell_redteam, …):
one production and one sandbox Decider with a fixed HOME, and the helpers every table uses."""

from __future__ import annotations

from interlock.pipeline import Decider

HOME = "/home/u"
PROD = Decider(None, None, "production", environ={"HOME": HOME})
SANDBOX = Decider(None, None, "sandbox", environ={"HOME": HOME})


def decide(decider: Decider, command: str, cwd: str) -> dict:
    return decider.decide({"tool": "shell", "input": {"command": command, "cwd": cwd}}).to_json()


def ids(cases: list[str], width: int = 60) -> list[str]:
    """Readable pytest ids: the start of each command."""
    return [c[:width] for c in cases]


def expect(command: str, cwd: str, **tiers: str) -> dict[str, dict]:
    """Assert the decision in each tier named (`prod=`, `sandbox=`); returns the decisions by
    tier, for the checks a table adds on top."""
    got = {}
    for tier, want in tiers.items():
        r = decide({"prod": PROD, "sandbox": SANDBOX}[tier], command, cwd)
        assert r["decision"] == want, f"{command!r} ({tier}): {r['decision']} {r['effects']}"
        got[tier] = r
    return got
