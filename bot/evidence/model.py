"""What is counted: outcomes, measures, wait buckets and the observation one event adds to the counts.

An observation holds categories only (a week, country codes, a language, a channel, a topic, an
outcome or bucket): never a text, an identifier, a pseudonym or an exact time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TypedDict

# Outcomes of a turn, written by the actions into the non-featurized `evidence` slot.
COUNTRY_ANSWER = "country_answer"
REGIONAL_FALLBACK = "regional_fallback"  # the content gap: no answer for the question's country
NOT_UNDERSTOOD = "not_understood"
HANDED_TO_STAFF = "handed_to_staff"
EMERGENCY = "emergency"
OUTCOMES = (COUNTRY_ANSWER, REGIONAL_FALLBACK, NOT_UNDERSTOOD, HANDED_TO_STAFF, EMERGENCY)
# Outcomes that count as a question asked (a handoff is counted on its own).
QUESTION_OUTCOMES = (COUNTRY_ANSWER, REGIONAL_FALLBACK, NOT_UNDERSTOOD, EMERGENCY)

# Measures (the `kind` of a count).
OUTCOME = "outcome"
FIRST_REPLY = "first_reply"  # handoff: from the ticket's opening to the first staff reply
TO_CLOSE = "to_close"  # handoff: from the ticket's opening to its close
RATING = "rating"  # the person's 1-5 rating of a closed ticket
KINDS = (OUTCOME, FIRST_REPLY, TO_CLOSE, RATING)

EVIDENCE_SLOT = "evidence"

# Fine wait buckets (upper bound in minutes, label); the last has no bound. Chatwoot's report buckets
# are unions of these, and the median and 90th percentile are reported as the bucket they fall in.
WAIT_BUCKETS: tuple[tuple[int | None, str], ...] = (
    (15, "0-15m"), (30, "15-30m"), (60, "30-60m"), (120, "1-2h"), (240, "2-4h"), (480, "4-8h"),
    (720, "8-12h"), (1440, "12-24h"), (2880, "24-48h"), (None, "48h+"),
)
CHATWOOT_BUCKETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("<1h", ("0-15m", "15-30m", "30-60m")),
    ("1-4h", ("1-2h", "2-4h")),
    ("4-8h", ("4-8h",)),
    ("8-24h", ("8-12h", "12-24h")),
    (">24h", ("24-48h", "48h+")),
)
RATINGS = ("1", "2", "3", "4", "5")


class Marker(TypedDict):
    """The value of the `evidence` slot an action sets: one turn's outcome, in categories only."""

    outcome: str
    topic: str
    question_country: str
    country: str
    language: str
    channel: str


@dataclass(frozen=True)
class Cell:
    """The categories a count is kept under."""

    week: date  # the Monday of the ISO week
    desk: str = ""
    country: str = ""  # where the person is
    question_country: str = ""  # the country the question was about (the answer's country)
    language: str = ""
    channel: str = ""
    topic: str = ""
    kind: str = OUTCOME
    value: str = ""


@dataclass(frozen=True)
class Observation:
    """One event's contribution: a cell to add one to, under the event's stable id."""

    event_id: str
    cell: Cell


def week_of(moment: datetime | float) -> date:
    """The Monday (UTC) of the ISO week of a moment (a naive UTC datetime or a Unix timestamp)."""
    if isinstance(moment, (int, float)):
        moment = datetime.fromtimestamp(moment, tz=timezone.utc).replace(tzinfo=None)
    day = moment.date()
    return day - timedelta(days=day.weekday())


def iso_week(monday: date) -> str:
    """The ISO week label of a Monday, e.g. ``2026-W49``."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def wait_bucket(waited: timedelta) -> str:
    """The fine bucket of a wait (negative waits, from clock skew, count as the shortest)."""
    minutes = max(0.0, waited.total_seconds() / 60)
    for bound, label in WAIT_BUCKETS:
        if bound is None or minutes < bound:
            return label
    return WAIT_BUCKETS[-1][1]


def clean_code(value: object, length: int = 8) -> str:
    """A short category code (a country, language or channel), or empty for anything else."""
    text = str(value or "").strip()
    if not text or len(text) > length or not all(c.isalnum() or c in "_-" for c in text):
        return ""
    return text
