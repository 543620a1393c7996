"""The web inbox in a real browser (Debian's Chromium driven by Playwright) against a real
`interlock serve` subprocess on a temporary SQLite store.

Requests are opened by real decisions: an agent acting for alice posts a Terraform plan with a
stateful replace (and a shell command) to `POST /v1/decisions` with its own token.

Needs `pip install 'playwright>=1.40,<2'` and `apt-get install chromium` (no `playwright
install`). Skipped when either is missing, unless INTERLOCK_REQUIRE_BROWSER=1 (CI) makes that a
failure. INTERLOCK_WEB_SCREENSHOTS=DIR also writes the inbox/request screenshots there (the
docs use docs/img).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
FIXTURE = ROOT / "tests" / "fixtures" / "terraform" / "google_sql_replace.json"
INVENTORY = """\
default = "production"
[[rule]]
tier = "production"
tf_workspace = ["prod"]
kube_context = ["prod-*"]
"""
WAIT_MS = 12_000  # > the page's 3 s poll, with room for a slow CI machine


def _need_browser() -> Any:
    required = os.environ.get("INTERLOCK_REQUIRE_BROWSER") == "1"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if required:
            raise
        pytest.skip("playwright is not installed (pip install 'playwright>=1.40,<2')")
    if not os.access(CHROMIUM, os.X_OK):
        if required:
            pytest.fail(f"{CHROMIUM} is missing (apt-get install -y chromium)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    return sync_playwright


# -- the server --------------------------------------------------------------------------------
class Server:
    def __init__(self, url: str, tokens: dict[str, str], proc: subprocess.Popen[str]):
        self.url, self.tokens, self.proc = url, tokens, proc

    def ui(self, path: str = "/") -> str:
        return f"{self.url}/ui{path}"

    def decide(self, who: str, envelope: dict[str, Any]) -> dict[str, Any]:
        req = urllib.request.Request(f"{self.url}/v1/decisions",
                                     data=json.dumps(envelope).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {self.tokens[who]}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=20) as resp:
            return json.loads(resp.read())


def _principals(db_url: str) -> dict[str, str]:
    from interlock.principals import add_principal
    from interlock.store import open_store

    people = [("alice", "human", ["approver"], None), ("bob", "human", ["approver"], None),
              ("carol", "human", ["approver", "admin", "operator"], None),
              ("erin", "human", ["approver"], None),
              ("claude-ops", "agent", [], "alice")]
    tokens: dict[str, str] = {}
    with open_store(db_url) as store:
        for name, kind, roles, acts_for in people:
            tokens[name] = add_principal(store, name, kind, roles, acts_for=acts_for)[1]
    return tokens


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("web")
    db_url = f"sqlite:///{tmp / 'interlock.db'}"
    (tmp / "inventory.toml").write_text(INVENTORY)
    tokens = _principals(db_url)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "interlock", "serve", "--db", db_url, "--inventory",
         str(tmp / "inventory.toml"), "--port", "0", "--no-access-log"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"listening on (http://\S+)", line)
    if match is None:
        proc.kill()
        pytest.fail(f"serve did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}")
    try:
        yield Server(match.group(1), tokens, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def requests_opened(server: Server) -> dict[str, str]:
    plan = json.loads(FIXTURE.read_text())
    tf = server.decide("claude-ops", {"tool": "terraform",
                                      "input": {"plan": plan, "workspace": "prod"}})
    assert tf["decision"] == "require_approval" and tf["approvals_required"] == 2, tf
    sh = server.decide("claude-ops", {"tool": "shell", "input": {
        "command": "kubectl --context prod-eu -n payments delete deployment api-canary "
                   "&& echo \"done $USER\" | tee -a /tmp/deploy.log"}})
    assert sh["decision"] == "require_approval", sh
    sql = server.decide("claude-ops", {"tool": "sql", "input": {
        "statement": "DELETE FROM invoices WHERE created_at < now() - interval '90 days';",
        "database": "postgres://app@db.prod.internal/billing"}})
    assert sql["decision"] == "require_approval", sql
    return {"terraform": tf["request_id"], "shell": sh["request_id"], "sql": sql["request_id"]}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_playwright = _need_browser()
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def sign_in(browser: Any, server: Server, who: str) -> Any:
    ctx = browser.new_context(viewport={"width": 1360, "height": 900})
    ctx.set_default_timeout(WAIT_MS)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.console_errors = errors  # CSP violations and script errors show up here
    page.goto(server.ui("/login"))
    page.get_by_label("Your token").fill(server.tokens[who])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server.ui("/"))
    return page


def shots(page: Any, name: str, tmp: Path) -> None:
    page.screenshot(path=str(tmp / name), full_page=True)
    out = os.environ.get("INTERLOCK_WEB_SCREENSHOTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(out) / name), full_page=True)


# -- the tests -----------------------------------------------------------------------------------
def test_agent_cannot_sign_in(browser: Any, server: Server) -> None:
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(server.ui("/login"))
    page.get_by_label("Your token").fill(server.tokens["claude-ops"])
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    assert "Agents cannot sign in" in alert.inner_text()
    assert page.url.startswith(server.ui("/login"))
    assert not [c for c in ctx.cookies() if c["name"] == "interlock_session"]
    page.get_by_label("Your token").fill("not-a-token")
    page.get_by_role("button", name="Sign in").click()
    assert "Unknown, expired or revoked token" in page.get_by_role("alert").inner_text()
    ctx.close()


def test_session_cookie_is_httponly_strict(browser: Any, server: Server) -> None:
    page = sign_in(browser, server, "bob")
    cookie = next(c for c in page.context.cookies() if c["name"] == "interlock_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/ui"
    assert page.evaluate("document.cookie") == ""  # not readable by scripts
    page.context.close()


def test_two_person_approval_in_the_browser(browser: Any, server: Server,
                                            requests_opened: dict[str, str],
                                            tmp_path: Path) -> None:
    rid = requests_opened["terraform"]
    # alice: the human the agent acted for. She sees the request, but may not approve it.
    alice = sign_in(browser, server, "alice")
    row = alice.locator(f'tr[data-request="{rid}"]')
    assert "production" in row.locator(".tier").inner_text().lower()
    assert "claude-ops" in row.inner_text() and "alice" in row.inner_text()
    assert "0/2" in row.locator(".votes").inner_text().replace(" ", "")
    assert row.locator(".chip-danger").count() >= 1  # the replace is highlighted
    row.locator("a.action-link").click()
    alice.wait_for_url(server.ui(f"/requests/{rid}"))
    plan = alice.locator("section", has=alice.get_by_role("heading", name="Terraform plan"))
    groups = plan.locator(".plan-group h3").all_inner_texts()
    assert "replace · stateful (data loss)" in groups[0]  # data loss first
    assert "google_sql_database_instance.main" in plan.locator(".plan-replace-stateful").inner_text()
    assert "forces replacement: region" in plan.inner_text()
    assert alice.get_by_role("button", name="Approve").is_disabled()
    assert alice.get_by_role("button", name="Reject").is_disabled()
    reason = alice.locator("#vote-disabled-reason").inner_text()
    assert "on your behalf" in reason and "claude-ops" in reason
    # A forged POST without the form's CSRF token is refused (and changes nothing).
    forged = alice.request.post(server.ui(f"/requests/{rid}/vote"),
                                form={"choice": "approve", "comment": "me"})
    assert forged.status == 403 and "CSRF" in forged.text()
    # A vote she cannot cast is refused by the server too, even with a valid token.
    csrf = alice.locator('input[name="csrf"]').first.get_attribute("value")
    forced = alice.request.post(server.ui(f"/requests/{rid}/vote"),
                                form={"choice": "approve", "comment": "me", "csrf": csrf})
    assert forced.ok and "Your vote was refused" in forced.text()  # flashed on the page
    alice.evaluate("window.__stillHere = true")  # proves the updates below need no reload

    # bob approves: alice's open page shows 1 of 2 without a reload.
    bob = sign_in(browser, server, "bob")
    bob.goto(server.ui(f"/requests/{rid}"))
    assert bob.get_by_role("button", name="Approve").is_enabled()
    bob.get_by_label("Comment").fill("Region move was planned in CHG-1182; snapshot taken.")
    bob.get_by_role("button", name="Approve").click()
    bob.wait_for_url(server.ui(f"/requests/{rid}"))
    assert "1 of 2" in bob.get_by_role("status").filter(has_text="approved").first.inner_text()
    assert bob.get_by_role("button", name="Approve").is_disabled()
    assert "already voted" in bob.locator("#vote-disabled-reason").inner_text()
    alice.locator("#live .quorum").filter(has_text="1 of 2").wait_for()

    # carol's approval reaches quorum; alice's page turns Approved, live.
    carol = sign_in(browser, server, "carol")
    shots(carol, "inbox.png", tmp_path)
    carol.goto(server.ui(f"/requests/{rid}"))
    shots(carol, "request.png", tmp_path)
    carol.get_by_label("Comment").fill("Checked the plan diff, LGTM.")
    carol.get_by_role("button", name="Approve").click()
    carol.wait_for_url(server.ui(f"/requests/{rid}"))
    assert carol.locator("#request-state").inner_text() == "Approved"
    alice.locator("#request-state", has_text="Approved").wait_for()
    assert alice.evaluate("window.__stillHere") is True
    assert "already approved" in alice.locator("#vote-disabled-reason").inner_text()
    votes = alice.locator(".votes-list").inner_text()
    assert "bob" in votes and "carol" in votes and "alice" not in votes

    # The inbox (pending) no longer lists it; the refused self-vote was audited.
    carol.goto(server.ui("/"))
    assert carol.locator(f'tr[data-request="{rid}"]').count() == 0
    carol.goto(server.ui(f"/audit?target={rid}"))
    timeline = carol.locator(".timeline").inner_text()
    assert "vote.refused" in timeline and "request.approved" in timeline
    for page in (alice, bob, carol):
        assert page.console_errors == [], page.console_errors
        page.context.close()


def test_inbox_shows_new_requests_without_reload(browser: Any, server: Server,
                                                 requests_opened: dict[str, str]) -> None:
    bob = sign_in(browser, server, "bob")
    bob.evaluate("window.__stillHere = true")
    new = server.decide("claude-ops", {"tool": "http", "input": {
        "method": "DELETE", "url": "https://api.prod.internal/v1/users/42"}})
    assert new["decision"] == "require_approval", new
    rid = new["request_id"]
    bob.locator(f'tr[data-request="{rid}"]').wait_for()
    assert bob.evaluate("window.__stillHere") is True
    bob.get_by_label("Tier").select_option("staging")
    bob.get_by_role("button", name="Filter").click()
    assert "No pending requests match these filters" in bob.locator("#inbox-rows").inner_text()
    assert bob.console_errors == [], bob.console_errors
    bob.context.close()


def test_reject_path_and_audit_chain(browser: Any, server: Server,
                                     requests_opened: dict[str, str], tmp_path: Path) -> None:
    rid = requests_opened["shell"]
    erin = sign_in(browser, server, "erin")
    erin.goto(server.ui(f"/requests/{rid}"))
    code = erin.locator("pre.code-shell")
    assert code.locator(".hl-cmd").first.inner_text() == "kubectl"
    assert code.locator(".hl-op", has_text="&&").count() == 1
    erin.get_by_label("Comment").fill("Not during the freeze window.")
    erin.get_by_role("button", name="Reject").click()
    erin.wait_for_url(server.ui(f"/requests/{rid}"))
    assert erin.locator("#request-state").inner_text() == "Rejected"
    assert "vetoed by erin" in erin.locator("#live").inner_text()
    # A second vote is refused (not pending, already voted), and says so.
    assert erin.get_by_role("button", name="Approve").is_disabled()
    erin.context.close()

    carol = sign_in(browser, server, "carol")
    carol.goto(server.ui("/audit"))
    status = carol.locator("#chain-status")
    assert "Chain verified" in status.inner_text()
    shots(carol, "audit.png", tmp_path)
    assert "request.rejected" in carol.locator(".timeline").inner_text()
    with carol.expect_download() as dl:
        carol.get_by_role("link", name="Export post-mortem (Markdown)").click()
    text = Path(dl.value.path()).read_text()
    assert text.startswith("# interlock post-mortem timeline") and "request.rejected" in text
    # Approvers without the operator role do not read the audit log.
    bob = sign_in(browser, server, "bob")
    resp = bob.goto(server.ui("/audit"))
    assert resp is not None and resp.status == 403
    carol.context.close()
    bob.context.close()


def test_kill_switch_and_freeze_for_admins(browser: Any, server: Server,
                                           requests_opened: dict[str, str],
                                           tmp_path: Path) -> None:
    carol = sign_in(browser, server, "carol")
    carol.goto(server.ui("/agents/claude-ops"))
    assert "delete deployment api-canary" in carol.locator("main").inner_text()
    carol.get_by_label("Reason").fill("runaway loop")
    carol.get_by_role("button", name="Kill claude-ops").click()
    assert "Kill switch on" in carol.locator(".banner-kill").inner_text()
    shots(carol, "agent.png", tmp_path)
    denied = server.decide("claude-ops", {"tool": "shell", "input": {"command": "ls"}})
    assert denied["decision"] == "deny"
    carol.get_by_role("button", name="Turn the kill switch off").click()
    assert carol.locator(".banner-kill").count() == 0

    carol.goto(server.ui("/controls"))
    carol.get_by_label("Reason to freeze staging").fill("incident 42")
    carol.get_by_role("button", name="Freeze staging").click()
    assert "Staging is frozen" in carol.locator(".banner-freeze").inner_text()
    carol.get_by_role("button", name="Unfreeze staging").click()
    assert carol.locator(".banner-freeze").count() == 0
    carol.context.close()

    bob = sign_in(browser, server, "bob")  # an approver, not an admin: no controls
    bob.goto(server.ui("/agents/claude-ops"))
    assert bob.get_by_role("button", name="Kill claude-ops").count() == 0
    csrf = bob.locator('input[name="csrf"]').first.get_attribute("value")
    resp = bob.request.post(server.ui("/controls/freeze"),
                            form={"tier": "production", "reason": "x", "csrf": csrf})
    assert resp.status == 403
    bob.context.close()
