"""Opening hours in the desk's own time zone."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from bot.handoff import hours

WEEKDAYS = {day: ["09:00-13:00", "14:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
ZONE = "America/Mexico_City"  # UTC-6, no daylight saving time since 2022


def test_open_and_closed_follow_the_desks_local_time() -> None:
    assert hours.is_open(WEEKDAYS, ZONE, datetime(2026, 11, 30, 15, 30))  # Monday 09:30 in Mexico City
    assert not hours.is_open(WEEKDAYS, ZONE, datetime(2026, 11, 30, 19, 30))  # Monday 13:30: lunch break
    assert not hours.is_open(WEEKDAYS, ZONE, datetime(2026, 11, 30, 14, 59))  # Monday 08:59


def test_the_next_opening_skips_the_weekend() -> None:
    saturday_noon = datetime(2026, 11, 28, 18, 0)
    assert hours.next_opening(WEEKDAYS, ZONE, saturday_noon) == hours.Opening("mon", time(9, 0), ZONE)
    friday_evening = datetime(2026, 11, 28, 0, 30)  # Friday 18:30 local
    assert hours.next_opening(WEEKDAYS, ZONE, friday_evening) == hours.Opening("mon", time(9, 0), ZONE)
    monday_lunch = datetime(2026, 11, 30, 19, 30)
    assert hours.next_opening(WEEKDAYS, ZONE, monday_lunch) == hours.Opening("mon", time(14, 0), ZONE)


def test_a_desk_without_hours_is_never_said_to_be_closed() -> None:
    assert hours.is_open({}, ZONE, datetime(2026, 11, 28, 3, 0))
    assert hours.next_opening({}, ZONE, datetime(2026, 11, 28, 3, 0)) is None


@pytest.mark.parametrize(
    ("spec", "zone"),
    [({"mon": ["9-5"]}, "UTC"), ({"lun": ["09:00-17:00"]}, "UTC"), ({"mon": ["17:00-09:00"]}, "UTC"), ({}, "Mars/Base")],
)
def test_unreadable_hours_are_refused_with_a_clear_error(spec: dict[str, list[str]], zone: str) -> None:
    with pytest.raises(hours.HoursError):
        hours.validate(spec, zone)


def test_the_desk_command_reads_day_ranges_and_refuses_nonsense() -> None:
    from bot.handoff.hours import parse_hours

    parsed = parse_hours("mon-wed 09:00-13:00,14:00-17:00; sat 10:00-12:00")
    assert parsed == {day: ["09:00-13:00", "14:00-17:00"] for day in ("mon", "tue", "wed")} | {"sat": ["10:00-12:00"]}
    with pytest.raises(hours.HoursError):
        parse_hours("lun-vie 09:00-17:00")
