"""A source's age, read from the research's free-text dates."""

from __future__ import annotations

from datetime import date

import pytest

from bot.infodb.freshness import SourceAge, newest_year, oldest_age, source_age

TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("written", "year"),
    [("2016-10-03 / Jan 2017", 2017), ("2017 (page captured 2022)", 2022), ("~2025–2026", 2026),
     ("n.d.", None), ("", None), ("2013–2024", 2024), ("FY2025", 2025)],
)
def test_the_newest_year_written_counts(written: str, year: int | None) -> None:
    assert newest_year(written) == year


@pytest.mark.parametrize(
    ("written", "age"),
    [("2024-12", SourceAge.CURRENT), ("2023", SourceAge.OLD), ("2015", SourceAge.OLD), ("n.d.", SourceAge.UNDATED)],
)
def test_older_than_two_years_or_undated(written: str, age: SourceAge) -> None:
    assert source_age(written, TODAY) is age


def test_the_most_worrying_age_wins() -> None:
    assert oldest_age(["2026", "2015"], TODAY) is SourceAge.OLD
    assert oldest_age(["2015", "n.d."], TODAY) is SourceAge.UNDATED
    assert oldest_age(["2025"], TODAY) is SourceAge.CURRENT
