"""`interlock hook … --server URL`: decisions and approvals through the real HTTP API; an
approved action passes exactly once."""

from __future__ import annotations

import json

import pytest
from hookhelp import run_hook, verdict
from test_api_support import start_api

from interlock.store import open_store


@pytest.fixture
def api(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'api.db'}")
    api = start_api(store, tmp_path)
    yield api
    api.server.stop()
    store.close()


def _hook(api, command, token):
    payload = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash",
                          "tool_input": {"command": command}, "cwd": "/tmp"}).encode()
    return run_hook(["claude-code", "--no-daemon", "--server", api.url], payload,
                    extra_env={"INTERLOCK_TOKEN": token})


def test_server_files_then_the_approved_action_passes_once(api):
    command = "kubectl --context prod-eu rollout restart deploy/api"
    kind, message = verdict("claude-code", _hook(api, command, api.tokens["bot"]))
    assert kind == "deny" and "approval request" in message
    status, listing = api("GET", "/v1/requests?state=pending", "opal")
    assert status == 200
    rows = listing["requests"] if isinstance(listing, dict) else listing
    [rid] = [r["id"] for r in rows]
    assert rid in message
    # the agent acts for alice: she cannot approve; two others can
    assert api.vote("alice", rid)[0] == 403
    assert api.vote("bob", rid)[0] == 200 and api.vote("carol", rid)[0] == 200
    assert verdict("claude-code", _hook(api, command, api.tokens["bot"]))[0] == "allow"
    assert api("GET", f"/v1/requests/{rid}", "bob")[1]["state"] == "redeemed"
    assert verdict("claude-code", _hook(api, command, api.tokens["bot"]))[0] == "deny"


def test_a_wrong_token_or_dead_server_denies(api):
    assert verdict("claude-code", _hook(api, "ls", "not-a-token"))[0] == "deny"
    payload = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash",
                          "tool_input": {"command": "ls"}, "cwd": "/tmp"}).encode()
    dead = run_hook(["claude-code", "--no-daemon", "--server", "http://127.0.0.1:9"], payload,
                    extra_env={"INTERLOCK_TOKEN": api.tokens["bot"]})
    assert verdict("claude-code", dead)[0] == "deny"
