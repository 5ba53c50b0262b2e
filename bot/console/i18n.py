"""The console in the staff member's language: gettext catalogues read with Babel, dates in the
desk's time zone, and codes (languages, reasons, states, delivery states) as words.

Catalogues: ``bot/console/locale/<lang>/LC_MESSAGES/console.po``, read with ``babel.messages``
and compiled in memory at start (no binary ``.mo`` files to keep in step). English is the source
language. The language of a request is set once by the web layer (``use``); ``gettext`` and the
templates' ``_()`` / ``{% trans %}`` read it.
"""

from __future__ import annotations

import contextvars
import io
from collections.abc import Iterator
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from bot.i18n import languages

LANGUAGES = languages.console_codes()
# The language the console's messages are written in (no catalogue).
SOURCE_LANGUAGE = languages.console_source()
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "console"
_current: contextvars.ContextVar[str] = contextvars.ContextVar("console_language", default=SOURCE_LANGUAGE)


def N_(message: str) -> str:  # noqa: N802  (the gettext convention)
    """Mark a string for translation where it is defined; translate it with ``gettext`` where it is shown."""
    return message


# Codes staff see, as words (translated where shown).
REASONS = {
    "request_human": N_("asked for a person"),
    "not_understood": N_("the assistant did not understand"),
    "media": N_("sent a voice note, photo or document"),
    "labor_abuse": N_("labour abuse"),
    "emergency": N_("emergency"),
}
# What people asked about (the topic intents of the evidence counts), as words.
TOPICS = {
    "ask_visa": N_("visas to travel or enter"),
    "ask_work_permit": N_("work permits and worker programmes"),
    "ask_asylum": N_("asylum and refugee status"),
    "ask_regularization": N_("regularization and residence"),
    "ask_family_reunification": N_("family reunification"),
    "ask_documents": N_("documents and consulates"),
    "ask_voluntary_return": N_("voluntary return"),
    "ask_labor_rights": N_("rights at work"),
    "ask_job_offer_check": N_("checking a job offer or recruiter"),
    "report_labor_abuse": N_("abuse at work"),
    "ask_smuggling_risks": N_("smuggling and route risks"),
    "ask_trafficking": N_("human trafficking"),
    "report_emergency": N_("emergency"),
    "find_help_point": N_("help points"),
    "ask_shelter": N_("shelter"),
    "ask_health": N_("health"),
    "ask_education": N_("education"),
    "ask_missing_person": N_("missing persons"),
    "ask_emergency_numbers": N_("emergency numbers"),
}
STATES = {
    "bot": N_("with the assistant"),
    "queued": N_("waiting"),
    "with_staff": N_("with staff"),
    "closed": N_("closed"),
    "cancelled": N_("cancelled by the person"),
}
DELIVERY = {
    "pending": N_("waiting to be sent"),
    "queued": N_("waiting to be sent"),
    "processing": N_("sending"),
    "sending": N_("sending"),
    "sent": N_("sent"),
    "delivered": N_("delivered"),
    "read": N_("read"),
    "failed": N_("not delivered"),
    "undelivered": N_("not delivered"),
    "outside_window": N_("not sent: WhatsApp window closed"),
    "opted_out": N_("not sent: the person stopped messages"),
    "not_queued": N_("not sent"),
}
# Each console language by its own name (the picker shows them so, whatever the current language).
LANGUAGE_NAMES = {code: name for code, name in languages.names().items() if code in LANGUAGES}


@cache
def translations(language: str) -> Translations:
    """The compiled catalogue of a console language (English: the messages as written)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == SOURCE_LANGUAGE or not path.exists():
        return Translations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def use(language: str) -> contextvars.Token[str]:
    """Make `language` the language of the running request (its task)."""
    return _current.set(language if language in LANGUAGES else SOURCE_LANGUAGE)


def current() -> str:
    """The language of the running request."""
    return _current.get()


def gettext(message: str, **values: Any) -> str:
    """A message in the request's language, with %(name)s values filled in."""
    text = translations(current()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    """A message with a count, in the request's language."""
    text = translations(current()).ngettext(singular, plural, n)
    return text % {"num": n, **values}


def negotiate(accept_language: str | None, default: str) -> str:
    """The console language that best fits a browser's Accept-Language header."""
    wanted = []
    for part in (accept_language or "").split(","):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            continue
        if tag and tag != "*":
            wanted.append((weight, tag.replace("-", "_")))
    ordered = [tag for _, tag in sorted(wanted, key=lambda item: -item[0])]
    found = Locale.negotiate(ordered, list(LANGUAGES), sep="_") if ordered else None
    return str(found.language) if found is not None else default


def language_name(code: str | None) -> str:
    """A language code (the person's: es, ht, pt...) as its name in the staff member's language."""
    if not code:
        return gettext("unknown")
    try:
        name = Locale.parse(current()).languages.get(code)
    except UnknownLocaleError:
        name = None
    return name or code


def country_name(code: str | None) -> str:
    """An ISO country code as its name in the staff member's language."""
    if not code:
        return gettext("unknown")
    return Locale.parse(current()).territories.get(code.upper()) or code


def word(table: dict[str, str], code: str | None) -> str:
    """A code of one of the tables above as words in the request's language (the code itself when unknown)."""
    if not code:
        return ""
    return gettext(table[code]) if code in table else code


def number(value: int) -> str:
    """A number written the way the request's language writes it (4,000 / 4000 / 4 000)."""
    return str(format_decimal(value, locale=current()))


def local_time(at: datetime | None, zone: str | None, format: str = "short") -> str:
    """A stored UTC time in a desk's time zone, formatted for the request's language, with the zone's name."""
    if at is None:
        return ""
    aware = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    try:
        tz = ZoneInfo(zone) if zone else ZoneInfo("UTC")
    except Exception:  # an unknown zone name: show UTC rather than fail the page
        tz = ZoneInfo("UTC")
    shown = format_datetime(aware, format=format, tzinfo=tz, locale=current())
    return f"{shown} ({tz.key})" if format != "HH:mm:ss" else shown


def clock_time(at: datetime, zone: str | None) -> str:
    """Hours, minutes and seconds of a stored UTC time in a desk's time zone."""
    return local_time(at, zone, "HH:mm:ss")


def all_messages() -> Iterator[str]:
    """Every message id of the marked tables (for the catalogue test)."""
    for table in (REASONS, STATES, DELIVERY):
        yield from table.values()
