"""How old a fact's source is, read from the free-text date the research gives ("2016-10-03 / Jan
2017", "2017 (page captured 2022)", "~2025–2026", "n.d.").

The newest year written counts (a page re-captured later counts as of then); a text with no year is
undated. A source is old when its newest year is more than ``OLD_AFTER_YEARS`` before this year.
"""

from __future__ import annotations

import re
from datetime import date
from enum import Enum

OLD_AFTER_YEARS = 2
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")


class SourceAge(str, Enum):
    """Whether a person should be told to double-check a source's date."""

    CURRENT = "current"
    OLD = "old"
    UNDATED = "undated"


def newest_year(source_date: str) -> int | None:
    """The newest year written in a source date, if any."""
    years = [int(y) for y in _YEAR.findall(source_date or "")]
    return max(years) if years else None


def source_age(source_date: str, today: date) -> SourceAge:
    """Classify one source date."""
    year = newest_year(source_date)
    if year is None:
        return SourceAge.UNDATED
    return SourceAge.OLD if year < today.year - OLD_AFTER_YEARS else SourceAge.CURRENT


def oldest_age(source_dates: list[str], today: date) -> SourceAge:
    """The most worrying age among several sources (undated before old before current)."""
    ages = {source_age(d, today) for d in source_dates}
    for age in (SourceAge.UNDATED, SourceAge.OLD):
        if age in ages:
            return age
    return SourceAge.CURRENT
