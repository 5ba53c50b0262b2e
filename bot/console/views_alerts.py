"""Alerts in the console: supervisors write one text per language, choose the audience, see how many
people it reaches (small counts suppressed like the evidence), and a second supervisor approves it
before it goes out (at once or at a chosen time). Each alert has its delivery report. Every step is
audit-logged by alert id.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import i18n as person_i18n
from bot.alerts import store
from bot.alerts.tables import DELIVERED_TO_PROVIDER, FAILED, NO_TEXT, OPTED_OUT, PENDING, UNCONFIRMED
from bot.channels import registry
from bot.console import i18n
from bot.console.i18n import gettext as _
from bot.console.tables import ADMIN, SUPERVISOR
from bot.console.web import console, render, signed_in
from bot.evidence import suppress
from bot.infodb.content import TOPICS

blueprint = Blueprint("alerts")
WRITERS = (SUPERVISOR, ADMIN)
DEFAULT_ZONE = "America/Mexico_City"
MAX_TEXT = 900  # fits a WhatsApp template variable and one Telegram message with the footer
REPORT_STATES = (DELIVERED_TO_PROVIDER, "delivered", FAILED, PENDING, NO_TEXT, OPTED_OUT, UNCONFIRMED, "opted_out_since")


def _choice(value: str | None, allowed: Any) -> str | None:
    value = (value or "").strip()
    return value if value and value in allowed else None


def _send_at(raw: str | None, zone: str) -> datetime | None:
    """The local date and time typed in the form, in UTC (None: as soon as it is approved)."""
    if not raw:
        return None
    local = datetime.fromisoformat(raw).replace(tzinfo=ZoneInfo(zone))
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def _audience_table(counts: dict[tuple[str, str], int]) -> suppress.Published:
    languages = list(person_i18n.LANGUAGES)
    channels = list(registry.names())
    matrix = [[counts.get((language, channel), 0) for channel in channels] for language in languages]
    return suppress.publish(languages, channels, matrix)


def _missing(texts: dict[str, str], counts: dict[tuple[str, str], int], fallback: str | None) -> list[str]:
    """Languages with subscribers and no text (they get nothing, unless a fallback text is chosen)."""
    if fallback and fallback in texts:
        return []
    subscribed = {language for (language, _channel), count in counts.items() if count}
    return [language for language in person_i18n.LANGUAGES if language in subscribed and language not in texts]


async def _list_page(request: Request, *, error: str | None = None, status: int = 200,
                     form: dict[str, str] | None = None) -> HTTPResponse:
    state = console(request)
    alerts = await state.db(store.list_alerts)
    return render(request, "alerts.html", status=status, alerts=alerts, error=error, form=form or {},
                  languages=[(code, i18n.language_name(code)) for code in person_i18n.LANGUAGES],
                  countries=sorted(person_i18n.country_names(), key=i18n.country_name),
                  topics=[(code, i18n.word(i18n.TOPICS, code)) for code in TOPICS], channels=registry.names(),
                  max_text=MAX_TEXT, zone=DEFAULT_ZONE)


@blueprint.get("/alerts")
@signed_in(*WRITERS)
async def alerts_page(request: Request) -> HTTPResponse:
    """The alerts written so far, and the form to write one."""
    return await _list_page(request)


@blueprint.post("/alerts")
@signed_in(*WRITERS)
async def alert_create(request: Request) -> HTTPResponse:
    """Store a draft (it waits for a second supervisor's approval)."""
    state = console(request)
    form = request.form
    values = {name: (form.get(name) or "").strip() for name in form}
    title = values.get("title", "")[:120]
    texts = {code: values.get(f"text_{code}", "") for code in person_i18n.LANGUAGES}
    texts = {code: text for code, text in texts.items() if text}
    if not title or not texts:
        return await _list_page(request, error=_("An alert needs a title and a text in at least one language."),
                                status=400, form=values)
    if any(len(text) > MAX_TEXT for text in texts.values()):
        return await _list_page(request, error=_("Each text may have at most %(count)s characters.", count=MAX_TEXT),
                                status=400, form=values)
    fallback = _choice(values.get("fallback_language"), texts)
    if values.get("fallback_language") and fallback is None:
        return await _list_page(request, error=_("The fallback language must be one of the languages with a text."),
                                status=400, form=values)
    try:
        send_at = _send_at(values.get("send_at"), values.get("timezone") or DEFAULT_ZONE)
    except (ValueError, KeyError):  # not a date and time, or an unknown time zone
        return await _list_page(request, error=_("The sending time is not a date and time in a known time zone."),
                                status=400, form=values)
    staff = request.ctx.staff
    alert_id = await state.db(
        store.create_alert, title=title, texts=texts, fallback_language=fallback,
        country=_choice(values.get("country"), person_i18n.country_names()),
        topic=_choice(values.get("topic"), TOPICS), channel=_choice(values.get("channel"), registry.names()),
        created_by=staff.id, send_at=send_at, now=state.clock(),
    )
    await state.audit(request, "alert_drafted", target=f"alert:{alert_id}")
    return response.redirect(f"/alerts/{alert_id}")


async def _alert_page(request: Request, alert_id: int, *, error: str | None = None, notice: str | None = None,
                      status: int = 200) -> HTTPResponse:
    state = console(request)
    alert = await state.db(store.get_alert, alert_id=alert_id)
    if alert is None:
        return response.text(_("Not found."), status=404)
    counts = await state.db(store.audience, country=alert.country, topic=alert.topic, channel=alert.channel,
                            now=state.clock())
    lines = await state.db(store.report, alert_id=alert_id)
    report = suppress.publish(
        [f"{i18n.language_name(line.language)} · {line.channel}" for line in lines], list(REPORT_STATES),
        [[line.counts.get(name, 0) for name in REPORT_STATES] for line in lines],
    )
    staff = request.ctx.staff
    missing = [i18n.language_name(code) for code in _missing(alert.texts, dict(counts), alert.fallback_language)]
    await state.audit(request, "alert_viewed", target=f"alert:{alert_id}")
    return render(request, "alert.html", status=status, alert=alert, error=error, notice=notice,
                  audience=_audience_table(dict(counts)), missing=missing,
                  language_name=i18n.language_name, country=i18n.country_name(alert.country) if alert.country else None,
                  topic=i18n.word(i18n.TOPICS, alert.topic) if alert.topic else None,
                  may_approve=alert.status == "draft" and alert.created_by != staff.id,
                  local_time=lambda at: i18n.local_time(at, DEFAULT_ZONE) if at else "",
                  report=report, report_states=REPORT_STATES)


@blueprint.get("/alerts/<alert_id:int>")
@signed_in(*WRITERS)
async def alert_page(request: Request, alert_id: int) -> HTTPResponse:
    """One alert: its texts, its audience now, the languages without a text, approval and the report."""
    return await _alert_page(request, alert_id)


@blueprint.post("/alerts/<alert_id:int>/approve")
@signed_in(*WRITERS)
async def alert_approve(request: Request, alert_id: int) -> HTTPResponse:
    """A second supervisor approves: the alert goes out at its time (or at once)."""
    state = console(request)
    if not await state.db(store.approve, alert_id=alert_id, staff_id=request.ctx.staff.id, now=state.clock()):
        return await _alert_page(request, alert_id, status=409,
                                 error=_("Only another supervisor can approve a draft, and only once."))
    await state.audit(request, "alert_approved", target=f"alert:{alert_id}")
    return await _alert_page(request, alert_id, notice=_("Approved: the alert goes out at its time."))


@blueprint.post("/alerts/<alert_id:int>/cancel")
@signed_in(*WRITERS)
async def alert_cancel(request: Request, alert_id: int) -> HTTPResponse:
    """Cancel an alert that has not started going out."""
    state = console(request)
    if not await state.db(store.cancel, alert_id=alert_id):
        return await _alert_page(request, alert_id, status=409, error=_("This alert is already going out."))
    await state.audit(request, "alert_cancelled", target=f"alert:{alert_id}")
    return await _alert_page(request, alert_id, notice=_("Cancelled."))
