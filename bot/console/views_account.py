"""The signed-in staff member's own account: changing their password (with the same strength rules as an admin's reset)."""

from __future__ import annotations

import asyncio

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import store
from bot.console.i18n import gettext as _
from bot.console.security import (
    MIN_PASSWORD_LENGTH,
    CommonPasswordError,
    WeakPasswordError,
    hash_password,
    new_token,
    token_hash,
    verify_password,
)
from bot.console.tables import ROLES
from bot.console.web import SESSION_COOKIE, console, render, set_cookie, signed_in

blueprint = Blueprint("account")


@blueprint.get("/account")
@signed_in(*ROLES)
async def account_page(request: Request) -> HTTPResponse:
    """The password change form."""
    return render(request, "account.html", error=None, notice=_("Password changed.") if request.args.get("done") else None)


@blueprint.post("/account/password")
@signed_in(*ROLES)
async def change_password(request: Request) -> HTTPResponse:
    """Change one's own password: the current one first; other sessions end, this browser stays signed in."""
    state = console(request)
    staff: store.Staff = request.ctx.staff
    current = request.form.get("current") or ""
    new, again = request.form.get("password") or "", request.form.get("again") or ""
    found = await state.db(store.credentials, username=staff.username)
    if not await asyncio.to_thread(verify_password, found.password_hash if found else None, current):
        await state.audit(request, "password_change_refused", target=f"staff:{staff.id}", detail="wrong current password")
        return render(request, "account.html", status=400, error=_("The current password is wrong."), notice=None)
    if new != again:
        return render(request, "account.html", status=400, error=_("The two new passwords differ."), notice=None)
    try:
        password_hash = await asyncio.to_thread(hash_password, new, (staff.username, staff.display_name))
    except CommonPasswordError:
        error = _("This password is common or easy to guess. Choose another: several unrelated words are long and easy to "
                  "remember.")
        return render(request, "account.html", status=400, error=error, notice=None)
    except WeakPasswordError:
        error = _("Passwords need at least %(count)s characters.", count=MIN_PASSWORD_LENGTH)
        return render(request, "account.html", status=400, error=error, notice=None)
    await state.db(store.update_staff, staff_id=staff.id, password_hash=password_hash)  # ends every session
    token = new_token()
    await state.db(store.record_signin, staff_id=staff.id, token_hash=token_hash(token), now=state.clock())
    await state.audit(request, "password_changed", target=f"staff:{staff.id}")
    resp = response.redirect("/account?done=1", status=303)
    set_cookie(request, resp, SESSION_COOKIE, token)
    return resp
