"""Turn database views into chat messages (pure functions: text from bot.i18n, data from the views)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot import i18n
from bot.i18n import languages
from bot.infodb.freshness import SourceAge
from bot.infodb.models import REGIONAL
from bot.infodb.queries import AnswerView, HelpPointView, HotlineView

Message = dict[str, Any]
ASK_COUNTRY_CHOICES = ("MX", "GT", "HN", "SV", "CR", "PA", "DO", "HT")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def person_button(language: str) -> dict[str, str]:
    """The button that asks for a person."""
    return {"title": i18n.text("talk_to_person_button", language), "payload": "/request_human"}


def alerts_button(language: str, country: str, topic: str) -> dict[str, str]:
    """The button that subscribes to alerts on a country's topic (actions/alerts.py)."""
    entities = json.dumps({"country": country, "alert_topic": topic}, separators=(",", ":"))
    return {"title": i18n.text("alerts_offer_button", language), "payload": f"/subscribe_alerts{entities}"}


def answer_messages(view: AnswerView, language: str, offer_person: bool = True) -> list[Message]:
    """An answer: any fallback note, then title, body and its source line, with a person button
    (unless the conversation is being passed to a person anyway)."""
    messages: list[Message] = []
    notes = []
    if view.is_regional_fallback:
        notes.append(i18n.text("regional_note", language, country=i18n.country_name(view.requested_country, language)))
    if view.is_language_fallback:
        names = i18n.table("language_names", language)
        notes.append(i18n.text("language_note", language, language=names.get(view.language, view.language)))
    if notes:
        messages.append({"text": "\n".join(notes)})
    source_line = _source_line(view, language)
    buttons = [person_button(language)] if offer_person else []
    if offer_person and view.country != REGIONAL:  # a country's answer may change: offer alerts about it
        buttons.append(alerts_button(language, view.country, view.topic))
    messages.append({"text": f"*{view.title}*\n{view.body}\n\n{source_line}", "buttons": buttons})
    return messages


def _source_line(view: AnswerView, language: str) -> str:
    """Sources, the day a person last checked them (or that nobody has yet), and a word on old or
    undated sources."""
    sources = "; ".join(s.name for s in view.sources)
    if view.verified_at is None:
        line = i18n.text("source_line_unverified", language, sources=sources)
    else:
        line = i18n.text("source_line", language, sources=sources, verified=i18n.format_date(view.verified_at))
    if view.source_age is not SourceAge.CURRENT:
        line += " " + i18n.text(f"sources_{view.source_age.value}", language)
    return line


def no_answer_messages(language: str) -> list[Message]:
    """No verified answer: say so, never guess, and offer a person."""
    return [{"text": f"{i18n.text('no_answer', language)} {i18n.text('offer_person', language)}",
             "buttons": [person_button(language)]}]


def ask_country_message(language: str, key: str = "ask_country") -> Message:
    """Ask which country the person is in, with the desk countries as buttons."""
    buttons = [
        {"title": i18n.country_name(code, language), "payload": f'/inform{{"country": "{code}"}}'}
        for code in ASK_COUNTRY_CHOICES
    ]
    buttons.append({"title": i18n.text("other_country_button", language), "payload": '/inform{"country": "REGIONAL"}'})
    return {"text": i18n.text(key, language), "buttons": buttons}


def hotline_messages(lines: list[HotlineView], country: str, language: str) -> list[Message]:
    """A country's phone lines in one message (or a clear 'none verified')."""
    name = i18n.country_name(country, language)
    if not lines:
        return [{"text": i18n.text("hotlines_none", language, country=name)}]
    rows = [i18n.text("hotlines_intro", language, country=name)]
    for line in lines:
        label = _in_language(line.labels, language) or line.kind
        row = i18n.text("hotline_line", language, label=label, number=line.number)
        if line.unsettled:
            row += " " + i18n.text("hotline_caveat", language)
        rows.append(f"• {row}")
    return [{"text": "\n".join(rows)}]


def _hours_today(point: HelpPointView, today: date, language: str) -> str | None:
    if not point.opening_hours:
        return None
    hours = point.opening_hours.get(WEEKDAYS[today.weekday()])
    if not hours:
        return i18n.text("help_point_closed_today", language)
    return i18n.text("help_point_hours_today", language, hours=hours)


def help_point_messages(points: list[HelpPointView], language: str, today: date, country: str | None = None) -> list[Message]:
    """Up to three help points with distance, address, hours today and phone."""
    if not points:
        return [{"text": f"{i18n.text('help_points_none', language)} {i18n.text('offer_person', language)}",
                 "buttons": [person_button(language)]}]
    kinds = i18n.table("help_point_kinds", language)
    intro = (i18n.text("help_points_in", language, country=i18n.country_name(country, language)) if country
             else i18n.text("help_points_intro", language))
    blocks = [intro]
    for point in points:
        head = f"*{point.name}* ({kinds.get(point.kind, point.kind)})"
        details = [", ".join(p for p in (point.city, i18n.country_name(point.country, language)) if p)]
        if point.distance_km is not None:
            details.append(i18n.text("help_point_distance", language, km=round(point.distance_km)))
        details.append(point.address or i18n.text("help_point_no_address", language))
        if point.phone:
            details.append(i18n.text("help_point_phone", language, phone=point.phone))
        hours = _hours_today(point, today, language)
        if hours:
            details.append(hours)
        service = _in_language(point.services, language)
        blocks.append("\n".join([head, *(f"  {d}" for d in details if d), *([f"  {service}"] if service else [])]))
    return [{"text": "\n\n".join(blocks), "buttons": [person_button(language)]}]


def _in_language(texts: dict[str, str], language: str) -> str | None:
    """A text in the person's language, else in the registry's content fallback order."""
    for code in (language, *languages.content_fallback()):
        if texts.get(code):
            return texts[code]
    return None
