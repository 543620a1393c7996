"""The Python SDK: Guard.check/enforce, @guarded (sync and async), tool-call mapping and the
duck-typed LangChain adapter, all failing closed."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import interlock
from interlock import ApprovalRequired, Denied, Guard, guarded

ROOT = Path(__file__).resolve().parents[1]
PROD_DELETE = "kubectl --context prod-eu delete deploy api -n web"


@pytest.fixture(scope="module")
def sandbox() -> Guard:
    return Guard(env="sandbox", agent="claude")


@pytest.fixture(scope="module")
def prod() -> Guard:
    return Guard(agent="claude", on_behalf_of="alice")


def test_import_is_lazy():
    code = ("import sys, interlock; assert 'interlock.sdk' not in sys.modules; "
            "assert 'interlock.pipeline' not in sys.modules; interlock.Guard; "
            "assert 'interlock.sdk' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT,
                   env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert interlock.Guard is Guard and "Guard" in dir(interlock)


def test_check_never_raises(sandbox, prod):
    assert sandbox.check("shell", command="ls -la").decision == "allow"
    assert sandbox.check({"tool": "shell", "input": {"command": "rm -rf /"}}).decision == "deny"
    d = prod.check("shell", command=PROD_DELETE)
    assert d.decision == "require_approval" and d.approvals_required == 2
    bad = prod.check({"tool": "nope", "input": {}})
    assert bad.decision == "deny" and bad.error
    assert prod.check(42).decision == "deny"  # type: ignore[arg-type]


def test_principals_are_the_guards(prod):
    env = prod.envelope("shell", command="ls")
    assert env["agent"] == "claude" and env["on_behalf_of"] == "alice"
    # An action naming someone else is not decided as them.
    d = prod.check({"tool": "shell", "input": {"command": "ls"}, "agent": "mallory"})
    assert d.decision == "deny" and "mallory" in d.error


def test_enforce(sandbox, prod):
    assert sandbox.enforce("shell", command="ls").decision == "allow"
    with pytest.raises(Denied) as e:
        sandbox.enforce("shell", command="rm -rf ~")
    assert e.value.decision.decision == "deny" and "catastrophic" in str(e.value)
    with pytest.raises(ApprovalRequired) as a:
        prod.enforce("shell", command=PROD_DELETE)
    assert a.value.approvals_required == 2 and a.value.request_id is None
    assert a.value.decision.action_hash
    # Both are PermissionErrors, so generic handlers still stop.
    assert isinstance(a.value, PermissionError) and not isinstance(a.value, Denied)


def test_guarded_sync(sandbox):
    ran = []

    @sandbox.guarded(tool="shell", build=lambda cmd: {"command": cmd})
    def run(cmd: str) -> str:
        ran.append(cmd)
        return f"ran {cmd}"

    assert run("make test") == "ran make test"
    with pytest.raises(Denied):
        run("rm -rf /")
    assert ran == ["make test"]
    assert run.__name__ == "run"


def test_guarded_async_and_default_build(prod):
    ran = []

    @guarded(prod, tool="shell")  # no build: the arguments by name are the input
    async def shell(command: str) -> str:
        ran.append(command)
        return "ok"

    assert asyncio.run(shell("git status")) == "ok"
    with pytest.raises(ApprovalRequired):
        asyncio.run(shell(PROD_DELETE))
    assert ran == ["git status"]


def test_guarded_envelope_builder(sandbox):
    @sandbox.guarded(build=lambda sql: {"tool": "sql", "input": {"statement": sql}})
    def query(sql: str) -> str:
        return "rows"

    assert query("SELECT 1") == "rows"


def test_guarded_fails_closed_on_builder_errors(sandbox):
    ran = []

    def broken(*a: Any, **k: Any) -> dict:
        raise KeyError("command")

    @sandbox.guarded(tool="shell", build=broken)
    def f(x: str) -> None:
        ran.append(x)

    @sandbox.guarded(tool="shell", build=lambda x: ["not", "a", "mapping"])
    def g(x: str) -> None:
        ran.append(x)

    @sandbox.guarded(tool="shell")  # `cmd` is not a shell input field → deny
    async def h(cmd: str) -> None:
        ran.append(cmd)

    with pytest.raises(Denied, match="could not build"):
        f("ls")
    with pytest.raises(Denied, match="not a mapping"):
        g("ls")
    with pytest.raises(Denied, match="unknown field"):
        asyncio.run(h("ls"))
    assert ran == []
    with pytest.raises(TypeError):
        sandbox.guarded()


def test_tool_call_mapping():
    guard = Guard(env="sandbox", tools={
        "bash": lambda a: {"tool": "shell", "input": {"command": a["cmd"]}},
        "query": lambda a: {"tool": "sql", "input": {"statement": a["q"]}},
    })
    assert guard.tool_call({"name": "bash", "args": {"cmd": "ls"}, "id": "1",
                            "type": "tool_call"}).decision == "allow"
    assert guard.tool_call("bash", {"cmd": "rm -rf /"}).decision == "deny"
    unmapped = guard.tool_call({"name": "mystery", "args": {}})
    assert unmapped.decision == "deny" and "no action builder" in unmapped.error
    broken = guard.tool_call("bash", {})  # builder raises KeyError
    assert broken.decision == "deny" and "KeyError" in broken.error
    with pytest.raises(Denied):
        guard.enforce_tool_call("query", {"q": "DROP DATABASE x; COPY t TO PROGRAM 'sh'"})


class FakeBaseTool:
    """Mimics langchain_core.tools.BaseTool's calling surface."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.description = "a fake tool"
        self.calls: list[Any] = []

    def _run(self, *args: Any, run_manager: Any = None, **kwargs: Any) -> str:
        self.calls.append(kwargs or args)
        return f"{self.name} done"

    async def _arun(self, *args: Any, run_manager: Any = None, **kwargs: Any) -> str:
        return self._run(*args, **kwargs)

    def run(self, tool_input: Any, **kwargs: Any) -> str:
        args = tool_input if isinstance(tool_input, dict) else {"input": tool_input}
        return self._run(**args)

    async def arun(self, tool_input: Any, **kwargs: Any) -> str:
        return self.run(tool_input)

    def invoke(self, input: Any, config: Any = None, **kwargs: Any) -> str:
        if isinstance(input, dict) and input.get("type") == "tool_call":
            input = input["args"]
        return self.run(input)

    async def ainvoke(self, input: Any, config: Any = None, **kwargs: Any) -> str:
        return self.invoke(input, config)


def test_langchain_adapter_generic_and_built(sandbox, prod):
    shell = FakeBaseTool("run_command")
    wrapped = sandbox.wrap_langchain_tool(shell)
    assert wrapped.name == "run_command" and wrapped.description == "a fake tool"
    assert wrapped.invoke({"command": "ls"}) == "run_command done"
    assert wrapped.invoke({"type": "tool_call", "name": "run_command", "id": "x",
                           "args": {"command": "pwd"}}) == "run_command done"
    with pytest.raises(Denied):  # a `command` argument is analysed as shell
        wrapped.invoke({"command": "rm -rf /"})
    with pytest.raises(Denied):
        asyncio.run(wrapped.ainvoke({"command": "rm -rf ~"}))
    with pytest.raises(Denied):
        wrapped._run(command="dd if=/dev/zero of=/dev/sda")
    assert shell.calls == [{"command": "ls"}, {"command": "pwd"}]

    deleter = FakeBaseTool("delete_customer")
    guarded_deleter = prod.wrap_langchain_tool(deleter)
    with pytest.raises(ApprovalRequired):
        guarded_deleter.run({"id": 7})
    assert deleter.calls == []

    built = sandbox.wrap_langchain_tool(
        FakeBaseTool("db"), build=lambda a: {"tool": "sql", "input": {"statement": a["q"]}})
    assert asyncio.run(built.arun({"q": "SELECT 1"})) == "db done"
    with pytest.raises(Denied, match="could not build"):
        built.invoke({"wrong": 1})
