"""The handoff policy in one place: why a conversation goes to a person, which reasons are urgent,
and the ticket's state machine. The store (``bot.handoff.store``) only persists what this allows.

Reading it top to bottom answers "what happens when": an intent (or a voice note, image or document)
gives a reason; an urgent reason puts the ticket first in the queue; a ticket moves only along
``TRANSITIONS``.
"""

from __future__ import annotations

from dataclasses import dataclass

# -- reasons ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """Why a ticket exists, whether it jumps the queue, and the intents that give it."""

    code: str
    urgent: bool
    intents: tuple[str, ...] = ()


REQUEST_HUMAN, NOT_UNDERSTOOD, MEDIA, LABOR_ABUSE, EMERGENCY = (
    "request_human", "not_understood", "media", "labor_abuse", "emergency",
)
REASON_TABLE: tuple[Reason, ...] = (
    Reason(REQUEST_HUMAN, urgent=False, intents=("request_human",)),  # also the default
    Reason(NOT_UNDERSTOOD, urgent=False, intents=("nlu_fallback",)),
    Reason(MEDIA, urgent=False),  # a voice note, image or document: the assistant reads text only
    Reason(LABOR_ABUSE, urgent=False, intents=("report_labor_abuse",)),
    Reason(EMERGENCY, urgent=True, intents=("report_emergency",)),
)
REASONS = tuple(reason.code for reason in REASON_TABLE)
_BY_INTENT = {intent: reason.code for reason in REASON_TABLE for intent in reason.intents}
_URGENT = frozenset(reason.code for reason in REASON_TABLE if reason.urgent)


def reason_for(intent: str | None, *, media: bool = False) -> str:
    """The reason of a handoff: media first, then the intent that asked for it, else a plain request."""
    if media:
        return MEDIA
    return _BY_INTENT.get(intent or "", REQUEST_HUMAN)


def is_urgent(reason: str) -> bool:
    """Whether tickets of this reason go first in the queue (and tell the person the emergency numbers)."""
    return reason in _URGENT


# -- the ticket's state machine ---------------------------------------------------------------

QUEUED, WITH_STAFF, CLOSED, CANCELLED = "queued", "with_staff", "closed", "cancelled"
OPEN_STATES = (QUEUED, WITH_STAFF)
BOT = "bot"  # the state of a conversation without an open ticket

# What may happen to a ticket: the states it may be in, and the state it goes to. Opening a ticket
# (BOT -> QUEUED) happens once per conversation at a time (the store's unique open key).
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "open": ((BOT,), QUEUED),
    "take": ((QUEUED,), WITH_STAFF),  # an agent of the desk takes it
    "transfer_to_agent": (OPEN_STATES, WITH_STAFF),  # given to another agent
    "transfer_to_desk": (OPEN_STATES, QUEUED),  # back in the queue of another desk
    "close": (OPEN_STATES, CLOSED),  # staff hand the conversation back to the bot
    "cancel": (OPEN_STATES, CANCELLED),  # the person withdraws the request
}
