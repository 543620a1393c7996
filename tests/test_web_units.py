"""The web inbox without a browser: escaping, the plan diff model, vote eligibility (must agree
with approvals.vote), sessions, sign-in and CSRF, headers. Fast; the browser flow is in
test_web_browser.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from interlock.actions import parse_action
from interlock.approvals import Conflict, Forbidden, open_request, vote
from interlock.decision import Decision
from interlock.effects import Effect, Target, Verb
from interlock.principals import add_principal
from interlock.server.web.eligibility import can_vote
from interlock.server.web.highlight import highlight_shell, highlight_sql
from interlock.server.web.plan import plan_view
from interlock.server.web.sessions import IDLE_SECONDS, MAX_PER_PRINCIPAL, SessionStore, _digest
from interlock.store.store import Store
from interlock.store import open_store

BASE = "http://127.0.0.1:8733"


# -- highlighting ------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "echo '<script>alert(1)</script>' > /tmp/x",
    "echo \"</span><img src=x onerror=alert(1)>\"",
    "cat <<EOF\n<b>bold</b>\nEOF",
    "echo $((",  # does not parse: plain, still escaped
    "rm -rf \"$DIR\"/* # <i>",
])
def test_shell_highlight_escapes_everything(text: str) -> None:
    html = str(highlight_shell(text))
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">") \
        .replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&") == text


def test_shell_highlight_classes() -> None:
    html = str(highlight_shell("kubectl --context prod delete ns x && echo \"$HOME\""))
    assert '<span class="hl-cmd">kubectl</span>' in html
    assert '<span class="hl-flag">--context</span>' in html
    assert '<span class="hl-op">&amp;&amp;</span>' in html
    assert 'class="hl-str"' in html


def test_sql_highlight_escapes_and_keeps_text() -> None:
    sql = "DELETE FROM t WHERE x = '<script>' -- </pre>\n;"
    html = str(highlight_sql(sql))
    assert "<script" not in html and "</pre>" not in html
    assert '<span class="hl-kw">DELETE</span>' in html
    assert html.count("hl-str") == 1
    assert str(highlight_sql("SELECT 'unterminated")) == "SELECT &#39;unterminated"


# -- the plan diff -------------------------------------------------------------------------------
def _e(verb: str, resource: str, stateful: bool = False, detail: str = "") -> dict[str, Any]:
    return {"verb": verb, "resource": resource, "stateful": stateful, "detail": detail,
            "environment": "production", "risks": []}


def test_plan_groups_data_loss_first_with_replace_paths() -> None:
    view = plan_view([
        _e("create", "aws_s3_bucket.logs", detail="plan: 1 to create, 0 to update"),
        _e("update", "aws_instance.web"),
        _e("delete", "aws_iam_role.old"),
        _e("replace", "aws_db_instance.main", True,
           "plan: 1 to create, 0 to update; replace (destroy then create); "
           "replace paths: engine_version, storage.encrypted"),
        _e("delete", "aws_rds_cluster.data", True),
    ])
    assert [g.key for g in view.groups] == ["replace-stateful", "delete-stateful", "delete",
                                            "update", "create"]
    first = view.groups[0].rows[0]
    assert first.address == "aws_db_instance.main"
    assert first.replace_paths == "engine_version, storage.encrypted"
    assert not any(d.startswith(("plan: ", "replace paths")) for d in first.details)
    assert view.planwide == ["plan: 1 to create, 0 to update"]  # said once
    assert view.groups[0].danger and not view.groups[-1].danger


# -- eligibility agrees with approvals.vote --------------------------------------------------------
@pytest.fixture()
def store(tmp_path: Any) -> Iterator[Any]:
    with open_store(f"sqlite:///{tmp_path / 's.db'}") as s:
        yield s


def _people(store: Any) -> dict[str, Any]:
    out = {}
    for name, kind, roles, acts_for in [
            ("alice", "human", ["approver"], None), ("bob", "human", ["approver"], None),
            ("carol", "human", ["admin"], None), ("olga", "human", ["operator"], None),
            ("agent1", "agent", [], "alice")]:
        out[name] = add_principal(store, name, kind, roles, acts_for=acts_for)[0]
    return out


def _open(store: Any, who: Any, command: str = "touch /srv/x") -> str:
    action = parse_action({"tool": "shell", "input": {"command": command}, "agent": who.name,
                           "on_behalf_of": who.acts_for})
    from interlock.actions import action_hash

    effect = Effect(Verb.CREATE, f"path {command}", (Target("host", "h"),))
    d = Decision("require_approval", 2, "production",
                 [{"policy": "change.production", "message": "two approvals"}], [effect],
                 action_hash(action), policy_version="v1")
    return open_request(store, d, action, who)[0].id


def test_can_vote_agrees_with_vote(store: Any) -> None:
    p = _people(store)
    rid = _open(store, p["agent1"])
    expected = {"alice": "on your behalf", "agent1": "Agents never approve",
                "olga": "no approver or admin role", "bob": "", "carol": ""}
    for name, why in expected.items():
        ok, reason = can_vote(store, rid, p[name])
        assert ok is (why == ""), (name, reason)
        assert why in reason
        if not ok:
            with pytest.raises(Forbidden):
                vote(store, rid, p[name], "approve", "x")
    vote(store, rid, p["bob"], "approve", "ok")
    ok, reason = can_vote(store, rid, p["bob"])
    assert not ok and "already voted" in reason
    with pytest.raises(Forbidden):
        vote(store, rid, p["bob"], "approve", "again")
    vote(store, rid, p["carol"], "approve", "ok")
    ok, reason = can_vote(store, rid, p["carol"])
    assert not ok and "already approved" in reason


def test_can_vote_refuses_expired(store: Any) -> None:
    p = _people(store)
    rid = _open(store, p["agent1"])
    store.clock = lambda: __import__("datetime").datetime.now(
        __import__("datetime").UTC) + timedelta(hours=2)
    ok, reason = can_vote(store, rid, p["bob"])
    assert not ok and "expired" in reason
    with pytest.raises(Conflict):
        vote(store, rid, p["bob"], "approve", "late")


# -- sessions ---------------------------------------------------------------------------------------
def test_sessions_live_in_the_store_and_expire(store: Any) -> None:
    from datetime import timedelta

    from interlock.store import models as m

    start = store.now()
    now = [start]
    clocked = Store(store.url, store.engine, clock=lambda: now[0])
    sessions = SessionStore(clocked)
    s = sessions.create("tok", "bob")
    assert len(s.id) >= 40 and s.csrf != s.id
    # a second replica (another SessionStore on the same database) knows the session
    other = SessionStore(Store(store.url, store.engine, clock=lambda: now[0]))
    got = other.get(s.id)
    assert got is not None and got.name == "bob" and got.csrf == s.csrf
    # the database holds neither the cookie's id nor the token
    with store.read() as db:
        row = db.get(m.WebSession, _digest(s.id))
        assert row is not None and s.id not in (row.id_hash, row.csrf) and row.token_hash != "tok"
    # flashes cross replicas too, and are shown once
    got.flash("ok", "approved")
    assert sessions.get(s.id).take_flashes() == [("ok", "approved")]
    assert other.get(s.id).take_flashes() == []
    # activity keeps a session alive; an idle hour or twelve hours in all end it
    for _ in range(5):
        now[0] += timedelta(seconds=IDLE_SECONDS - 120)
        assert sessions.get(s.id) is not None
    now[0] = start + timedelta(hours=13)
    assert sessions.get(s.id) is None
    s2 = sessions.create("tok", "bob")
    now[0] += timedelta(seconds=IDLE_SECONDS + 1)
    assert other.get(s2.id) is None
    assert sessions.get("x" * 500) is None and sessions.get("") is None
    # signing out drops the session everywhere
    s3 = sessions.create("tok", "bob")
    other.drop(s3.id)
    assert sessions.get(s3.id) is None


def test_a_human_keeps_a_bounded_number_of_sessions(store: Any) -> None:
    sessions = SessionStore(store)
    made = [sessions.create("tok", "bob") for _ in range(MAX_PER_PRINCIPAL + 5)]
    alive = [s.id for s in made if sessions.get(s.id) is not None]
    assert alive == [s.id for s in made[-MAX_PER_PRINCIPAL:]]  # the oldest went first


# -- the app ------------------------------------------------------------------------------------------
@pytest.fixture()
def client(store: Any) -> Iterator[tuple[TestClient, dict[str, str], Any]]:
    from interlock.server.app import create_app
    from interlock.server.settings import ServerSettings

    tokens = {}
    for name, kind, roles, acts_for in [("bob", "human", ["approver"], None),
                                        ("agent1", "agent", [], "bob")]:
        tokens[name] = add_principal(store, name, kind, roles, acts_for=acts_for)[1]
    app = create_app(ServerSettings(db_url=store.url, access_log=False,
                                    auth_cache_seconds=0), store=store)
    with TestClient(app, base_url=BASE) as c:
        yield c, tokens, store


def _login(c: TestClient, token: str, next_url: str = "/ui/") -> Any:
    page = c.get("/ui/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    return c.post("/ui/login", data={"token": token, "csrf": csrf, "next": next_url},
                  follow_redirects=False)


def test_pages_need_a_session(client: Any) -> None:
    c, _, _ = client
    r = c.get("/ui/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/login")
    r = c.get("/ui/inbox/rows", headers={"HX-Request": "true"}, follow_redirects=False)
    assert r.headers.get("HX-Redirect", "").startswith("/ui/login")


def test_agent_token_cannot_sign_in(client: Any) -> None:
    c, tokens, _ = client
    r = _login(c, tokens["agent1"])
    assert r.status_code == 403 and "Agents cannot sign in" in r.text
    assert "interlock_session" not in r.cookies


def test_sign_in_sets_strict_httponly_cookie_and_headers(client: Any) -> None:
    c, tokens, _ = client
    r = _login(c, tokens["bob"])
    assert r.status_code == 303 and r.headers["location"] == "/ui/"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/ui" in cookie
    page = c.get("/ui/")
    assert page.status_code == 200 and "Approval inbox" in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text and " style=" not in page.text  # nothing inline


def test_sign_in_never_redirects_off_site(client: Any) -> None:
    c, tokens, _ = client
    for bad in ("https://evil.example/", "//evil.example/ui/", "/v1/requests", "/ui\\@evil"):
        c.cookies.clear()
        r = _login(c, tokens["bob"], bad)
        assert r.headers["location"] == "/ui/", bad


def test_login_without_its_csrf_cookie_is_refused(client: Any) -> None:
    c, tokens, _ = client
    r = c.post("/ui/login", data={"token": tokens["bob"], "csrf": "forged"},
               follow_redirects=False)
    assert r.status_code == 403 and "interlock_session" not in r.cookies


def test_posts_need_the_session_csrf_token_and_same_origin(client: Any) -> None:
    c, tokens, _ = client
    _login(c, tokens["bob"])
    page = c.get("/ui/controls")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = c.post("/ui/logout", data={}, follow_redirects=False)
    assert r.status_code == 403
    r = c.post("/ui/logout", data={"csrf": csrf}, headers={"Origin": "https://evil.example"},
               follow_redirects=False)
    assert r.status_code == 403
    r = c.post("/ui/logout", data={"csrf": csrf}, headers={"Sec-Fetch-Site": "cross-site"},
               follow_redirects=False)
    assert r.status_code == 403
    r = c.post("/ui/logout", data={"csrf": csrf}, headers={"Origin": BASE},
               follow_redirects=False)
    assert r.status_code == 303
    assert c.get("/ui/", follow_redirects=False).status_code == 303  # signed out


def test_a_session_works_on_every_replica(client: Any) -> None:
    """Two servers on one database (replicas behind a load balancer, no sticky sessions): a
    sign-in on one is a sign-in on the other, and so is the sign-out."""
    from interlock.server.app import create_app
    from interlock.server.settings import ServerSettings

    c, tokens, store = client
    _login(c, tokens["bob"])
    replica = create_app(ServerSettings(db_url=store.url, access_log=False,
                                        auth_cache_seconds=0), store=store)
    with TestClient(replica, base_url=BASE) as c2:
        c2.cookies.set("interlock_session", c.cookies["interlock_session"], path="/ui")
        page = c2.get("/ui/controls", follow_redirects=False)
        assert page.status_code == 200 and "bob" in page.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore
        assert c2.post("/ui/logout", data={"csrf": csrf}, headers={"Origin": BASE},
                       follow_redirects=False).status_code == 303
    assert c.get("/ui/", follow_redirects=False).status_code == 303  # signed out on both


def test_revoked_token_ends_the_session(client: Any) -> None:
    from interlock.principals import revoke_token

    c, tokens, store = client
    _login(c, tokens["bob"])
    assert c.get("/ui/").status_code == 200
    revoke_token(store, tokens["bob"])
    assert c.get("/ui/", follow_redirects=False).status_code == 303


def test_request_page_escapes_the_agents_text(client: Any) -> None:
    c, tokens, _ = client
    hostile = "echo '<script>alert(1)</script>' > /srv/app/x"
    r = c.post("/v1/decisions", json={"tool": "shell", "input": {"command": hostile}},
               headers={"Authorization": f"Bearer {tokens['agent1']}"})
    assert r.status_code == 200 and r.json()["decision"] == "require_approval", r.text
    rid = r.json()["request_id"]
    _login(c, tokens["bob"])
    for url in ("/ui/", f"/ui/requests/{rid}", "/ui/agents/agent1"):
        page = c.get(url)
        assert page.status_code == 200, url
        assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text, url
    page = c.get(f"/ui/requests/{rid}")
    assert "on your behalf" in page.text  # bob is who agent1 acts for
    assert c.get("/ui/requests/nope").status_code == 404
