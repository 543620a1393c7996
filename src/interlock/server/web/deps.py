"""Per-request plumbing of the web pages: the signed-in human, CSRF, rendering, headers."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ...principals import Principal, authenticate_hash
from . import present
from .sessions import COOKIE, SessionStore, WebSession

PREFIX = "/ui"
HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters.update(stamp=present.stamp)
templates.env.globals.update(prefix=PREFIX, effect_level=present.effect_level,
                             state_label=present.STATE_LABEL)
# No inline script or style anywhere: the policy forbids them, so injected markup cannot run.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
OPERATOR_ROLES = ("operator", "admin")
# Who may freeze tiers and use agents' kill switches from the web (issue 7: admins). The API
# also lets operators; widen this tuple to match if the operators should have it here too.
CONTROL_ROLES = ("admin",)


class NotSignedIn(Exception):
    """Raised by `signed_in`: the handler answers with a redirect to the sign-in page."""


class WebForbidden(Exception):
    def __init__(self, message: str, status: int = 403):
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(slots=True)
class Web:
    """What a page handler needs: the store, the session and the human behind it."""

    request: Request
    session: WebSession
    principal: Principal

    @property
    def store(self) -> Any:
        return self.request.app.state.ctx.store

    @property
    def is_admin(self) -> bool:
        """May use the emergency controls (CONTROL_ROLES)."""
        return self.principal.has_role(*CONTROL_ROLES)

    @property
    def is_operator(self) -> bool:
        return self.principal.has_role(*OPERATOR_ROLES)

    def require(self, *roles: str, what: str) -> None:
        if not self.principal.has_role(*roles):
            raise WebForbidden(f"You need the {' or '.join(roles)} role to {what}.")

    def render(self, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        from ...approvals import snapshot

        base = {"me": self.principal, "csrf": self.session.csrf, "is_admin": self.is_admin,
                "is_operator": self.is_operator, "controls": snapshot(self.store),
                "flashes": self.session.take_flashes(), "now": self.store.now()}
        return page(self.request, name, status, **{**base, **ctx})

    def back(self, url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)


def sessions(request: Request) -> SessionStore:
    store = getattr(request.app.state, "web_sessions", None)
    if store is None:
        store = request.app.state.web_sessions = SessionStore(request.app.state.ctx.store)
    return store


def page(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    resp = templates.TemplateResponse(request, name, ctx, status_code=status)
    resp.headers.update(SECURITY_HEADERS)
    return resp


def signed_in(request: Request) -> Web:
    """The session's human, re-authenticated with the session's token on every request (a
    revoked token or principal ends the session at once)."""
    s = sessions(request).get(request.cookies.get(COOKIE))
    if s is None:
        raise NotSignedIn()
    p = authenticate_hash(request.app.state.ctx.store, s.token_hash)
    if p is None or not p.is_human or p.name != s.name:
        sessions(request).drop(s.id)
        raise NotSignedIn()
    return Web(request, s, p)


def same_origin(request: Request) -> bool:
    """Browsers say where a POST comes from (Sec-Fetch-Site, Origin); another site's form is
    refused even before the CSRF token is compared. Clients that send neither still need the
    token."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return True
    expected = f"{request.url.scheme}://{request.url.netloc}"
    return hmac.compare_digest(origin.encode(), expected.encode())


def check_csrf(web: Web, token: str | None) -> None:
    """CSRF checks for every POST: the session's token in the form's `csrf` field and a
    same-origin request. Anything else is refused before any state changes."""
    if not isinstance(token, str) or not hmac.compare_digest(token.encode(),
                                                             web.session.csrf.encode()):
        raise WebForbidden("The form's security token is missing or stale (CSRF check). "
                           "Reload the page and try again.")
    if not same_origin(web.request):
        raise WebForbidden("Cross-site form submission refused.")


def secure_cookies(request: Request) -> bool:
    settings = getattr(request.app.state.ctx, "settings", None)
    return request.url.scheme == "https" or bool(getattr(settings, "tls_cert", None))


def no_content(status: int = 204) -> Response:
    return Response(status_code=status, headers=SECURITY_HEADERS)
