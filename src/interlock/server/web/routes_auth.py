"""Sign-in with a principal's token → a server-side session; sign-out. Humans only."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ...principals import authenticate
from .deps import PREFIX, NotSignedIn, page, same_origin, secure_cookies, sessions, signed_in
from .sessions import COOKIE, IDLE_SECONDS, LOGIN_CSRF_COOKIE, MAX_SECONDS

router = APIRouter()
AGENT_REFUSED = ("This token belongs to agent “{name}”. Agents cannot sign in to the web "
                 "console: agents never approve. Sign in with your own (human) token.")


def _next(target: str | None) -> str:
    # Only our own pages: an open redirect after sign-in would be a phishing aid.
    if target and target.startswith(PREFIX + "/") and not target.startswith("//") \
            and "\\" not in target:
        return target
    return PREFIX + "/"


def _login_page(request: Request, status: int = 200, error: str | None = None,
                next_url: str | None = None) -> Response:
    token = secrets.token_urlsafe(32)
    resp = page(request, "login.html", status, login_csrf=token, error=error,
                next_url=_next(next_url))
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, path=PREFIX + "/login",
                    httponly=True, samesite="strict", secure=secure_cookies(request))
    return resp


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    try:
        signed_in(request)
        return RedirectResponse(_next(next), status_code=303)
    except NotSignedIn:
        return _login_page(request, next_url=next)


@router.post("/login")
def login(request: Request, token: str = Form(""), csrf: str = Form(""),
          next: str = Form("")) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not csrf or not hmac.compare_digest(cookie.encode(), csrf.encode()) \
            or not same_origin(request):
        return _login_page(request, 403, "The sign-in form expired (CSRF check). Try again.",
                           next)
    principal = authenticate(request.app.state.ctx.store, token.strip())
    if principal is None:
        return _login_page(request, 401, "Unknown, expired or revoked token.", next)
    if not principal.is_human:
        return _login_page(request, 403, AGENT_REFUSED.format(name=principal.name), next)
    old = request.cookies.get(COOKIE)
    sessions(request).drop(old)  # a fresh id at every sign-in: no session fixation
    s = sessions(request).create(token.strip(), principal.name)
    resp = RedirectResponse(_next(next), status_code=303)
    resp.set_cookie(COOKIE, s.id, max_age=min(IDLE_SECONDS * 12, MAX_SECONDS), path=PREFIX,
                    httponly=True, samesite="strict", secure=secure_cookies(request))
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path=PREFIX + "/login")
    return resp


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")) -> Response:
    from .deps import check_csrf

    web = signed_in(request)
    check_csrf(web, csrf)
    sessions(request).drop(web.session.id)
    resp = RedirectResponse(PREFIX + "/login", status_code=303)
    resp.delete_cookie(COOKIE, path=PREFIX)
    return resp
