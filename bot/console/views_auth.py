"""Sign-in and sign-out, with the failed sign-in limit and the audit trail.

Password hashing runs in a worker thread: argon2 is slow on purpose and must not hold up the
event loop (and so every open console's live updates) during a sign-in.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import store
from bot.console.security import new_token, token_hash, verify_password
from bot.console.web import SESSION_COOKIE, console, delete_cookie, render, set_cookie, signed_in

blueprint = Blueprint("auth")


@blueprint.get("/")
async def home(request: Request) -> HTTPResponse:
    """The queue for the signed in, the sign-in page for everyone else."""
    return response.redirect("/queue" if request.ctx.staff else "/signin")


@blueprint.get("/signin")
async def signin_page(request: Request) -> HTTPResponse:
    """The sign-in form."""
    if request.ctx.staff is not None:
        return response.redirect("/queue")
    expired = request.args.get("expired") == "1"
    return render(request, "signin.html", expired=expired, error=None)


@blueprint.post("/signin")
async def signin(request: Request) -> HTTPResponse:
    """Check the password; count failures and lock the account after too many."""
    state = console(request)
    username = (request.form.get("username") or "").strip()[:64]
    password = request.form.get("password") or ""
    found = await state.db(store.credentials, username=username)
    now = state.clock()
    failure = render(request, "signin.html", status=401, expired=False,
                     error="Sign-in failed. Check your username and password, or try again later.")
    if found is None:
        await asyncio.to_thread(verify_password, None, password)
        await state.db(store.log, action="signin_failed", now=now, detail="unknown username")
        return failure
    account = found.staff
    if not account.active:
        await asyncio.to_thread(verify_password, None, password)
        await state.db(store.log, action="signin_failed", now=now, staff_id=account.id, username=account.username,
                       detail="account deactivated")
        return failure
    if account.locked_until is not None and account.locked_until > now:
        await asyncio.to_thread(verify_password, None, password)
        await state.db(store.log, action="signin_refused_locked", now=now, staff_id=account.id, username=account.username)
        return failure
    if not await asyncio.to_thread(verify_password, found.password_hash, password):
        locked = await state.db(
            store.record_failed_signin,
            staff_id=account.id,
            limit=state.settings.max_failed_signins,
            lockout=timedelta(minutes=state.settings.lockout_minutes),
            now=now,
        )
        await state.db(store.log, action="signin_failed", now=now, staff_id=account.id, username=account.username,
                       detail="wrong password")
        if locked:
            await state.db(store.log, action="account_locked", now=now, staff_id=account.id, username=account.username,
                           detail=f"{state.settings.lockout_minutes} minutes")
        return failure
    await state.db(store.purge_idle_sessions, idle_before=now - timedelta(minutes=state.settings.idle_timeout_minutes))
    token = new_token()
    await state.db(store.record_signin, staff_id=account.id, token_hash=token_hash(token), now=now)
    await state.db(store.log, action="signin", now=now, staff_id=account.id, username=account.username)
    resp = response.redirect("/queue")
    set_cookie(request, resp, SESSION_COOKIE, token)
    return resp


@blueprint.post("/signout")
@signed_in()
async def signout(request: Request) -> HTTPResponse:
    """End the session in the database and in the browser."""
    state = console(request)
    await state.audit(request, "signout")
    await state.db(store.end_session, token_hash=request.ctx.session_hash)
    resp = response.redirect("/signin")
    delete_cookie(request, resp, SESSION_COOKIE)
    return resp
