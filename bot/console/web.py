"""The console's Sanic application: sessions, CSRF, role checks, security headers and rendering.

Views live in ``bot.console.views_*`` modules as blueprints; they reach the shared state through
``console(request)``. Every POST needs the CSRF token bound to the browser's cookie (form field
``csrf`` or header ``X-CSRF-Token``); every page but sign-in and "try the assistant" needs a
signed-in account whose session was used within the idle timeout.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse
from sqlalchemy.engine import Engine

from bot.console import store
from bot.console.security import csrf_token, csrf_valid, new_token, token_hash
from bot.console.settings import ConsoleSettings

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "vc_session"
PRE_COOKIE = "vc_pre"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
T = TypeVar("T")


def utc_now() -> datetime:
    """The current UTC time (naive, as the tables store it)."""
    return datetime.utcnow()


@dataclass
class Console:
    """What every handler shares: settings, the database, the clock and the templates."""

    settings: ConsoleSettings
    engine: Engine
    clock: Callable[[], datetime] = utc_now
    templates: Environment = field(
        default_factory=lambda: Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape())
    )
    http: httpx.AsyncClient | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    async def db(self, function: Callable[..., T], /, **kwargs: Any) -> T:
        """Run one synchronous store function off the event loop, on this console's engine."""
        return await asyncio.to_thread(function, self.engine, **kwargs)

    def client(self) -> httpx.AsyncClient:
        """The HTTP client for the Rasa REST channel (made on first use, closed when the server stops)."""
        if self.http is None:
            self.http = httpx.AsyncClient(timeout=30)
        return self.http

    async def audit(self, request: Request, action: str, *, target: str | None = None, detail: str | None = None) -> None:
        """Append an audit entry for the signed-in account (or the anonymous visitor)."""
        staff: store.Staff | None = request.ctx.staff
        await self.db(
            store.log,
            action=action,
            now=self.clock(),
            staff_id=staff.id if staff else None,
            username=staff.username if staff else None,
            target=target,
            detail=detail,
        )


def console(request: Request) -> Console:
    """The console state of the app serving a request."""
    return request.app.ctx.console  # type: ignore[no-any-return]


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    """Render a template with the signed-in account and the CSRF token of this browser."""
    state = console(request)
    page = state.templates.get_template(template).render(
        staff=request.ctx.staff,
        csrf=csrf_token(state.settings.secret, request.ctx.csrf_basis),
        poll_interval_ms=state.settings.poll_interval_ms,
        **context,
    )
    return response.html(page, status=status)


def set_cookie(request: Request, resp: BaseHTTPResponse, name: str, value: str) -> None:
    """A cookie the page scripts cannot read, sent to this site only (and over TLS only, when configured or on https)."""
    resp.cookies[name] = value
    cookie = resp.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"
    if console(request).settings.secure_cookies or request.scheme == "https":
        cookie["secure"] = True


def delete_cookie(request: Request, resp: BaseHTTPResponse, name: str) -> None:
    """Expire a cookie in the browser."""
    set_cookie(request, resp, name, "")
    resp.cookies[name]["max-age"] = 0


Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]


def signed_in(*roles: str) -> Callable[[Handler], Handler]:
    """Require a signed-in account (with one of the roles, when given)."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            staff: store.Staff | None = request.ctx.staff
            is_api = request.path.startswith("/api/")
            if staff is None:
                if is_api:
                    return response.json({"error": "signed_out"}, status=401)
                target = "/signin?expired=1" if request.ctx.expired else "/signin"
                return response.redirect(target)
            if roles and staff.role not in roles:
                await console(request).audit(request, "forbidden", detail=request.path[:200])
                if is_api:
                    return response.json({"error": "forbidden"}, status=403)
                return render(request, "error.html", status=403, message="Your role does not allow this page.")
            return await handler(request, *args, **kwargs)

        return wrapper

    return decorate


async def _load_session(request: Request) -> None:
    state = console(request)
    request.ctx.staff = None
    request.ctx.expired = False
    request.ctx.session_hash = None
    request.ctx.new_pre = None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        hashed = token_hash(token)
        found = await state.db(store.session_staff, token_hash=hashed)
        if found is not None:
            staff, last_seen = found
            now = state.clock()
            if now - last_seen > timedelta(minutes=state.settings.idle_timeout_minutes):
                await state.db(store.end_session, token_hash=hashed)
                await state.db(store.log, action="session_expired", now=now, staff_id=staff.id, username=staff.username)
                request.ctx.expired = True
            else:
                request.ctx.staff = staff
                request.ctx.session_hash = hashed
                # Live-update polling is not activity: an open but unattended console still times out.
                if not request.path.startswith("/api/") or request.method == "POST":
                    await state.db(store.touch_session, token_hash=hashed, now=now)
    if request.ctx.staff is not None:
        request.ctx.csrf_basis = token
    else:
        pre = request.cookies.get(PRE_COOKIE)
        if not pre:
            pre = request.ctx.new_pre = new_token()
        request.ctx.csrf_basis = pre


async def _before(request: Request) -> HTTPResponse | None:
    if request.path.startswith("/static/"):
        request.ctx.staff = None
        request.ctx.new_pre = None
        return None
    await _load_session(request)
    if request.method == "POST":
        submitted = request.headers.get("X-CSRF-Token") or (request.form.get("csrf") if request.form else None)
        if not csrf_valid(console(request).settings.secret, request.ctx.csrf_basis, submitted):
            if request.ctx.expired:
                return response.redirect("/signin?expired=1")
            logger.info("POST refused: missing or wrong CSRF token")
            return response.text("Forbidden: the form was stale or forged. Reload the page and try again.", status=403)
    return None


async def _after(request: Request, resp: BaseHTTPResponse) -> None:
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Referrer-Policy"] = "no-referrer"
    if not request.path.startswith("/static/"):
        resp.headers["Cache-Control"] = "no-store"
    new_pre = getattr(request.ctx, "new_pre", None)
    if new_pre:
        set_cookie(request, resp, PRE_COOKIE, new_pre)
    if getattr(request.ctx, "expired", False):
        delete_cookie(request, resp, SESSION_COOKIE)


def create_app(state: Console, name: str | None = None) -> Sanic:
    """The console application over a shared state (one per process; tests make several)."""
    from bot.console import views_admin, views_auth, views_chat, views_desk

    app = Sanic(name or f"console_{uuid.uuid4().hex[:8]}")
    app.config.REQUEST_MAX_SIZE = 1_000_000
    app.ctx.console = state
    app.register_middleware(_before, "request")
    app.register_middleware(_after, "response")
    app.static("/static", str(HERE / "static"), name="static")
    for module in (views_auth, views_admin, views_chat, views_desk):
        app.blueprint(module.blueprint)

    async def _close(_app: Sanic, _loop: Any) -> None:
        if state.http is not None:
            await state.http.aclose()
            state.http = None

    app.register_listener(_close, "after_server_stop")

    @app.exception(Exception)
    async def _error(request: Request, exception: Exception) -> HTTPResponse:
        status = getattr(exception, "status_code", 500)
        if status >= 500:
            logger.error("console error: %s", type(exception).__name__)
        return response.text("Not found." if status == 404 else "Something went wrong.", status=status)

    return app
