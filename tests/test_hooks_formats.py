"""The agents' documented hook payloads, fed to the real `interlock hook AGENT` process; every
answer is checked for the exact shape the agent honours.

Sources (the sample payloads below follow them field for field):
* Claude Code: https://code.claude.com/docs/en/hooks ("Common input fields" Bash example,
  "PreToolUse input" tool tables, "Exit code 2", "PreToolUse decision control") and
  https://code.claude.com/docs/en/tools-reference (tool names).
* Gemini CLI: google-gemini/gemini-cli docs/hooks/reference.md (base input, BeforeTool, exit 2),
  docs/reference/tools.md ("Tool argument keys"), packages/core/src/hooks/types.ts
  (BeforeToolInput.mcp_context: {server_name, tool_name, command?, url?}).
* Cursor: https://cursor.com/docs/hooks (preToolUse {tool_name, tool_input, tool_use_id, cwd};
  permission/user_message/agent_message), beforeShellExecution/beforeMCPExecution payloads as
  recorded by https://cupcake.eqtylab.io/reference/harnesses/cursor, preToolUse fixtures of
  mksglu/context-mode (tests/fixtures/cursor/pretooluse-{shell,mcp}.json).
* Codex: openai/codex PR #15211 (PreToolUse, deny only), codex-rs/hooks/schema/generated/
  pre-tool-use.command.output.schema.json (additionalProperties: false).
* Kiro CLI: https://kiro.dev/docs/cli/hooks (stdin {hook_event_name, cwd, tool_name,
  tool_input}; exit 2 blocks, stderr to the model), .../reference/built-in-tools.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from hookhelp import CLI_HOOK, run_hook

AGENTS = ["claude-code", "gemini", "cursor", "kiro", "codex"]


# -- exact answer shapes ----------------------------------------------------------------------
def deny_reason(agent: str, proc: subprocess.CompletedProcess) -> str:
    """The reason of a deny, after checking it is exactly the agent's blocking form."""
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert "Traceback" not in out + err
    if agent == "cursor":  # JSON on exit 0 is the form every Cursor hooks release honours
        assert proc.returncode == 0, (proc.returncode, out, err)
        obj = json.loads(out)
        reason = obj["agent_message"]
        assert obj == {"permission": "deny", "user_message": reason, "agent_message": reason,
                       "userMessage": reason, "agentMessage": reason}
        assert reason.strip()
        return reason
    # Claude Code, Codex, Gemini CLI, Kiro CLI: exit 2 is the one status that blocks.
    assert proc.returncode == 2, (proc.returncode, out, err)
    reason = err.strip()
    assert reason
    if agent in ("claude-code", "codex"):
        # Exactly the documented keys: Codex's output schema rejects any other property.
        assert json.loads(out) == {"hookSpecificOutput": {
            "hookEventName": "PreToolUse", "permissionDecision": "deny",
            "permissionDecisionReason": reason}}
    elif agent == "gemini":
        assert json.loads(out) == {"decision": "deny", "reason": reason}
    else:
        assert out == ""
    return reason


def assert_allowed(agent: str, proc: subprocess.CompletedProcess) -> None:
    """Allow defers to the agent's own permission flow: no decision where the agent has that."""
    out, err = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode == 0, (proc.returncode, out, err)
    assert err == ""
    if agent == "cursor":
        assert json.loads(out) == {"permission": "allow"}
    elif agent == "gemini":
        assert json.loads(out) == {}  # Gemini parses stdout as JSON on exit 0
    else:
        assert out == ""


def hook(agent: str, payload: dict | bytes, *args: str, **kw) -> subprocess.CompletedProcess:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return run_hook([agent, "--no-daemon", *args], data, **kw)


# -- Claude Code ------------------------------------------------------------------------------
CLAUDE_BASH = {  # hooks reference, "Common input fields": the PreToolUse Bash example
    "session_id": "abc123", "prompt_id": "550e8400-e29b-41d4-a716-446655440000",
    "transcript_path": "/home/user/.claude/projects/x/transcript.jsonl",
    "cwd": "/home/user/my-project",
    "scratchpad_dir": "/tmp/claude-1000/-home-user-my-project/abc123/scratchpad",
    "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash",
    "tool_input": {"command": "npm test", "description": "Run test suite", "timeout": 120000,
                   "run_in_background": False},
    "tool_use_id": "toolu_01ABC123"}


def claude(tool: str, tool_input: dict, **extra) -> dict:
    return {**CLAUDE_BASH, "tool_name": tool, "tool_input": tool_input, **extra}


def test_claude_documented_bash_sample_needs_approval_in_production() -> None:
    reason = deny_reason("claude-code", hook("claude-code", CLAUDE_BASH))
    assert "shell `npm test` needs approval by 2 other humans" in reason


def test_claude_documented_bash_sample_flows_in_sandbox_with_no_decision() -> None:
    assert_allowed("claude-code", hook("claude-code", CLAUDE_BASH, "--env", "sandbox"))


def test_claude_through_the_interlock_cli_entry() -> None:
    proc = run_hook(["claude-code", "--no-daemon"],
                    json.dumps(claude("Bash", {"command": "rm -rf /"})).encode(), cmd=CLI_HOOK)
    assert "[catastrophic]" in deny_reason("claude-code", proc)


@pytest.mark.parametrize("tool,tool_input", [
    # Read-only or session-only tools from the tools reference: allowed without a decision.
    ("Read", {"file_path": "/home/user/my-project/README.md", "offset": 10, "limit": 50}),
    ("Glob", {"pattern": "**/*.ts", "path": "/home/user/my-project"}),
    ("Grep", {"pattern": "TODO.*fix", "path": "/home/user/my-project", "glob": "*.ts",
              "output_mode": "content", "-i": True, "multiline": False}),
    ("WebSearch", {"query": "react hooks best practices"}),
    ("Agent", {"prompt": "Find all API endpoints", "description": "Find API endpoints",
               "subagent_type": "Explore"}),
    ("AskUserQuestion", {"questions": [{"question": "Which framework?", "header": "Framework",
                                        "options": [{"label": "React"}], "multiSelect": False}]}),
    ("ExitPlanMode", {"plan": "## Refactor", "planFilePath": "/home/user/plans/p.md"}),
    ("TaskCreate", {"subject": "write tests"}),
    ("ToolSearch", {"query": "select:WebFetch"}),
])
def test_claude_read_only_and_session_tools_are_allowed(tool: str, tool_input: dict) -> None:
    assert_allowed("claude-code", hook("claude-code", claude(tool, tool_input)))


def test_claude_read_of_a_credential_file_is_not_allowed() -> None:
    # Claude expands ~ before hooks run; the hook sends the agent's HOME along.
    path = os.path.expanduser("~/.aws/credentials")
    proc = hook("claude-code", claude("Read", {"file_path": path}))
    assert "needs approval" in deny_reason("claude-code", proc)


def test_claude_edit_sample_is_a_file_write() -> None:
    edit = claude("Edit", {"file_path": "/path/to/file.txt", "old_string": "original text",
                           "new_string": "replacement text", "replace_all": False})
    assert "file_write `/path/to/file.txt`" in deny_reason("claude-code", hook("claude-code",
                                                                               edit))
    assert_allowed("claude-code", hook("claude-code", edit, "--env", "sandbox"))


def test_claude_powershell_is_never_read_as_bash() -> None:
    # "Get-ChildItem" would be an unknown bash program; `rm` is PowerShell's Remove-Item alias.
    ps = claude("PowerShell", {"command": "rm -r C:\\data", "description": "clean",
                               "timeout": 120000, "run_in_background": False})
    reason = deny_reason("claude-code", hook("claude-code", ps))
    assert "pwsh -NoProfile -Command" in reason and "needs approval" in reason


def test_claude_mcp_server_name_comes_from_mcp_server_field() -> None:
    # v2.1.274+: mcp_server {name, source}; a server name may itself contain "__".
    call = claude("mcp__db__prod__drop_table", {"table": "users"},
                  mcp_server={"name": "db__prod", "source": "project"})
    assert "mcp `db__prod/drop_table`" in deny_reason("claude-code", hook("claude-code", call))


@pytest.mark.parametrize("tool", ["Workflow", "Artifact", "RemoteTrigger", "SendUserFile",
                                  "EnterWorktree", "Frobnicate"])
def test_claude_tools_that_act_outside_or_are_unknown_are_denied(tool: str) -> None:
    reason = deny_reason("claude-code", hook("claude-code", claude(tool, {"x": 1})))
    assert f"unknown tool '{tool}'" in reason


def test_claude_monitor_websocket_without_command_is_denied() -> None:
    proc = hook("claude-code", claude("Monitor", {"url": "wss://feed.example/x"}))
    assert "missing command" in deny_reason("claude-code", proc)


# -- Gemini CLI -------------------------------------------------------------------------------
def gemini(tool: str, tool_input: dict, **extra) -> dict:
    return {"session_id": "s1", "transcript_path": "/home/dev/.gemini/tmp/x/chat.json",
            "cwd": "/srv/app", "hook_event_name": "BeforeTool",
            "timestamp": "2026-01-28T10:00:00Z", "tool_name": tool, "tool_input": tool_input,
            **extra}


@pytest.mark.parametrize("tool,tool_input", [
    ("grep_search", {"pattern": "TODO", "path": "src", "include": "*.py"}),
    ("search_file_content", {"pattern": "TODO"}),
    ("glob", {"pattern": "**/*.py", "path": "/srv/app"}),
    ("list_directory", {"dir_path": "/srv/app", "ignore": ["node_modules"]}),
    ("read_file", {"file_path": "/srv/app/README.md", "offset": 0, "limit": 20}),
    ("ask_user", {"questions": [{"question": "Go?", "header": "Go", "type": "choice"}]}),
    ("update_topic", {"title": "t", "summary": "s"}),
    ("activate_skill", {"name": "pdf"}),
    ("enter_plan_mode", {"reason": "complex"}),
])
def test_gemini_read_only_tools_allow_with_empty_json(tool: str, tool_input: dict) -> None:
    assert_allowed("gemini", hook("gemini", gemini(tool, tool_input)))


def test_gemini_shell_deny_carries_decision_and_reason() -> None:
    proc = hook("gemini", gemini("run_shell_command", {"command": "rm -rf ~", "description": "x",
                                                       "dir_path": "/srv/app",
                                                       "is_background": False}))
    assert "catastrophic" in deny_reason("gemini", proc)


def test_gemini_mcp_context_wins_over_a_builtin_name() -> None:
    # An MCP server's tool named like a built-in is the MCP call, not Gemini's write_file.
    call = gemini("write_file", {"file_path": "/srv/app/x", "content": "y"},
                  mcp_context={"server_name": "github", "tool_name": "write_file",
                               "url": "https://api.example.com/mcp"})
    assert "mcp `github/write_file`" in deny_reason("gemini", hook("gemini", call))


def test_gemini_mcp_context_names_single_underscore_tools() -> None:
    call = gemini("mcp_db_drop_table", {"table": "users"},
                  mcp_context={"server_name": "db", "tool_name": "drop_table",
                               "command": "npx db-mcp"})
    assert "mcp `db/drop_table`" in deny_reason("gemini", hook("gemini", call))


def test_gemini_discovered_tool_is_denied() -> None:
    proc = hook("gemini", gemini("discovered_tool_deploy", {"env": "prod"}))
    assert "unknown tool" in deny_reason("gemini", proc)


# -- Cursor -----------------------------------------------------------------------------------
def cursor(tool: str, tool_input, **extra) -> dict:
    return {"tool_name": tool, "tool_input": tool_input, "tool_use_id": "cursor-tool-001",
            "cwd": "/tmp/cursor-project", "conversation_id": "cursor-conv-001",
            "generation_id": "cursor-gen-001", "model": "gpt-5",
            "hook_event_name": "preToolUse", "cursor_version": "1.105.1",
            "workspace_roots": ["/tmp/cursor-project"],
            "transcript_path": "/tmp/cursor-transcripts/cursor-conv-001.jsonl", **extra}


def test_cursor_shell_is_decided_once_by_its_dedicated_event() -> None:
    # preToolUse passes Shell, Read and MCP on: beforeShellExecution / beforeReadFile /
    # beforeMCPExecution (installed beside it) decide them, so an approval is filed and
    # redeemed once, not twice.
    for tool, tool_input in [("Shell", {"command": "rm -rf /"}),
                             ("Read", {"path": "/etc/shadow"}),
                             ("MCP:ctx_execute", {"language": "shell", "code": "rm -rf /"})]:
        assert_allowed("cursor", hook("cursor", cursor(tool, tool_input)))
    shell = {"hook_event_name": "beforeShellExecution", "conversation_id": "c",
             "generation_id": "g", "workspace_roots": ["/tmp/cursor-project"],
             "command": "rm -rf /", "cwd": "/tmp/cursor-project"}
    assert "catastrophic" in deny_reason("cursor", hook("cursor", shell))


def test_cursor_own_file_edits_are_gated() -> None:
    write = cursor("Write", {"path": "/tmp/cursor-project/main.tf", "contents": "x"})
    assert "file_write `/tmp/cursor-project/main.tf`" in deny_reason("cursor",
                                                                     hook("cursor", write))
    assert_allowed("cursor", hook("cursor", write, "--env", "sandbox"))
    delete = cursor("Delete", {"path": "data.db"})  # relative: resolved against cwd
    assert "/tmp/cursor-project/data.db" in deny_reason("cursor", hook("cursor", delete))


def test_cursor_edit_without_a_path_is_denied() -> None:
    proc = hook("cursor", cursor("Edit", {"strReplace": {"oldText": "a", "newText": "b"}}))
    assert "missing path" in deny_reason("cursor", proc)


def test_cursor_task_is_allowed_unknown_is_denied_unless_operator_allows() -> None:
    assert_allowed("cursor", hook("cursor", cursor("Task", {"prompt": "explore"})))
    unknown = cursor("Frobnicate", {"x": 1})
    assert "unknown tool" in deny_reason("cursor", hook("cursor", unknown))
    assert_allowed("cursor", hook("cursor", unknown, "--allow-tool", "Frobnicate"))


def test_cursor_before_mcp_execution_with_json_text_input() -> None:
    payload = {"hook_event_name": "beforeMCPExecution", "conversation_id": "c",
               "generation_id": "g", "workspace_roots": ["/srv/app"],
               "tool_name": "database_query",
               "tool_input": "{\"query\": \"DROP TABLE users\"}",
               "command": "npx mcp-server"}
    assert "mcp `mcp-server/database_query`" in deny_reason("cursor", hook("cursor", payload))


def test_cursor_empty_cwd_falls_back_to_the_workspace_root() -> None:
    payload = {"hook_event_name": "beforeShellExecution", "conversation_id": "c",
               "generation_id": "g", "workspace_roots": ["/srv/app"],
               "command": "rm -rf ./*", "cwd": ""}
    assert deny_reason("cursor", hook("cursor", payload))


# -- Codex ------------------------------------------------------------------------------------
def codex(tool: str, tool_input: dict) -> dict:
    return {"session_id": "019a-s", "turn_id": "t1", "cwd": "/srv/app",
            "hook_event_name": "PreToolUse", "tool_name": tool, "tool_input": tool_input,
            "tool_use_id": "call_1"}


def test_codex_deny_json_has_only_schema_keys() -> None:
    reason = deny_reason("codex", hook("codex", codex("Bash", {"command": "rm -rf /"})))
    assert "catastrophic" in reason


@pytest.mark.parametrize("tool", ["Bash", "shell_command", "local_shell"])
def test_codex_shell_spellings(tool: str) -> None:
    assert_allowed("codex", hook("codex", codex(tool, {"command": "ls -la"})))


# -- Kiro CLI ---------------------------------------------------------------------------------
def kiro(tool: str, tool_input: dict) -> dict:
    return {"hook_event_name": "preToolUse", "cwd": "/srv/app", "tool_name": tool,
            "tool_input": tool_input}


def test_kiro_deny_is_exit_2_with_stderr_only() -> None:
    proc = hook("kiro", kiro("execute_bash", {"command": "rm -rf /"}))
    assert "catastrophic" in deny_reason("kiro", proc)


def test_kiro_web_search_allowed_knowledge_denied() -> None:
    assert_allowed("kiro", hook("kiro", kiro("web_search", {"query": "x"})))
    assert "unknown tool" in deny_reason("kiro", hook("kiro", kiro("knowledge", {"x": 1})))


# -- every failure path ends in the agent's own deny ------------------------------------------
def _event(agent: str) -> str:
    return {"claude-code": "PreToolUse", "codex": "PreToolUse", "gemini": "BeforeTool",
            "kiro": "preToolUse", "cursor": "preToolUse"}[agent]


FAILURES = {
    "empty stdin": b"",
    "whitespace": b" \n\t",
    "bad json": b"{\"tool_name\": ",
    "json array": b"[]",
    "invalid utf-8": b"\xff\xfe{}",
    "nested too deep": b"[" * 200000,
}


@pytest.mark.parametrize("what", list(FAILURES))
@pytest.mark.parametrize("agent", AGENTS)
def test_malformed_stdin_denies_in_the_agents_form(agent: str, what: str) -> None:
    assert deny_reason(agent, hook(agent, FAILURES[what]))


@pytest.mark.parametrize("agent", AGENTS)
def test_missing_fields_deny(agent: str) -> None:
    event = _event(agent)
    for payload in ({"hook_event_name": event},                       # no tool_name
                    {"hook_event_name": event, "tool_name": ""},
                    {"hook_event_name": event, "tool_name": 7},
                    {"hook_event_name": event, "tool_name": "Bash" if agent != "cursor"
                     else "Shell", "tool_input": "not an object"},
                    {"hook_event_name": "SomethingElse", "tool_name": "Bash",
                     "tool_input": {"command": "ls"}}):
        assert deny_reason(agent, hook(agent, payload)), payload


@pytest.mark.parametrize("agent", AGENTS)
def test_input_over_the_limit_denies(agent: str) -> None:
    huge = b"{\"tool_name\": \"x\", \"tool_input\": {\"a\": \"" + b"a" * (33 << 20) + b"\"}}"
    assert "larger than" in deny_reason(agent, hook(agent, huge))


@pytest.mark.parametrize("agent", AGENTS)
def test_no_decision_within_the_deadline_denies(agent: str) -> None:
    payload = {"claude-code": CLAUDE_BASH, "codex": codex("Bash", {"command": "ls"}),
               "gemini": gemini("read_file", {"file_path": "/srv/app/a"}),
               "kiro": kiro("execute_bash", {"command": "ls"}),
               "cursor": cursor("Write", {"path": "/tmp/cursor-project/a", "contents": "x"})
               }[agent]
    proc = hook(agent, payload, extra_env={"INTERLOCK_HOOK_DEADLINE": "0.01"})
    assert "deadline" in deny_reason(agent, proc)


@pytest.mark.parametrize("agent", AGENTS)
def test_internal_error_denies(agent: str, tmp_path) -> None:
    # A policy pack that does not load is an internal failure of the decision, not an allow.
    (tmp_path / "broken.cedar").write_text("forbid(principal, action, resource) when { ??? };")
    payload = {"claude-code": CLAUDE_BASH, "codex": codex("Bash", {"command": "ls"}),
               "gemini": gemini("read_file", {"file_path": "/srv/app/a"}),
               "kiro": kiro("execute_bash", {"command": "ls"}),
               "cursor": cursor("Write", {"path": "/tmp/cursor-project/a", "contents": "x"})
               }[agent]
    assert deny_reason(agent, hook(agent, payload, "--policy", str(tmp_path)))
