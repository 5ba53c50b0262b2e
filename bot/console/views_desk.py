"""The desk: the live queue and the conversation pages, over ``bot.handoff``.

Every view of a conversation and every action is audit-logged (by ticket id; never the text,
number or conversation id). Staff see the person's pseudonym and channel, not the number.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import i18n as person_i18n
from bot.channels import registry
from bot.channels import store as channel_store
from bot.channels.outputs import UnknownChannelError
from bot.console import access, i18n, machine_translation, store
from bot.console.i18n import N_
from bot.console.i18n import gettext as _
from bot.console.transcript import NOTE, PERSON, SENT, STAFF, SYSTEM, Line, merge, tracker_lines
from bot.console.web import console, render, signed_in
from bot.desk import staff as desk
from bot.handoff import store as handoff
from bot.infodb.session import engine_for
from bot.translation.client import TranslationError

blueprint = Blueprint("desk")
QUICK_PREFIX = "quick_"
UNREACHABLE = N_("The person's channel cannot receive messages from the console; the change was saved, "
                 "but the person was not told.")
MAX_REPLY = desk.MAX_REPLY_CHARS


def _waited(seconds: int) -> str:
    if seconds < 60:
        return _("%(n)s s", n=seconds)
    if seconds < 3600:
        return _("%(n)s min", n=seconds // 60)
    return _("%(h)s h %(m)s min", h=seconds // 3600, m=(seconds % 3600) // 60)


def _queue_row(ticket: handoff.Ticket, now: datetime, desks: dict[int, str], names: dict[int, str]) -> dict[str, Any]:
    """A queue row: the codes (for scripts) and the words staff read, in their language."""
    waiting = max(0, int((now - ticket.created_at).total_seconds()))
    agent = names.get(ticket.agent_id or -1, "")
    return {
        "id": ticket.id,
        "person": ticket.pseudonym,
        "urgent": ticket.urgent,
        "waiting_seconds": waiting,
        "waiting_text": _waited(waiting),
        "language": ticket.language or "",
        "language_name": i18n.language_name(ticket.language),
        "channel": ticket.channel,
        "country": ticket.country or "",
        "country_name": i18n.country_name(ticket.country),
        "reason": ticket.reason,
        "reason_text": i18n.word(i18n.REASONS, ticket.reason),
        "desk": desks.get(ticket.desk_id or -1, ""),
        "state": ticket.state,
        "state_text": _("with %(name)s", name=agent) if ticket.state == handoff.WITH_STAFF and agent
        else i18n.word(i18n.STATES, ticket.state),
        "agent": agent,
        "url": f"/tickets/{ticket.id}",
    }


def _queue(engine: Any, staff: store.Staff) -> tuple[list[handoff.Ticket], dict[int, str], dict[int, str]]:
    desk_ids = access.queue_desks(staff)
    tickets = handoff.list_tickets(engine, desk_ids=desk_ids) if desk_ids != [] else []
    held = [t for t in handoff.list_tickets(engine, states=(handoff.WITH_STAFF,)) if t.agent_id == staff.id]
    seen = {t.id for t in tickets}
    tickets += [t for t in held if t.id not in seen]
    tickets.sort(key=lambda t: (not t.urgent, t.created_at, t.id))
    desks = {d.id: d.name for d in handoff.list_desks(engine)}
    names = {s.id: s.display_name for s in store.list_staff(engine)}
    return tickets, desks, names


@blueprint.get("/queue")
@signed_in()
async def queue_page(request: Request) -> HTTPResponse:
    """The queue page (its rows come from /api/queue, every second)."""
    return render(request, "queue.html")


@blueprint.get("/api/queue")
@signed_in()
async def queue_json(request: Request) -> HTTPResponse:
    """The open tickets the account may see, urgent first, then the longest waiting."""
    state = console(request)
    tickets, desks, names = await asyncio.to_thread(_queue, state.engine, request.ctx.staff)
    now = state.clock()
    return response.json({"tickets": [_queue_row(t, now, desks, names) for t in tickets]})


def _hidden_windows(tickets: list[handoff.Ticket], visible: set[int], now: datetime) -> list[tuple[datetime, datetime]]:
    return [(t.created_at, t.closed_at or now) for t in tickets if t.id not in visible]


def _lines(engine: Any, tracker_url: str, ticket: handoff.Ticket, names: dict[int, str], staff: store.Staff,
           now: datetime) -> list[Line]:
    """The merged transcript, with only the lines of tickets the viewer may open.

    A person's earlier ticket at another desk (its messages, notes, state changes, and whatever
    the tracker recorded while it was open) never reaches an agent who may not open that ticket.
    """
    tickets = handoff.conversation_tickets(engine, conversation_id=ticket.conversation_id)
    visible = {each.id for each in tickets if each.id == ticket.id or access.can_view(staff, each)}
    hidden = _hidden_windows(tickets, visible, now)
    bot_lines = [
        line for line in tracker_lines(engine_for(tracker_url), conversation_id=ticket.conversation_id)
        if not any(start <= line.at <= end for start, end in hidden)
    ]
    desk_lines: list[Line] = []
    for each in tickets:
        if each.id not in visible:
            continue
        states = desk.deliveries(engine, ticket_id=each.id)
        for message in handoff.ticket_messages(engine, ticket_id=each.id):
            kind = {handoff.PERSON: PERSON, handoff.STAFF: STAFF, handoff.NOTE: NOTE, handoff.SYSTEM: SENT}.get(
                message.kind, SYSTEM)
            delivery = states.get(message.id)
            desk_lines.append(Line(
                at=message.created_at, kind=kind, text=message.body or ("[media]" if message.media_url else ""),
                author=names.get(message.author_id or -1), delivery=delivery.status if delivery else None,
                media_url=message.media_url, original=message.original,
            ))
        for change in handoff.transitions_of(engine, ticket_id=each.id):
            before, after = i18n.word(i18n.STATES, change.from_state), i18n.word(i18n.STATES, change.to_state)
            desk_lines.append(Line(at=change.at, kind=SYSTEM, author=_actor(change.actor, names), text=f"{before} → {after}"))
    return merge(bot_lines, desk_lines)


def _actor(actor: str, names: dict[int, str]) -> str:
    if actor.startswith("agent:") and actor[6:].isdigit():
        return names.get(int(actor[6:]), _("staff"))
    if actor in i18n.REASONS:  # a ticket is opened by its reason
        return i18n.word(i18n.REASONS, actor)
    return {"person": _("the person"), "system": _("the system"), "bot": _("the assistant")}.get(actor, actor)


def _who(line: Line) -> str:
    """Who a transcript line is from, in words."""
    if line.kind == STAFF:
        return line.author or _("Staff")
    if line.kind == NOTE:
        return _("Note by %(name)s", name=line.author or _("staff"))
    if line.kind == SYSTEM:
        return line.author or _("the system")
    return {PERSON: _("Person"), SENT: _("Sent automatically"), "bot": _("Assistant")}.get(line.kind, line.kind)


def _shown(line: Line, zone: str) -> dict[str, Any]:
    """A transcript line as staff read it: time in the desk's zone, who, delivery in words."""
    return {"at": i18n.clock_time(line.at, zone), "kind": line.kind, "who": _who(line), "text": line.text,
            "author": line.author, "delivery": i18n.word(i18n.DELIVERY, line.delivery) if line.delivery else None,
            "original": line.original}


def _conversation(engine: Any, tracker_url: str, ticket_id: int, now: datetime, staff: store.Staff) -> dict[str, Any] | None:
    ticket = handoff.get_ticket(engine, ticket_id=ticket_id)
    if ticket is None:
        return None
    staff_list = store.list_staff(engine)
    names = {s.id: s.display_name for s in staff_list}
    every_desk = handoff.list_desks(engine)
    zones = {d.id: d.timezone for d in every_desk}
    zone = zones.get(ticket.desk_id or -1) or zones.get(staff.desk_id or -1) or "UTC"
    return {
        "ticket": ticket,
        "zone": zone,
        "lines": _lines(engine, tracker_url, ticket, names, staff, now) if access.can_view(staff, ticket) else [],
        "window": desk.reply_window(engine, ticket=ticket, now=now),
        "desks": handoff.list_desks(engine, active_only=True),
        "agents": [s for s in staff_list if s.active],
        "holder": names.get(ticket.agent_id or -1),
        "desk_name": next((d.name for d in every_desk if d.id == ticket.desk_id), None),
    }


def _quick_replies(language: str | None) -> list[tuple[str, str, str]]:
    """Each quick reply: its key, what the person receives, and its meaning in the staff member's language."""
    return [(key, person_i18n.text(key, language), person_i18n.text(key, i18n.current()))
            for key in person_i18n.catalogue() if key.startswith(QUICK_PREFIX)]


async def _load(request: Request, ticket_id: int) -> dict[str, Any] | HTTPResponse:
    """The conversation if the account may see it; otherwise the refusal (logged)."""
    state = console(request)
    found = await asyncio.to_thread(_conversation, state.engine, state.settings.tracker_database_url, ticket_id, state.clock(),
                                    request.ctx.staff)
    if found is None:
        return render(request, "error.html", status=404, message=_("No such conversation."))
    if not access.can_view(request.ctx.staff, found["ticket"]):
        await state.audit(request, "forbidden_conversation", target=f"ticket:{ticket_id}")
        return render(request, "error.html", status=403, message=_("This conversation belongs to another desk."))
    return found


async def _page(request: Request, ticket_id: int, *, error: str | None = None, status: int = 200,
                revealed: str | None = None, draft: str | None = None, note_draft: str | None = None,
                notice: str | None = None, preview: machine_translation.Preview | None = None) -> HTTPResponse:
    """The conversation page; a refused or half-done action shows it again with what was typed."""
    found = await _load(request, ticket_id)
    if isinstance(found, HTTPResponse):
        return found
    staff: store.Staff = request.ctx.staff
    ticket: handoff.Ticket = found["ticket"]
    found["lines"] = [_shown(line, found["zone"]) | {"shown_at": i18n.clock_time(line.at, found["zone"])}
                      for line in found["lines"]]
    translations = console(request).translations
    translation_problem = await machine_translation.annotate(translations, ticket, found["lines"])
    return render(
        request, "conversation.html", status=status, error=error, notice=notice or request.args.get("done"),
        revealed=revealed, draft=draft, note_draft=note_draft, max_reply=MAX_REPLY,
        quick_replies=_quick_replies(ticket.language), can_take=access.can_take(staff, ticket),
        can_reply=access.can_reply(staff, ticket), can_manage=access.can_manage(staff, ticket),
        can_reveal=access.can_reveal_number(staff) and _phone_channel(ticket.channel) is not None, now=console(request).clock(),
        translating=machine_translation.applies(translations, ticket), translation_problem=translation_problem,
        preview=preview, **found,
    )


@blueprint.get("/tickets/<ticket_id:int>")
@signed_in()
async def conversation_page(request: Request, ticket_id: int) -> HTTPResponse:
    """A conversation: transcript, reply box, notes, transfer and close."""
    resp = await _page(request, ticket_id)
    if resp.status == 200:
        await console(request).audit(request, "view_conversation", target=f"ticket:{ticket_id}")
    return resp


@blueprint.get("/api/tickets/<ticket_id:int>")
@signed_in()
async def conversation_json(request: Request, ticket_id: int) -> HTTPResponse:
    """The transcript and state of a conversation, for the page's live updates."""
    found = await _load(request, ticket_id)
    if isinstance(found, HTTPResponse):
        return response.json({"error": "forbidden" if found.status == 403 else "not_found"}, status=found.status)
    ticket: handoff.Ticket = found["ticket"]
    lines = [_shown(line, found["zone"]) for line in found["lines"]]
    problem = await machine_translation.annotate(console(request).translations, ticket, lines)
    return response.json({
        "state": ticket.state,
        "holder": found["holder"],
        "window_open": found["window"].open,
        "lines": lines,
        "translation_problem": problem,
    })


async def _act(request: Request, ticket_id: int, action: str, allowed: str) -> tuple[handoff.Ticket | None, HTTPResponse | None]:
    """The ticket if the account may do `allowed` (view/take/reply/manage) to it, else the refusal."""
    state = console(request)
    ticket = await state.db(handoff.get_ticket, ticket_id=ticket_id)
    staff: store.Staff = request.ctx.staff
    if ticket is None:
        return None, render(request, "error.html", status=404, message=_("No such conversation."))
    check = {"view": access.can_view, "take": access.can_take, "reply": access.can_reply, "manage": access.can_manage}[allowed]
    if not access.can_view(staff, ticket):
        await state.audit(request, "forbidden_conversation", target=f"ticket:{ticket_id}", detail=action)
        return None, render(request, "error.html", status=403, message=_("This conversation belongs to another desk."))
    if not check(staff, ticket):
        await state.audit(request, f"{action}_refused", target=f"ticket:{ticket_id}", detail=f"state={ticket.state}")
        reason = {
            "take": _("This conversation is not in the queue any more: another agent took it, or it was closed."),
            "reply": _("Only the agent who holds this open conversation can write to the person."),
            "manage": _("This conversation is closed, or you do not hold it."),
        }.get(allowed, _("Not allowed."))
        return None, await _page(request, ticket_id, error=reason, status=409, **_drafts(request))
    return ticket, None


def _drafts(request: Request) -> dict[str, Any]:
    """What the agent typed in a refused form, to show it again."""
    text = (request.form.get("text") or "") if request.form else ""
    if request.path.endswith("/note"):
        return {"note_draft": text}
    return {"draft": text} if request.path.endswith("/reply") else {}


def _too_long(text: str) -> str | None:
    if len(text) <= MAX_REPLY:
        return None
    count, limit = i18n.number(len(text)), i18n.number(MAX_REPLY)
    return _("Your text has %(count)s characters; the limit is %(max)s. Nothing was sent: shorten it or send it in "
             "several messages (your text is still in the box).", count=count, max=limit)


def _done(ticket_id: int, what: str) -> HTTPResponse:
    return response.redirect(f"/tickets/{ticket_id}?done={what}")


@blueprint.post("/tickets/<ticket_id:int>/take")
@signed_in()
async def take(request: Request, ticket_id: int) -> HTTPResponse:
    """Take a queued conversation (one agent only; the person is told)."""
    state = console(request)
    _ticket, refusal = await _act(request, ticket_id, "take", "take")
    if refusal is not None:
        return refusal
    try:
        await desk.take(state.engine, ticket_id=ticket_id, agent_id=request.ctx.staff.id, now=state.clock())
    except UnknownChannelError:
        await state.audit(request, "channel_unreachable", target=f"ticket:{ticket_id}")
        return await _page(request, ticket_id, error=_(UNREACHABLE), status=409, **_drafts(request))
    except desk.HandoffError as err:
        await state.audit(request, "take_refused", target=f"ticket:{ticket_id}")
        return await _page(request, ticket_id, error=_(str(err)), status=409)
    await state.audit(request, "take", target=f"ticket:{ticket_id}")
    return _done(ticket_id, "taken")


@blueprint.post("/tickets/<ticket_id:int>/reply")
@signed_in()
async def reply(request: Request, ticket_id: int) -> HTTPResponse:
    """Send a reply (typed, or a quick reply in the person's language) through the person's channel."""
    state = console(request)
    ticket, refusal = await _act(request, ticket_id, "reply", "reply")
    if refusal is not None:
        return refusal
    assert ticket is not None
    quick = request.form.get("quick") or ""
    typed = request.form.get("text") or ""
    sent, original = typed, None
    if not quick:
        refusal_text = _too_long(typed)
        if refusal_text:
            await state.audit(request, "reply_refused", target=f"ticket:{ticket_id}", detail=f"too long: {len(typed)}")
            return await _page(request, ticket_id, error=refusal_text, status=400, draft=typed)
        if not typed.strip():
            return await _page(request, ticket_id, error=_("The reply is empty."), status=400, draft=typed)
        if request.form.get("translate") == "1" or request.form.get("send_translation") == "1":
            checked = await _machine_translated(request, ticket, typed)
            if isinstance(checked, HTTPResponse):
                return checked
            sent, original = checked, typed
    try:
        if quick:
            delivery = await desk.quick_reply(state.engine, ticket_id=ticket_id, agent_id=request.ctx.staff.id, key=quick,
                                              now=state.clock())
        else:
            delivery = await desk.reply(state.engine, ticket_id=ticket_id, agent_id=request.ctx.staff.id,
                                        text=sent, now=state.clock(), original=original)
    except UnknownChannelError:
        await state.audit(request, "channel_unreachable", target=f"ticket:{ticket_id}")
        return await _page(request, ticket_id, error=_(UNREACHABLE), status=409, draft=typed)
    except desk.HandoffError as err:
        await state.audit(request, "reply_refused", target=f"ticket:{ticket_id}")
        return await _page(request, ticket_id, error=_(str(err)), status=409, draft=typed)
    translated = " machine-translated" if original is not None else ""
    await state.audit(
        request, "quick_reply" if quick else "reply", target=f"ticket:{ticket_id}",
        detail=f"delivery={delivery.status}{translated}",
    )
    if quick and typed.strip():
        # The quick reply went; what was typed beside it did not, and stays in the box.
        return await _page(request, ticket_id, draft=typed, notice="quick_kept")
    return _done(ticket_id, "replied")


async def _machine_translated(request: Request, ticket: handoff.Ticket, typed: str) -> str | HTTPResponse:
    """The translation to send, once the agent has seen it; else the page with the preview or the problem.

    A reply goes translated only when "Send the translation" comes with the very text that was previewed:
    an edit after the preview shows the new translation first. Nothing is ever sent half-translated.
    """
    state = console(request)
    try:
        shown = await machine_translation.preview(state.translations, ticket, typed)
    except TranslationError as err:
        await state.audit(request, "reply_translation_failed", target=f"ticket:{ticket.id}", detail=type(err).__name__)
        return await _page(request, ticket.id, error=machine_translation.reply_problem(err, ticket), status=503,
                           draft=typed)
    previewed = request.form.get("previewed")
    if request.form.get("send_translation") != "1" or previewed is None or previewed.strip() != typed.strip():
        return await _page(request, ticket.id, draft=typed, preview=shown)
    refusal_text = _too_long(shown.translation)
    if refusal_text:
        return await _page(request, ticket.id, error=refusal_text, status=400, draft=typed, preview=shown)
    return shown.translation


@blueprint.post("/tickets/<ticket_id:int>/note")
@signed_in()
async def note(request: Request, ticket_id: int) -> HTTPResponse:
    """An internal note (never sent to the person)."""
    state = console(request)
    _ticket, refusal = await _act(request, ticket_id, "note", "view")
    if refusal is not None:
        return refusal
    typed = request.form.get("text") or ""
    refusal_text = _too_long(typed)
    if refusal_text:
        return await _page(request, ticket_id, error=refusal_text, status=400, note_draft=typed)
    try:
        await state.db(desk.add_note, ticket_id=ticket_id, agent_id=request.ctx.staff.id, text=typed, now=state.clock())
    except desk.HandoffError as err:
        return await _page(request, ticket_id, error=_(str(err)), status=400, note_draft=typed)
    await state.audit(request, "note", target=f"ticket:{ticket_id}")
    return _done(ticket_id, "noted")


@blueprint.post("/tickets/<ticket_id:int>/transfer")
@signed_in()
async def transfer(request: Request, ticket_id: int) -> HTTPResponse:
    """Give the conversation to another agent, or put it in another desk's queue."""
    state = console(request)
    _ticket, refusal = await _act(request, ticket_id, "transfer", "manage")
    if refusal is not None:
        return refusal
    target = request.form.get("to") or ""
    kind, _colon, raw_id = target.partition(":")
    if not raw_id.isdigit() or kind not in ("agent", "desk"):
        return await _page(request, ticket_id, error=_("Choose an agent or a desk to transfer to."), status=400)
    now, by = state.clock(), request.ctx.staff.id
    if kind == "agent":
        agent = await state.db(store.get_staff, staff_id=int(raw_id))
        if agent is None or not agent.active:
            return await _page(request, ticket_id, error=_("That agent does not exist or is deactivated."), status=400)
        if agent.id == by:
            return await _page(request, ticket_id, error=_("You cannot transfer a conversation to yourself."), status=400)
        moved = await state.db(handoff.transfer_to_agent, ticket_id=ticket_id, by_agent=by, to_agent=agent.id, now=now)
    else:
        if await state.db(handoff.get_desk, desk_id=int(raw_id)) is None:
            return await _page(request, ticket_id, error=_("That desk does not exist."), status=400)
        moved = await state.db(handoff.transfer_to_desk, ticket_id=ticket_id, by_agent=by, desk_id=int(raw_id), now=now)
    if moved is None:
        return await _page(request, ticket_id, error=_("This conversation is closed: it cannot be transferred."), status=409)
    await state.audit(request, "transfer", target=f"ticket:{ticket_id}", detail=target)
    if access.can_view(request.ctx.staff, moved):
        return _done(ticket_id, "transferred")
    return response.redirect("/queue")


@blueprint.post("/tickets/<ticket_id:int>/close")
@signed_in()
async def close(request: Request, ticket_id: int) -> HTTPResponse:
    """Close: the bot answers again; the person is told and asked to rate the help."""
    state = console(request)
    _ticket, refusal = await _act(request, ticket_id, "close", "manage")
    if refusal is not None:
        return refusal
    try:
        await desk.close(state.engine, ticket_id=ticket_id, agent_id=request.ctx.staff.id, now=state.clock(),
                         supervisor=access.sees_every_desk(request.ctx.staff))
    except UnknownChannelError:
        await state.audit(request, "channel_unreachable", target=f"ticket:{ticket_id}")
        return await _page(request, ticket_id, error=_(UNREACHABLE), status=409, **_drafts(request))
    except desk.HandoffError as err:
        return await _page(request, ticket_id, error=_(str(err)), status=409)
    await state.audit(request, "close", target=f"ticket:{ticket_id}")
    return _done(ticket_id, "closed")


def _phone_channel(channel: str) -> registry.ChannelSpec | None:
    """The channel's registry entry when its address is a phone number (WhatsApp, SMS)."""
    spec = registry.find(channel)
    return spec if spec is not None and spec.phone_number else None


@blueprint.post("/tickets/<ticket_id:int>/reveal")
@signed_in()
async def reveal(request: Request, ticket_id: int) -> HTTPResponse:
    """Show the person's phone number to a supervisor (logged in the audit log)."""
    state = console(request)
    ticket, refusal = await _act(request, ticket_id, "reveal_number", "view")
    if refusal is not None:
        return refusal
    assert ticket is not None
    spec = _phone_channel(ticket.channel)
    if spec is None:  # a Telegram chat id is not a number to call, and stays private
        return render(request, "error.html", status=404, message=_("This conversation has no phone number."))
    if not access.can_reveal_number(request.ctx.staff):
        await state.audit(request, "reveal_number_refused", target=f"ticket:{ticket_id}")
        return render(request, "error.html", status=403, message=_("Only supervisors can reveal a phone number."))
    conversation = await state.db(channel_store.get_conversation, conversation_id=ticket.conversation_id)
    await state.audit(request, "reveal_number", target=f"ticket:{ticket_id}")
    number = spec.phone_of(conversation.address) if conversation else _("unknown")
    return await _page(request, ticket_id, revealed=number)
