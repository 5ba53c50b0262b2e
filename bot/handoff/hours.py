"""Opening hours of a desk, in its own time zone.

Hours are stored per weekday as ``{"mon": ["09:00-13:00", "14:00-17:00"], ...}``; a missing or
empty day is closed, and a desk with no hours at all is never said to be open or closed (the
person is told only their place in the queue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class HoursError(ValueError):
    """Raised for opening hours that cannot be read."""


@dataclass(frozen=True)
class Opening:
    """The next time a closed desk opens, in the desk's time zone."""

    weekday: str
    at: time
    timezone: str


def _ranges(spec: str) -> tuple[time, time]:
    try:
        start, end = (time.fromisoformat(part.strip()) for part in spec.split("-", 1))
    except ValueError as err:
        raise HoursError(f"opening hours must look like 09:00-17:00, got {spec!r}") from err
    if end <= start:
        raise HoursError(f"opening hours end before they start: {spec!r}")
    return start, end


def validate(hours: dict[str, list[str]], zone: str) -> None:
    """Raise HoursError for unknown weekdays, unreadable ranges or an unknown time zone."""
    try:
        ZoneInfo(zone)
    except Exception as err:  # zoneinfo raises several types for a bad key
        raise HoursError(f"unknown time zone {zone!r}") from err
    for day, ranges in hours.items():
        if day not in WEEKDAYS:
            raise HoursError(f"unknown weekday {day!r} (use {', '.join(WEEKDAYS)})")
        for spec in ranges:
            _ranges(spec)


def has_hours(hours: dict[str, list[str]]) -> bool:
    """Whether any opening hours are set."""
    return any(hours.get(day) for day in WEEKDAYS)


def _local(now: datetime, zone: str) -> datetime:
    aware = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    return aware.astimezone(ZoneInfo(zone))


def is_open(hours: dict[str, list[str]], zone: str, now: datetime) -> bool:
    """Whether the desk is open at `now` (naive datetimes are UTC). No hours set counts as open."""
    if not has_hours(hours):
        return True
    local = _local(now, zone)
    for spec in hours.get(WEEKDAYS[local.weekday()], []):
        start, end = _ranges(spec)
        if start <= local.time() < end:
            return True
    return False


def next_opening(hours: dict[str, list[str]], zone: str, now: datetime) -> Opening | None:
    """When a closed desk opens next (within a week); None when it has no hours."""
    if not has_hours(hours):
        return None
    local = _local(now, zone)
    for offset in range(8):
        day = local + timedelta(days=offset)
        name = WEEKDAYS[day.weekday()]
        starts = sorted(_ranges(spec)[0] for spec in hours.get(name, []))
        for start in starts:
            if offset > 0 or start > local.time():
                return Opening(weekday=name, at=start, timezone=zone)
    return None


def parse_hours(spec: str) -> dict[str, list[str]]:
    """``"mon-fri 09:00-13:00,14:00-17:00; sat 09:00-12:00"`` as stored opening hours."""
    result: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        try:
            days, ranges = part.split(None, 1)
        except ValueError as err:
            raise HoursError(f"expected 'days ranges', got {part!r}") from err
        if "-" in days:
            first, last = days.split("-", 1)
            if first not in WEEKDAYS or last not in WEEKDAYS:
                raise HoursError(f"unknown weekday in {days!r}")
            names = WEEKDAYS[WEEKDAYS.index(first) : WEEKDAYS.index(last) + 1]
        else:
            names = (days,)
        for name in names:
            result.setdefault(name, []).extend(r.strip() for r in ranges.split(","))
    return result
