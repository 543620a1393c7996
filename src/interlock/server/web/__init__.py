"""The web approvals inbox and audit explorer, served by `interlock serve` under /ui.

Server-rendered Jinja2 pages with htmx (vendored in static/, no CDN: deployments are often
air-gapped). `mount_web(app)` adds the routes, the static files and the error handling to the
API's FastAPI app; the pages use the API's ServerContext (`app.state.ctx`) for the store.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from .deps import HERE, PREFIX, SECURITY_HEADERS, NotSignedIn, WebForbidden, page, signed_in

__all__ = ["mount_web"]


def _not_signed_in(request: Request, exc: Exception) -> Response:
    from urllib.parse import quote

    target = f"{PREFIX}/login"
    if request.method == "GET" and not request.headers.get("hx-request"):
        target += "?next=" + quote(request.url.path, safe="/")
    if request.headers.get("hx-request"):  # a poll after the session ended: reload to sign in
        return Response(status_code=204, headers={**SECURITY_HEADERS, "HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _forbidden(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WebForbidden)
    try:  # with the navigation when someone is signed in
        return signed_in(request).render("error.html", exc.status, message=exc.message,
                                         code=exc.status)
    except NotSignedIn:
        return page(request, "error.html", exc.status, message=exc.message, code=exc.status)


def mount_web(app: FastAPI) -> None:
    from . import routes_admin, routes_audit, routes_auth, routes_requests

    router = APIRouter(prefix=PREFIX, include_in_schema=False)
    for module in (routes_auth, routes_requests, routes_audit, routes_admin):
        router.include_router(module.router)
    app.include_router(router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=str(HERE / "static")), name="web-static")
    app.add_exception_handler(NotSignedIn, _not_signed_in)
    app.add_exception_handler(WebForbidden, _forbidden)
    if not any(getattr(r, "path", None) == "/" for r in app.routes):
        app.add_api_route("/", lambda: RedirectResponse(f"{PREFIX}/", status_code=307),
                          include_in_schema=False)
