"""What operators' policies can key on: the program behind an effect, the MCP server/tool."""

from __future__ import annotations

import shutil

from interlock.pipeline import Decider
from interlock.policy import PACK_DIR


def _pack(tmp_path, extra: str):
    for p in PACK_DIR.iterdir():
        shutil.copy(p, tmp_path / p.name)
    (tmp_path / "operator.cedar").write_text(extra)
    return tmp_path


def test_policy_can_name_the_program_even_behind_wrappers(tmp_path):
    pack = _pack(tmp_path, '@id("no-kubectl-changes")\n@reason("kubectl changes go through CD")\n'
                 'forbid (principal, action in Action::"change", resource)\n'
                 'when { context.program == "kubectl" };\n')
    d = Decider(pack, None, "sandbox")
    r = d.decide({"tool": "shell", "input": {"command": "sudo env A=1 kubectl delete pod x"}})
    assert r.decision == "deny"
    assert r.reasons[0]["policy"] == "no-kubectl-changes"
    assert d.decide({"tool": "shell", "input": {"command": "rm -f /tmp/x"}}).decision == "allow"
    assert d.decide({"tool": "shell", "input": {"command": "kubectl get pods"}}).decision == "allow"


def test_policy_can_name_an_mcp_server_and_tool(tmp_path):
    pack = _pack(tmp_path, '@id("github-needs-one")\n@approvals("1")\n@reason("r")\n'
                 'forbid (principal, action, resource)\n'
                 'when { context.mcp_server == "github" && context.mcp_tool like "create_*" };\n')
    d = Decider(pack, None, "sandbox")
    r = d.decide({"tool": "mcp", "input": {"server": "github", "tool": "create_issue",
                                           "arguments": {}}})
    assert r.decision == "require_approval" and r.approvals_required == 1
    r = d.decide({"tool": "mcp", "input": {"server": "gitlab", "tool": "create_issue",
                                           "arguments": {}}})
    assert r.decision == "allow"
