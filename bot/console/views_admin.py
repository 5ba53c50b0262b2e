"""Admin pages: staff accounts, the audit log, and the information database's answers."""

from __future__ import annotations

import asyncio

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Engine

from bot.console import store
from bot.console.i18n import gettext as _
from bot.console.security import MIN_PASSWORD_LENGTH, CommonPasswordError, WeakPasswordError, hash_password
from bot.console.tables import ADMIN, ROLES, SUPERVISOR
from bot.console.web import console, render, signed_in
from bot.handoff import hours
from bot.handoff import store as handoff
from bot.infodb import queries
from bot.infodb.models import today
from bot.infodb.session import session_scope

blueprint = Blueprint("admin", url_prefix="/admin")


def _refusal(err: Exception) -> str:
    """An account change refused, in the staff member's language."""
    if isinstance(err, CommonPasswordError):
        return _("This password is common or easy to guess. Choose another: several unrelated words are long and easy to "
                 "remember.")
    if isinstance(err, WeakPasswordError):
        return _("Passwords need at least %(count)s characters.", count=MIN_PASSWORD_LENGTH)
    if "taken" in str(err):
        return _("That username is taken.")
    return _("Unknown role.")


def _desk_id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


async def _desk_exists(request: Request, desk_id: int | None) -> bool:
    """No desk, or one that exists."""
    return desk_id is None or await console(request).db(handoff.get_desk, desk_id=desk_id) is not None


async def _staff_page(
    request: Request, *, error: str | None = None, notice: str | None = None, status: int = 200
) -> HTTPResponse:
    state = console(request)
    accounts = await state.db(store.list_staff)
    desk_list = await state.db(handoff.list_desks)
    return render(request, "admin_staff.html", status=status, accounts=accounts, desks=desk_list,
                  desk_names={d.id: d.name for d in desk_list}, roles=ROLES, error=error, notice=notice)


@blueprint.get("/staff")
@signed_in(ADMIN)
async def staff_list(request: Request) -> HTTPResponse:
    """Every account, with forms to change it."""
    return await _staff_page(request)


@blueprint.post("/staff")
@signed_in(ADMIN)
async def staff_create(request: Request) -> HTTPResponse:
    """Create an account."""
    state = console(request)
    form = request.form
    username = (form.get("username") or "").strip()
    if not username or len(username) > 64:
        return await _staff_page(request, error=_("A username (up to 64 characters) is needed."), status=400)
    if not await _desk_exists(request, _desk_id(form.get("desk_id"))):
        return await _staff_page(request, error=_("That desk does not exist."), status=400)
    try:
        password_hash = await asyncio.to_thread(hash_password, form.get("password") or "",
                                                (username, form.get("display_name") or ""))
        account = await state.db(
            store.create_staff,
            username=username,
            display_name=(form.get("display_name") or username).strip()[:120],
            password_hash=password_hash,
            role=form.get("role") or "",
            desk_id=_desk_id(form.get("desk_id")),
            now=state.clock(),
        )
    except (WeakPasswordError, store.StaffError) as err:
        return await _staff_page(request, error=_refusal(err), status=400)
    await state.audit(request, "staff_created", target=f"staff:{account.id}", detail=f"role={account.role}")
    return await _staff_page(request, notice=_("Account %(name)s created.", name=account.username))


@blueprint.post("/staff/<staff_id:int>")
@signed_in(ADMIN)
async def staff_update(request: Request, staff_id: int) -> HTTPResponse:
    """Change an account's role, desk or active flag."""
    state = console(request)
    form = request.form
    if staff_id == request.ctx.staff.id and (form.get("active") == "0" or form.get("role") not in (None, ADMIN)):
        return await _staff_page(request, error=_("You cannot deactivate or demote your own account."), status=400)
    active = None if form.get("active") is None else form.get("active") == "1"
    desk = _desk_id(form.get("desk_id"))
    if not await _desk_exists(request, desk):
        return await _staff_page(request, error=_("That desk does not exist."), status=400)
    try:
        await state.db(store.update_staff, staff_id=staff_id, role=form.get("role"), desk_id=desk,
                       clear_desk=form.get("desk_id") == "", active=active)
    except store.StaffError as err:
        return await _staff_page(request, error=_refusal(err), status=400)
    changes = ",".join(f"{k}={form.get(k)}" for k in ("role", "desk_id", "active") if form.get(k) is not None)
    await state.audit(request, "staff_updated", target=f"staff:{staff_id}", detail=changes)
    return await _staff_page(request, notice=_("Account updated."))


@blueprint.post("/staff/<staff_id:int>/password")
@signed_in(ADMIN)
async def staff_password(request: Request, staff_id: int) -> HTTPResponse:
    """Set a new password (it unlocks the account and ends its sessions)."""
    state = console(request)
    account = await state.db(store.get_staff, staff_id=staff_id)
    known = (account.username, account.display_name) if account is not None else ()
    try:
        password_hash = await asyncio.to_thread(hash_password, request.form.get("password") or "", known)
    except WeakPasswordError as err:
        return await _staff_page(request, error=_refusal(err), status=400)
    await state.db(store.update_staff, staff_id=staff_id, password_hash=password_hash)
    if account is not None:
        await state.throttle.unlock_account(account.username)  # a new password unlocks it for every client
    await state.audit(request, "staff_password_reset", target=f"staff:{staff_id}")
    return await _staff_page(request, notice=_("Password reset; the account's sessions were ended."))


@blueprint.get("/audit")
@signed_in(ADMIN)
async def audit_log(request: Request) -> HTTPResponse:
    """The newest audit entries, optionally of one action."""
    state = console(request)
    action = request.args.get("action") or None
    entries = await state.db(store.audit_entries, limit=300, action=action)
    desk = await state.db(handoff.get_desk, desk_id=request.ctx.staff.desk_id) if request.ctx.staff.desk_id else None
    return render(request, "admin_audit.html", entries=entries, action=action or "", zone=desk.timezone if desk else "UTC")


def _content_list(
    engine: Engine, topic: str | None, country: str | None
) -> tuple[list[str], list[str], list[queries.AnswerSummary]]:
    with session_scope(engine) as session:
        answers = queries.list_answers(session, topic=topic, country=country)
        return queries.topics(session), queries.answer_countries(session), answers


def _answer(
    engine: Engine, answer_id: int
) -> tuple[queries.AnswerSummary, list[queries.AnswerTextView], list[queries.FactView]] | None:
    with session_scope(engine) as session:
        found = queries.answer_detail(session, answer_id=answer_id)
        if found is None:
            return None
        return found[0], found[1], queries.list_facts(session, ids=found[0].fact_ids)


def _facts(engine: Engine, country: str | None) -> tuple[list[str], list[queries.FactView]]:
    with session_scope(engine) as session:
        return queries.fact_countries(session), queries.list_facts(session, country=country)


def _edit(engine: Engine, answer_id: int, language: str, title: str, body: str) -> bool:
    with session_scope(engine) as session:
        return queries.update_answer_text(session, answer_id=answer_id, language=language, title=title, body=body)


def _verify(engine: Engine, answer_id: int) -> bool:
    with session_scope(engine) as session:
        return queries.mark_answer_verified(session, answer_id=answer_id, on=today())


@blueprint.get("/content")
@signed_in(SUPERVISOR, ADMIN)
async def content_list(request: Request) -> HTTPResponse:
    """Answers by topic and country, with when each was last verified."""
    state = console(request)
    topic = request.args.get("topic") or None
    country = request.args.get("country") or None
    topic_list, countries, answers = await state.db(_content_list, topic=topic, country=country)
    return render(request, "admin_content.html", topics=topic_list, countries=countries, answers=answers,
                  topic=topic or "", country=country or "", today=today())


@blueprint.get("/content/answers/<answer_id:int>")
@signed_in(SUPERVISOR, ADMIN)
async def answer_page(request: Request, answer_id: int) -> HTTPResponse:
    """One answer in every language, with edit forms."""
    state = console(request)
    found = await state.db(_answer, answer_id=answer_id)
    if found is None:
        return render(request, "error.html", status=404, message=_("No such answer."))
    summary, texts, facts = found
    return render(request, "admin_answer.html", answer=summary, texts=texts, facts=facts, notice=request.args.get("notice"))


@blueprint.get("/content/facts")
@signed_in(SUPERVISOR, ADMIN)
async def facts_list(request: Request) -> HTTPResponse:
    """The researched facts answers cite, by country, with their sources and caveat flags."""
    country = request.args.get("country") or None
    countries, facts = await console(request).db(_facts, country=country)
    return render(request, "admin_facts.html", countries=countries, facts=facts, country=country or "")


@blueprint.post("/content/answers/<answer_id:int>")
@signed_in(SUPERVISOR, ADMIN)
async def answer_edit(request: Request, answer_id: int) -> HTTPResponse:
    """Replace one language's title and body."""
    state = console(request)
    language = request.form.get("language") or ""
    title = (request.form.get("title") or "").strip()
    body = (request.form.get("body") or "").strip()
    if not title or not body:
        return render(request, "error.html", status=400, message=_("Both a title and a text are needed."))
    if not await state.db(_edit, answer_id=answer_id, language=language, title=title, body=body):
        return render(request, "error.html", status=404, message=_("No such answer text."))
    await state.audit(request, "answer_edited", target=f"answer:{answer_id}", detail=f"language={language}")
    return response.redirect(f"/admin/content/answers/{answer_id}?notice=saved")


@blueprint.post("/content/answers/<answer_id:int>/verify")
@signed_in(SUPERVISOR, ADMIN)
async def answer_verify(request: Request, answer_id: int) -> HTTPResponse:
    """Mark an answer as verified today."""
    state = console(request)
    if not await state.db(_verify, answer_id=answer_id):
        return render(request, "error.html", status=404, message=_("No such answer."))
    await state.audit(request, "answer_verified", target=f"answer:{answer_id}")
    return response.redirect(f"/admin/content/answers/{answer_id}?notice=verified")


def _hours_text(opening: dict[str, list[str]]) -> str:
    return "; ".join(f"{day} {','.join(ranges)}" for day, ranges in opening.items() if ranges)


def _codes(value: str | None, upper: bool) -> list[str]:
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    return [v.upper() if upper else v.lower() for v in items]


async def _desks_page(
    request: Request, *, error: str | None = None, notice: str | None = None, status: int = 200
) -> HTTPResponse:
    desk_list = await console(request).db(handoff.list_desks)
    return render(request, "admin_desks.html", status=status, desks=desk_list, hours_text=_hours_text, error=error, notice=notice)


@blueprint.get("/desks")
@signed_in(ADMIN)
async def desks_list(request: Request) -> HTTPResponse:
    """Every desk with its time zone, opening hours and routing, and a form to add or change one."""
    return await _desks_page(request)


@blueprint.post("/desks")
@signed_in(ADMIN)
async def desks_save(request: Request) -> HTTPResponse:
    """Create or update a desk by its code (the same rules as ``python -m bot.handoff desk-add``)."""
    state = console(request)
    form = request.form
    code = (form.get("code") or "").strip()[:40]
    name = (form.get("name") or "").strip()[:120]
    zone = (form.get("timezone") or "").strip()
    if not code or not name:
        return await _desks_page(request, error=_("A desk needs a code and a name."), status=400)
    try:
        opening = hours.parse_hours(form.get("hours") or "")
        hours.validate(opening, zone)
    except hours.HoursError as err:
        return await _desks_page(request, error=_("Opening hours: %(error)s.", error=str(err)), status=400)
    desk_id = await state.db(
        handoff.upsert_desk, code=code, name=name, timezone=zone, hours=opening,
        countries=_codes(form.get("countries"), upper=True), languages=_codes(form.get("languages"), upper=False),
        active=form.get("active") != "0",
    )
    await state.audit(request, "desk_saved", target=f"desk:{desk_id}")
    return await _desks_page(request, notice=_("Desk %(code)s saved.", code=code))
