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
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import response
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse
from sqlalchemy.engine import Engine

from bot.console import i18n, store
from bot.console.security import csrf_token, csrf_valid, new_token, token_hash
from bot.console.settings import ConsoleSettings
from bot.console.tables import DESK_ROLES
from bot.console.throttle import Store, Throttle, store_for
from bot.translation.cache import Translations

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "vc_session"
PRE_COOKIE = "vc_pre"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
T = TypeVar("T")


EPOCH = datetime(1970, 1, 1)


def utc_now() -> datetime:
    """The current UTC time (naive, as the tables store it)."""
    return datetime.utcnow()


@dataclass
class Console:
    """What every handler shares: settings, the database, the clock and the templates."""

    settings: ConsoleSettings
    engine: Engine
    clock: Callable[[], datetime] = utc_now
    templates: Environment = field(default_factory=lambda: template_environment())
    http: httpx.AsyncClient | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    translations: Translations | None = None  # machine translation; None: off (TRANSLATION_URL unset)
    _throttle: Throttle | None = None

    @property
    def throttle(self) -> Throttle:
        """The sign-in throttle (its store made on first use, from CONSOLE_THROTTLE_URL)."""
        if self._throttle is None:
            self.use_throttle_store(store_for(self.settings.throttle_url, self.seconds))
        assert self._throttle is not None
        return self._throttle

    def seconds(self) -> float:
        """The console's clock in seconds since the epoch."""
        return (self.clock() - EPOCH).total_seconds()

    def use_throttle_store(self, store: Store) -> None:
        """Keep sign-in failures in this store."""
        self._throttle = Throttle(store, self.seconds)

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
            client=client_address(request),
        )


def client_address(request: Request) -> str:
    """The client's address: the one the trusted proxies forwarded (CONSOLE_PROXIES_COUNT), else the peer's.

    With no proxy configured, X-Forwarded-For is ignored: a client cannot pick its own address to
    dodge the sign-in throttle.
    """
    return (request.remote_addr or request.ip or "unknown")[:64]


def template_environment() -> Environment:
    """The templates, with gettext (``_()``, ``{% trans %}``) in the request's language and the word filters."""
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(),
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: i18n.translations(i18n.current()).gettext(message),
        lambda singular, plural, n: i18n.translations(i18n.current()).ngettext(singular, plural, n),
        newstyle=True,
    )
    env.globals.update(
        language_name=i18n.language_name, country_name=i18n.country_name, local_time=i18n.local_time,
        clock_time=i18n.clock_time, reason_word=lambda code: i18n.word(i18n.REASONS, code),
        state_word=lambda code: i18n.word(i18n.STATES, code),
        topic_word=lambda code: i18n.word(i18n.TOPICS if code in i18n.TOPICS else i18n.REASONS, code),
        delivery_word=lambda code: i18n.word(i18n.DELIVERY, code),
        console_languages=[(code, i18n.LANGUAGE_NAMES[code]) for code in i18n.LANGUAGES],
    )
    return env


def console(request: Request) -> Console:
    """The console state of the app serving a request."""
    return request.app.ctx.console  # type: ignore[no-any-return]


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    """Render a template with the signed-in account and the CSRF token of this browser."""
    state = console(request)
    i18n.use(getattr(request.ctx, "language", state.settings.default_language))
    page = state.templates.get_template(template).render(
        lang=i18n.current(),
        path=request.path,
        idle_minutes=state.settings.idle_timeout_minutes,
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
    """Require a signed-in account with one of the roles (when none is given: a desk role, never an analyst)."""
    roles = roles or DESK_ROLES

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            staff: store.Staff | None = request.ctx.staff
            is_api = request.path.startswith("/api/")
            if staff is None:
                if is_api:
                    return response.json({"error": "signed_out"}, status=401)
                target = "/signin?expired=1" if request.ctx.expired else "/signin"
                if request.ctx.expired and request.method == "GET" and request.path.startswith("/tickets/"):
                    target += f"&next={request.path}"
                return response.redirect(target)
            if staff.role not in roles:
                await console(request).audit(request, "forbidden", detail=request.path[:200])
                if is_api:
                    return response.json({"error": "forbidden"}, status=403)
                return render(request, "error.html", status=403, message=i18n.gettext("Your role does not allow this page."))
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
            staff, created, last_seen = found
            now = state.clock()
            idle = now - last_seen > timedelta(minutes=state.settings.idle_timeout_minutes)
            if idle or now - created > timedelta(hours=state.settings.session_hours):
                await state.db(store.end_session, token_hash=hashed)
                await state.db(store.log, action="session_expired", now=now, staff_id=staff.id, username=staff.username,
                               detail="idle" if idle else "session lifetime", client=client_address(request))
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


LANGUAGE_COOKIE = "vc_lang"
MAX_FORM_BYTES = 1_000_000


def too_large_message() -> str:
    return i18n.gettext("What you sent is too large for the console (more than %(size)s). Nothing was saved: "
                        "go back, shorten the text and send it again.", size="1 MB")


def _language(request: Request) -> str:
    """The account's language, else the browser's choice (cookie), else its Accept-Language, else the default."""
    default = console(request).settings.default_language
    staff: store.Staff | None = request.ctx.staff
    if staff is not None and staff.language in i18n.LANGUAGES:
        return staff.language
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in i18n.LANGUAGES:
        return chosen
    return i18n.negotiate(request.headers.get("accept-language"), default)


async def before_request(request: Request) -> HTTPResponse | None:
    if request.path.startswith("/static/"):
        request.ctx.staff = None
        request.ctx.new_pre = None
        return None
    await _load_session(request)
    request.ctx.language = _language(request)
    i18n.use(request.ctx.language)
    if request.method == "POST":
        if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
            return response.text(too_large_message(), status=413)
        submitted = request.headers.get("X-CSRF-Token") or (request.form.get("csrf") if request.form else None)
        if not csrf_valid(console(request).settings.secret, request.ctx.csrf_basis, submitted):
            signed_out = request.ctx.staff is None and request.path not in ("/signin", "/language")
            if request.ctx.expired or (signed_out and not request.path.startswith("/api/")):
                # Signed out meanwhile (idle timeout, or another tab noticed it first): nothing is done, and
                # after signing in the agent is back on the page, where its script restores what was typed.
                back = request.path.rsplit("/", 1)[0] if request.path.startswith("/tickets/") else "/queue"
                return response.redirect(f"/signin?expired=1&next={back}", status=303)
            logger.info("POST refused: missing or wrong CSRF token")
            return response.text(i18n.gettext("Forbidden: the form was stale or forged. Reload the page and try again."),
                                 status=403)
    return None


async def after_response(request: Request, resp: BaseHTTPResponse) -> None:
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
