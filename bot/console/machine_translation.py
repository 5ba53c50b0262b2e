"""Machine translation on the conversation page (``bot.translation``), in the agent's words.

The person's messages get a translation into the agent's console language beside the original; the
agent may send a reply machine-translated into the person's language after seeing both texts. A pair
the server does not offer, or a server that does not answer, is said plainly: the originals stay on
the page and nothing typed is lost. Off (no calls at all) when the console has no translator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot import i18n as person_i18n
from bot.console import i18n
from bot.console.i18n import gettext as _
from bot.handoff.store import Ticket
from bot.translation.cache import Translations
from bot.translation.client import PairUnsupportedError, TranslationError

NOTICE_KEY = "handoff_machine_translated"
PERSON = "person"


@dataclass(frozen=True)
class Preview:
    """A reply and its machine translation, shown to the agent before it is sent."""

    original: str
    translation: str
    notice: str  # the line the person gets with it, in their language
    notice_meaning: str  # the same line in the agent's language


def applies(translations: Translations | None, ticket: Ticket) -> bool:
    """Whether the page offers translation: it is on, and the person writes in another language than the agent reads."""
    return translations is not None and bool(ticket.language) and ticket.language != i18n.current()


def _problem(err: TranslationError, source: str, target: str) -> str:
    if isinstance(err, PairUnsupportedError):
        return _("The translation server cannot translate %(source)s into %(target)s. The messages are shown as the "
                 "person wrote them.", source=i18n.language_name(source), target=i18n.language_name(target))
    return _("The translation server is not answering, so the messages are shown as the person wrote them. "
             "Translations appear again when it answers.")


async def annotate(translations: Translations | None, ticket: Ticket, lines: list[dict[str, Any]]) -> str | None:
    """Add a ``translation`` to each of the person's lines; return what went wrong, in the agent's words."""
    if translations is None or not applies(translations, ticket):
        return None
    source, target = str(ticket.language), i18n.current()
    texts = [str(line["text"]) for line in lines if line["kind"] == PERSON]
    if not texts:
        return None
    batch = await translations.translate_all(texts, source=source, target=target)
    for line in lines:
        found = batch.translations.get(str(line["text"])) if line["kind"] == PERSON else None
        if found is not None and found != line["text"]:
            line["translation"] = found
    return _problem(batch.problem, source, target) if batch.problem else None


async def preview(translations: Translations | None, ticket: Ticket, text: str) -> Preview:
    """The agent's reply translated into the person's language (raises TranslationError)."""
    if translations is None or not applies(translations, ticket):
        raise PairUnsupportedError("machine translation is off or not needed")
    theirs = str(ticket.language)
    translated = (await translations.translate(text.strip(), source=i18n.current(), target=theirs)).strip()
    return Preview(original=text, translation=translated, notice=person_i18n.text(NOTICE_KEY, theirs),
                   notice_meaning=person_i18n.text(NOTICE_KEY, i18n.current()))


def reply_problem(err: TranslationError, ticket: Ticket) -> str:
    """Why a reply could not be machine-translated; nothing was sent and the text stays in the box."""
    if isinstance(err, PairUnsupportedError):
        reason = _("the translation server cannot translate %(source)s into %(target)s",
                   source=i18n.language_name(i18n.current()), target=i18n.language_name(ticket.language))
    else:
        reason = _("the translation server is not answering")
    return _("Your reply was not translated (%(reason)s). Nothing was sent: your text is still in the box. "
             "Send it as written, use a quick reply, or try again later.", reason=reason)
