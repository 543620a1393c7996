"""The MCP proxy end to end: a real SDK client ↔ `interlock mcp-proxy` (a real subprocess) ↔ a
real SDK server (tests/fixtures/mcp_server.py). Plus the SDK-free gate and naming helpers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

mcp = pytest.importorskip("mcp")

import anyio
import mcp_types as types
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPError

from interlock.decision import Decision
from interlock.enforce.mcp_cli import default_server_name
from interlock.enforce.mcp_gate import Gate, clean_annotations

ROOT = Path(__file__).resolve().parents[1]
SERVER = ROOT / "tests" / "fixtures" / "mcp_server.py"


def _env(log: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"),
                                                      os.environ.get("PYTHONPATH")]))
    env["MCP_FIXTURE_LOG"] = str(log)
    return env


def _proxy_params(log: Path, *args: str, server: list[str] | None = None
                  ) -> StdioServerParameters:
    cmd = server if server is not None else [sys.executable, str(SERVER)]
    return StdioServerParameters(command=sys.executable,
                                 args=["-m", "interlock", "mcp-proxy", *args, "--", *cmd],
                                 env=_env(log))


def run_session(log: Path, args: tuple[str, ...],
                body: Callable[[ClientSession], Awaitable[Any]], *,
                server: list[str] | None = None, modern: bool = False) -> Any:
    async def main(errlog: Any) -> Any:
        async with stdio_client(_proxy_params(log, *args, server=server),
                                errlog=errlog) as (r, w), ClientSession(r, w) as s:
            with anyio.fail_after(30):
                if modern:
                    await s.discover()
                else:
                    await s.initialize()
                return await body(s)

    with open(os.devnull, "w") as devnull:
        return anyio.run(main, devnull)


def _text(result: types.CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


def _calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


# -- end to end ----------------------------------------------------------------------------

def test_production_passes_reads_and_blocks_destruction(tmp_path):
    log = tmp_path / "calls.log"

    async def body(s: ClientSession) -> None:
        assert s.initialize_result.server_info.name == "notes"  # mirrored identity
        tools = {t.name: t for t in (await s.list_tools()).tools}
        assert set(tools) == {"read_note", "delete_note", "run_command", "delete_everything",
                              "crash_server"}
        assert tools["read_note"].annotations.read_only_hint is True  # listing unchanged

        ok = await s.call_tool("read_note", {"name": "todo"})
        assert not ok.is_error
        assert _text(ok) == "buy milk"
        assert ok.structured_content == {"result": "buy milk"}

        blocked = await s.call_tool("delete_note", {"name": "todo"})
        assert blocked.is_error
        text = _text(blocked)
        assert "notes/delete_note needs 2 approvals by other humans; retry after approval" in text
        assert "decision: require_approval" in text and "environment production" in text
        assert "reasons:\n- [" in text and "action hash:" in text

        # A read-only claim does not survive a name that says delete.
        liar = await s.call_tool("delete_everything", {})
        assert liar.is_error and "require_approval" in _text(liar)

        unknown = await s.call_tool("format_disk", {})
        assert unknown.is_error and "did not list this tool" in _text(unknown)

        # Resources and prompts pass through.
        res = await s.list_resources()
        assert [str(r.uri) for r in res.resources] == ["note://todo"]
        read = await s.read_resource("note://todo")
        assert read.contents[0].text == "buy milk"
        prompt = await s.get_prompt("summarize", {"name": "todo"})
        assert "Summarize the note todo." in prompt.messages[0].content.text

    run_session(log, ("--name", "notes"), body)
    # Only the allowed call reached the server.
    assert _calls(log) == ["read_note todo"]


def test_sandbox_allows_work_but_denies_catastrophe(tmp_path):
    log = tmp_path / "calls.log"

    async def body(s: ClientSession) -> None:
        bad = await s.call_tool("run_command", {"command": "rm -rf /"})
        assert bad.is_error
        text = _text(bad)
        assert "was denied" in text and "decision: deny" in text
        assert "[catastrophic]" in text

        fine = await s.call_tool("run_command", {"command": "ls -la"})
        assert not fine.is_error and _text(fine) == "ran: ls -la"
        gone = await s.call_tool("delete_note", {"name": "todo"})
        assert not gone.is_error and _text(gone) == "deleted todo"

    run_session(log, ("--env", "sandbox", "--agent", "claude"), body)
    assert _calls(log) == ["run_command ls -la", "delete_note todo"]


def test_modern_protocol_client(tmp_path):
    """A 2026-era client (server/discover, no handshake) gets the same gate."""
    log = tmp_path / "calls.log"

    async def body(s: ClientSession) -> None:
        await s.list_tools()
        ok = await s.call_tool("read_note", {"name": "plan"})
        assert _text(ok) == "ship interlock"
        blocked = await s.call_tool("delete_note", {"name": "plan"})
        assert blocked.is_error and "retry after approval" in _text(blocked)

    run_session(log, (), body, modern=True)
    assert _calls(log) == ["read_note plan"]


def test_call_without_listing_first_uses_the_servers_annotations(tmp_path):
    log = tmp_path / "calls.log"

    async def body(s: ClientSession) -> None:
        ok = await s.call_tool("read_note", {"name": "todo"})
        assert not ok.is_error

    run_session(log, (), body)
    assert _calls(log) == ["read_note todo"]


def test_server_crash_is_an_error_not_an_allow(tmp_path):
    log = tmp_path / "calls.log"

    async def body(s: ClientSession) -> None:
        with pytest.raises(MCPError):
            await s.call_tool("crash_server", {})
        with pytest.raises(MCPError):
            await s.call_tool("read_note", {"name": "todo"})

    run_session(log, (), body)
    assert _calls(log) == ["crash_server"]


def test_server_that_cannot_start_means_no_proxy(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "interlock", "mcp-proxy", "--",
                           str(tmp_path / "no-such-server")], check=False, input=b"",
                          capture_output=True, env=_env(tmp_path / "log"), timeout=60)
    assert proc.returncode == 1
    assert b"Traceback" not in proc.stderr
    assert b"interlock mcp-proxy:" in proc.stderr


def test_missing_server_command_is_usage_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "interlock", "mcp-proxy"], check=False, input=b"",
                          capture_output=True, env=_env(tmp_path / "log"), timeout=60)
    assert proc.returncode == 1 and b"after `--`" in proc.stderr


def test_broken_policy_denies_every_call(tmp_path):
    log = tmp_path / "calls.log"

    async def body(s: ClientSession) -> None:
        r = await s.call_tool("read_note", {"name": "todo"})
        assert r.is_error and "decision: deny" in _text(r) and "error:" in _text(r)

    run_session(log, ("--policy", str(tmp_path / "missing-pack")), body)
    assert _calls(log) == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_streamable_http(tmp_path):
    from mcp.client.streamable_http import streamable_http_client

    log = tmp_path / "calls.log"
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "interlock", "mcp-proxy", "--http",
                             f"127.0.0.1:{port}", "--", sys.executable, str(SERVER)],
                            env=_env(log), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)

        async def main() -> None:
            async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as streams:
                r, w = streams[0], streams[1]
                async with ClientSession(r, w) as s:
                    await s.initialize()
                    ok = await s.call_tool("read_note", {"name": "todo"})
                    assert _text(ok) == "buy milk"
                    blocked = await s.call_tool("delete_note", {"name": "todo"})
                    assert blocked.is_error and "retry after approval" in _text(blocked)

        anyio.run(main)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert _calls(log) == ["read_note todo"]


# -- the gate, without the SDK ----------------------------------------------------------------

class FakeDecider:
    def __init__(self, decision: Decision | None = None, exc: Exception | None = None):
        self.decision, self.exc, self.seen = decision, exc, []

    def decide(self, obj: Any) -> Decision:
        self.seen.append(obj)
        if self.exc:
            raise self.exc
        assert self.decision is not None
        return self.decision


def _gate(decider: FakeDecider, **kw: Any) -> Gate:
    g = Gate(decider, "srv", **kw)
    g.catalog.absorb([("t", {"readOnlyHint": True, "x-vendor": 1})], reset=True)
    return g


def test_gate_envelope_and_allow():
    d = FakeDecider(Decision("allow", 0, "sandbox", []))
    out = _gate(d, agent="a", on_behalf_of="h").check("t", {"k": 1})
    assert out.forward
    assert d.seen == [{"tool": "mcp", "input": {"server": "srv", "tool": "t",
                                                "arguments": {"k": 1},
                                                "annotations": {"readOnlyHint": True}},
                       "agent": "a", "on_behalf_of": "h"}]


def test_gate_fails_closed_on_decider_exception():
    out = _gate(FakeDecider(exc=RuntimeError("boom"))).check("t", {})
    assert not out.forward and "internal error" in out.text and "boom" in out.text


def test_gate_unknown_tool_denied_without_deciding():
    d = FakeDecider(Decision("allow", 0, "sandbox", []))
    out = _gate(d).check("other", {})
    assert not out.forward and d.seen == []


def test_gate_approval_hook_seam():
    dec = Decision("require_approval", 1, "staging", [{"policy": "p1", "message": "m"}],
                   action_hash="abc")
    seen = []
    out = _gate(FakeDecider(dec), on_require_approval=lambda d, e: seen.append(e) or
                "request r-1: `interlock requests show r-1`").check("t", {})
    assert not out.forward and len(seen) == 1
    assert "needs 1 approval by other humans; retry after approval" in out.text
    assert "[p1] m" in out.text and "request r-1" in out.text

    def broken(d, e):
        raise OSError("store down")
    out = _gate(FakeDecider(dec), on_require_approval=broken).check("t", {})
    assert not out.forward and "store down" in out.text


def test_clean_annotations():
    assert clean_annotations({"readOnlyHint": True, "destructiveHint": "yes", "foo": 1}) == {
        "readOnlyHint": True}
    assert clean_annotations(None) is None and clean_annotations({"foo": 1}) is None


@pytest.mark.parametrize(("cmd", "name"), [
    (["python3", "tests/fixtures/mcp_server.py"], "mcp_server"),
    (["npx", "-y", "@modelcontextprotocol/server-filesystem", "/tmp"], "server-filesystem"),
    (["uvx", "mcp-server-git", "--repository", "."], "mcp-server-git"),
    (["uv", "run", "server.py"], "server"),
    (["/usr/local/bin/github-mcp-server", "stdio"], "github-mcp-server"),
    (["docker", "run", "-i", "--rm", "ghcr.io/github/github-mcp-server"], "github-mcp-server"),
    (["node"], "node"),
])
def test_default_server_name(cmd, name):
    assert default_server_name(cmd) == name
