"""The local admin commands (admin_cli): principals, requests, freeze, kill, break-glass, audit."""

from __future__ import annotations

import json

import pytest

from interlock import admin_cli
from interlock.cli import Parser, UsageError


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("INTERLOCK_DB", f"sqlite:///{tmp_path / 'store.db'}")
    monkeypatch.delenv("INTERLOCK_TOKEN", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        parser = Parser(prog="interlock")
        sub = parser.add_subparsers(dest="command", parser_class=Parser)
        admin_cli.register(sub, Parser)
        args = parser.parse_args(list(argv))
        rc = admin_cli.COMMANDS[args.command](args)
        out, err = capsys.readouterr()
        return rc, out, err
    return run


def add(cli, name: str, *extra: str) -> str:
    rc, out, err = cli("principals", "add", name, *extra)
    assert rc == 0, err
    return out.strip().splitlines()[-1]  # the token, on the last line


def open_request(store_url: str) -> str:
    from interlock import principals as P
    from interlock.actions import action_hash, parse_action
    from interlock.approvals import requests as R
    from interlock.decision import Decision
    from interlock.store import open_store

    action = {"tool": "file_delete", "input": {"path": "/srv/a"}, "agent": "bot"}
    with open_store(store_url) as store:
        bot = P.get_principal(store, "bot")
        d = Decision("require_approval", 1, "staging", [], [], action_hash(parse_action(action)))
        return R.open_request(store, d, action, bot)[0].id


def test_principals_add_prints_token_last_and_it_authenticates(cli, tmp_path):
    token = add(cli, "alice", "--kind", "human", "--role", "approver,admin")
    from interlock.principals import authenticate
    from interlock.store import open_store

    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        assert authenticate(store, token).roles == {"approver", "admin"}
    rc, out, _ = cli("principals", "list")
    assert rc == 0 and "alice" in out and token not in out
    rc, out, _ = cli("principals", "list", "--json")
    assert json.loads(out)[0]["name"] == "alice"


def test_principal_errors_exit_1(cli):
    add(cli, "alice", "--kind", "human")
    rc, _, err = cli("principals", "add", "alice", "--kind", "human")
    assert rc == 1 and "already exists" in err
    rc, _, err = cli("principals", "add", "bot", "--kind", "agent", "--role", "approver")
    assert rc == 1 and "agents never approve" in err
    rc, _, err = cli("principals", "revoke", "nobody")
    assert rc == 1 and "no principal" in err
    with pytest.raises(UsageError):
        cli("principals", "add", "x", "--kind", "robot")


def test_votes_need_the_voters_token(cli, monkeypatch, tmp_path):
    alice = add(cli, "alice", "--kind", "human", "--role", "approver")
    bot = add(cli, "bot", "--kind", "agent", "--acts-for", "alice")
    bob = add(cli, "bob", "--kind", "human", "--role", "approver")
    rid = open_request(f"sqlite:///{tmp_path / 'store.db'}")
    rc, _, err = cli("requests", "approve", rid)
    assert rc == 1 and "token" in err
    rc, _, err = cli("requests", "approve", rid, "--token", "forged")
    assert rc == 1 and "unknown" in err
    rc, _, err = cli("requests", "approve", rid, "--token", bot)
    assert rc == 1 and "agents never approve" in err
    rc, _, err = cli("requests", "approve", rid, "--token", alice)
    assert rc == 1 and "chain" in err
    rc, _, err = cli("requests", "approve", rid, "--as", "alice", "--token", bob)
    assert rc == 1 and "belongs to 'bob'" in err
    monkeypatch.setenv("INTERLOCK_TOKEN", bob)
    rc, out, err = cli("requests", "approve", rid, "--comment", "ok")
    assert rc == 0 and "approved" in out, err
    rc, out, _ = cli("requests", "show", rid)
    assert json.loads(out)["state"] == "approved" and json.loads(out)["approvals"] == ["bob"]
    rc, out, _ = cli("requests", "list", "--state", "approved")
    assert rid in out
    rc, _, err = cli("requests", "cancel", rid)
    assert rc == 1 and "not pending" in err


def test_freeze_kill_breakglass_and_audit(cli, tmp_path):
    assert cli("freeze", "production", "--reason", "INC-1")[0] == 0
    assert "already" in cli("freeze", "production")[1]
    assert cli("unfreeze", "production")[0] == 0
    assert cli("kill", "bot", "--reason", "loop")[0] == 0
    assert cli("revive", "bot")[0] == 0
    eve = add(cli, "eve", "--kind", "human", "--role", "admin")
    rc, _, err = cli("breakglass", "--as", "eve", "--reason", "db down INC-2")
    assert rc == 1 and "token" in err
    rc, out, err = cli("breakglass", "--as", "eve", "--token", eve, "--reason", "db down INC-2",
                       "--ttl", "15m")
    assert rc == 0 and "BREAK-GLASS" in out, err
    assert cli("breakglass", "--end", "--token", eve)[1].strip().endswith("ended")
    rc, out, _ = cli("audit", "checkpoint")
    assert rc == 0 and "signed entry" in out
    rc, out, _ = cli("audit", "verify")
    assert rc == 0 and json.loads(out)["ok"] is True
    rc, out, _ = cli("audit", "export", "--format", "markdown")
    assert rc == 0 and "**FREEZE** production" in out and "BREAK-GLASS" in out
    out_file = tmp_path / "x.json"
    rc, out, _ = cli("audit", "export", "--agent", "eve", "--output", str(out_file))
    assert rc == 0 and {e["kind"] for e in json.loads(out_file.read_text())} >= {
        "breakglass.start", "breakglass.end"}
    rc, out, _ = cli("audit", "rotate-key")
    assert rc == 0 and "new signing key" in out
    assert json.loads(cli("audit", "verify")[1])["ok"]


def test_audit_verify_fails_with_exit_1(cli, tmp_path):
    cli("freeze", "staging")
    cli("unfreeze", "staging")
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    with engine.begin() as c:
        c.execute(text("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 1"))
    engine.dispose()
    rc, out, err = cli("audit", "verify")
    assert rc == 1 and json.loads(out)["first_bad"] == 1 and "entry 1" in err


def test_unusable_store_is_a_clear_error(cli, tmp_path):
    (tmp_path / "dir.db").mkdir()
    rc, _, err = cli("freeze", "production", "--db", f"sqlite:///{tmp_path / 'dir.db'}")
    assert rc == 1 and err.startswith("interlock: error:") and "Traceback" not in err


def test_parse_duration():
    from datetime import timedelta

    assert admin_cli.parse_duration("1h30m") == timedelta(minutes=90)
    assert admin_cli.parse_duration("7d") == timedelta(days=7)
    for bad in ("", "0m", "1x", "m", "1h 2"):
        with pytest.raises(Exception):  # noqa: B017 - argparse.ArgumentTypeError
            admin_cli.parse_duration(bad)
