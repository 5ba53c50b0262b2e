"""Sign-in and sign-out, with sign-in throttling (``bot.console.throttle``) and the audit trail.

Password hashing runs in a worker thread: argon2 is slow on purpose and must not hold up the
event loop (and so every open console's live updates) during a sign-in.
"""

from __future__ import annotations

import asyncio
import math
from datetime import timedelta
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import store
from bot.console.i18n import LANGUAGES
from bot.console.i18n import gettext as _
from bot.console.security import device_id, device_token, new_token, token_hash, verify_password
from bot.console.tables import ANALYST, ROLES
from bot.console.throttle import ACCOUNT_FREE, CLIENT_FREE, MAX_DELAY_SECONDS, Rule, account_key, lockout_rule
from bot.console.web import LANGUAGE_COOKIE, SESSION_COOKIE, client_address, console, delete_cookie, render, set_cookie, signed_in

blueprint = Blueprint("auth")
DEVICE_COOKIE = "vc_device"
DEVICE_COOKIE_SECONDS = 180 * 24 * 3600
CLIENT_RULE = Rule(free=CLIENT_FREE, base=1, cap=MAX_DELAY_SECONDS)
ACCOUNT_RULE = Rule(free=ACCOUNT_FREE, base=1, cap=5 * 60)


@blueprint.get("/")
async def home(request: Request) -> HTTPResponse:
    """The queue for the signed in (the evidence for analysts), the sign-in page for everyone else."""
    return response.redirect(_start(request.ctx.staff) if request.ctx.staff else "/signin")


def _start(staff: store.Staff) -> str:
    return "/evidence" if staff.role == ANALYST else "/queue"


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this console only (never another site)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")) and "\\" not in target:
        return target[:300]
    return "/queue"


@blueprint.get("/signin")
async def signin_page(request: Request) -> HTTPResponse:
    """The sign-in form (after a timeout it remembers the page the agent was on)."""
    if request.ctx.staff is not None:
        return response.redirect(_start(request.ctx.staff))
    expired = request.args.get("expired") == "1"
    return render(request, "signin.html", expired=expired, error=None, next=safe_next(request.args.get("next")))


def _keys(username: str, client: str, device: str | None) -> tuple[str, str, str]:
    account = account_key(username)
    who = f"device:{device}" if device else f"ip:{client}"
    return f"ip:{client}", account, f"{account}|{who}"


@blueprint.post("/signin")
async def signin(request: Request) -> HTTPResponse:
    """Check the password, throttled per client, per account with client, and per account."""
    state = console(request)
    username = (request.form.get("username") or "").strip()[:64]
    password = request.form.get("password") or ""
    target = safe_next(request.form.get("next"))
    client = client_address(request)
    device = device_id(state.settings.secret, request.cookies.get(DEVICE_COOKIE), username)
    by_ip, by_account, by_pair = _keys(username, client, device)
    # A browser that signed in to this account before skips the address and account-wide checks:
    # an attacker sharing its address, or guessing from elsewhere, cannot keep its owner out.
    watched = (by_pair,) if device else (by_ip, by_account, by_pair)
    now = state.clock()

    def log(action: str, staff_id: int | None = None, detail: str | None = None) -> Any:
        return state.db(store.log, action=action, now=now, staff_id=staff_id, username=username or None,
                        detail=detail, client=client)

    wait = await state.throttle.retry_after(*watched)
    if wait:
        await log("signin_throttled", detail=f"retry after {wait} s")
        resp = render(request, "signin.html", status=429, expired=False, next=target,
                      error=_("Too many failed sign-ins. Try again in %(minutes)s minute(s).",
                              minutes=max(1, math.ceil(wait / 60))))
        resp.headers["Retry-After"] = str(wait)
        return resp
    found = await state.db(store.credentials, username=username)
    account = found.staff if found is not None else None
    ok = await asyncio.to_thread(verify_password, found.password_hash if found else None, password)
    if not ok or account is None or not account.active:
        reason = "unknown username" if account is None else "account deactivated" if not account.active else "wrong password"
        await log("signin_failed", account.id if account else None, reason)
        pair_delay = await state.throttle.failed(
            by_pair, lockout_rule(state.settings.max_failed_signins, state.settings.lockout_minutes))
        if pair_delay:
            await log("signin_locked_for_client", account.id if account else None, f"{state.settings.lockout_minutes} minutes")
        if not device:
            await state.throttle.failed(by_ip, CLIENT_RULE)
            await state.throttle.failed(by_account, ACCOUNT_RULE)
        return render(request, "signin.html", status=401, expired=False, next=target,
                      error=_("Sign-in failed. Check your username and password, or try again later."))
    await state.throttle.succeeded(by_pair)
    await state.db(store.purge_idle_sessions, idle_before=now - timedelta(minutes=state.settings.idle_timeout_minutes))
    token = new_token()
    await state.db(store.record_signin, staff_id=account.id, token_hash=token_hash(token), now=now)
    await log("signin", account.id)
    resp = response.redirect(_start(account) if target == "/queue" else target)
    set_cookie(request, resp, SESSION_COOKIE, token)
    set_cookie(request, resp, DEVICE_COOKIE, device_token(state.settings.secret, username))
    resp.cookies[DEVICE_COOKIE]["max-age"] = DEVICE_COOKIE_SECONDS
    return resp


@blueprint.post("/signout")
@signed_in(*ROLES)
async def signout(request: Request) -> HTTPResponse:
    """End the session in the database and in the browser."""
    state = console(request)
    await state.audit(request, "signout")
    await state.db(store.end_session, token_hash=request.ctx.session_hash)
    resp = response.redirect("/signin")
    delete_cookie(request, resp, SESSION_COOKIE)
    return resp


@blueprint.post("/api/ping")
@signed_in(*ROLES)
async def ping(_request: Request) -> HTTPResponse:
    """"Stay signed in": a POST is activity, so the idle timeout starts again."""
    return response.json({"ok": True})


@blueprint.post("/language")
async def choose_language(request: Request) -> HTTPResponse:
    """The console's language: kept on the account when signed in, and in a cookie for this browser."""
    state = console(request)
    language = request.form.get("language") or ""
    if language not in LANGUAGES:
        language = request.ctx.language
    staff: store.Staff | None = request.ctx.staff
    if staff is not None:
        await state.db(store.set_language, staff_id=staff.id, language=language)
    resp = response.redirect(safe_next(request.form.get("next")), status=303)
    set_cookie(request, resp, LANGUAGE_COOKIE, language)
    resp.cookies[LANGUAGE_COOKIE]["max-age"] = DEVICE_COOKIE_SECONDS
    return resp
