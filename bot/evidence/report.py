"""What the dashboard, its JSON and the exports publish: stored counts arranged in tables, then protected.

Every count shown passes ``suppress.publish``; every rate ``suppress.rate``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.engine import Engine

from bot.evidence import store, suppress
from bot.evidence.model import (
    CHATWOOT_BUCKETS,
    COUNTRY_ANSWER,
    FIRST_REPLY,
    HANDED_TO_STAFF,
    NOT_UNDERSTOOD,
    OUTCOME,
    OUTCOMES,
    QUESTION_OUTCOMES,
    RATING,
    RATINGS,
    REGIONAL_FALLBACK,
    TO_CLOSE,
    WAIT_BUCKETS,
    iso_week,
)
from bot.evidence.suppress import Published

UNKNOWN = "?"


@dataclass(frozen=True)
class LanguageRates:
    """Where training data and content are missing, per language (None: not published)."""

    language: str
    not_understood: float | None
    regional_fallback: float | None


@dataclass(frozen=True)
class Waits:
    """Handoff waits: the Chatwoot buckets, and the buckets the median and 90th percentile fall in."""

    buckets: Published
    median: str | None
    p90: str | None


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows, already protected."""

    questions_by_topic_and_week: Published
    questions_by_country_and_language: Published
    rates: tuple[LanguageRates, ...]
    content_gaps: Published
    handoffs_by_reason: Published
    first_reply: Waits
    to_close: Waits
    ratings: Published
    average_rating: float | None


def _table(pairs: dict[tuple[str, str], int], rows: Sequence[str] | None = None,
           columns: Sequence[str] | None = None) -> Published:
    rows = rows if rows is not None else sorted({r for r, _ in pairs})
    columns = columns if columns is not None else sorted({c for _, c in pairs})
    return suppress.publish(rows, columns, [[pairs.get((r, c), 0) for c in columns] for r in rows])


def _list(counts: dict[str, int], labels: Sequence[str]) -> Published:
    return suppress.publish_list(labels, [counts.get(label, 0) for label in labels])


def _quantile(counts: dict[str, int], share: float) -> str | None:
    """The fine bucket a quantile falls in, published only over 10 waits or more."""
    total = sum(counts.values())
    if total < suppress.MIN_RATE_DENOMINATOR:
        return None
    seen = 0
    for _bound, label in WAIT_BUCKETS:
        seen += counts.get(label, 0)
        if seen >= share * total:
            return label
    return WAIT_BUCKETS[-1][1]


def _waits(counts: dict[str, int]) -> Waits:
    coarse = {name: sum(counts.get(fine, 0) for fine in members) for name, members in CHATWOOT_BUCKETS}
    return Waits(_list(coarse, [name for name, _ in CHATWOOT_BUCKETS]), _quantile(counts, 0.5), _quantile(counts, 0.9))


def build(counts: Iterable[store.Count]) -> Dashboard:
    """Arrange counts into the dashboard's tables."""
    by_topic_week: dict[tuple[str, str], int] = defaultdict(int)
    by_country_language: dict[tuple[str, str], int] = defaultdict(int)
    per_language: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    gaps: dict[tuple[str, str], int] = defaultdict(int)
    handoffs: dict[str, int] = defaultdict(int)
    measures: dict[str, dict[str, int]] = {FIRST_REPLY: defaultdict(int), TO_CLOSE: defaultdict(int), RATING: defaultdict(int)}
    for count in counts:
        cell = count.cell
        if cell.kind == OUTCOME:
            if cell.value in QUESTION_OUTCOMES:
                by_topic_week[(cell.topic or UNKNOWN, iso_week(cell.week))] += count.count
                by_country_language[(cell.country or UNKNOWN, cell.language or UNKNOWN)] += count.count
                per_language[cell.language or UNKNOWN][cell.value] += count.count
            if cell.value == REGIONAL_FALLBACK:
                gaps[(cell.topic or UNKNOWN, cell.question_country or UNKNOWN)] += count.count
            if cell.value == HANDED_TO_STAFF:
                handoffs[cell.topic or UNKNOWN] += count.count
        elif cell.kind in measures:
            measures[cell.kind][cell.value] += count.count
    rates = []
    for language in sorted(per_language):
        outcomes = per_language[language]
        asked = sum(outcomes.values())
        answered = outcomes[COUNTRY_ANSWER] + outcomes[REGIONAL_FALLBACK]
        rates.append(LanguageRates(language, suppress.rate(outcomes[NOT_UNDERSTOOD], asked),
                                   suppress.rate(outcomes[REGIONAL_FALLBACK], answered)))
    ratings = measures[RATING]
    rated = sum(ratings.values())
    average = (sum(int(k) * v for k, v in ratings.items()) / rated) if rated >= suppress.MIN_RATE_DENOMINATOR else None
    return Dashboard(
        questions_by_topic_and_week=_table(by_topic_week),
        questions_by_country_and_language=_table(by_country_language),
        rates=tuple(rates),
        content_gaps=_table(gaps),
        handoffs_by_reason=_list(handoffs, sorted(handoffs)),
        first_reply=_waits(measures[FIRST_REPLY]),
        to_close=_waits(measures[TO_CLOSE]),
        ratings=_list(ratings, RATINGS),
        average_rating=round(average, 1) if average is not None else None,
    )


def dashboard(engine: Engine, *, filters: store.Filters | None = None) -> Dashboard:
    """The dashboard over the stored counts that match the filters."""
    return build(store.read_counts(engine, filters=filters or store.Filters()))


EXPORT_KEYS = ("week", "country", "question_country", "language", "channel", "topic")
EXPORT_HEADER = ("Week", "Country", "Question country", "Language", "Channel", "Topic",
                 *[outcome.replace("_", " ").capitalize() for outcome in OUTCOMES], "Total")
HXL_TAGS = ("#date+week", "#country+code", "#country+code+question", "#language+code", "#meta+channel", "#sector",
            *[f"#indicator+num+{outcome}" for outcome in OUTCOMES], "#indicator+num+total")


def export_rows(counts: Iterable[store.Count]) -> list[list[str]]:
    """One protected row per week, countries, language, channel and topic, with a count per outcome."""
    table: dict[tuple[str, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for count in counts:
        cell = count.cell
        if cell.kind == OUTCOME:
            key = (iso_week(cell.week), cell.country, cell.question_country, cell.language, cell.channel, cell.topic)
            table[key][cell.value] += count.count
    keys = sorted(table)
    published = suppress.publish([" ".join(k) for k in keys], OUTCOMES, [[table[k][o] for o in OUTCOMES] for k in keys])
    rows = [[*key, *cells, total] for key, cells, total in zip(keys, published.cells, published.row_totals, strict=True)]
    rows.append(["Total", "", "", "", "", "", *published.column_totals, published.total])
    return rows


def week_of_day(day: date) -> date:
    """The Monday of a day's ISO week: a period covers every week it touches."""
    return day - timedelta(days=day.weekday())


def period(since: date | None, until: date | None, **others: str | None) -> store.Filters:
    """Filters over the whole ISO weeks a period touches (and the other filters given)."""
    return store.Filters(since=week_of_day(since) if since else None, until=until, **others)


def export(engine: Engine, *, filters: store.Filters, hxl: bool) -> list[list[str]]:
    """The export's lines (header, HXL hashtags when asked, protected rows)."""
    counts = store.read_counts(engine, filters=filters, kinds=(OUTCOME,))
    return [list(EXPORT_HEADER), *([list(HXL_TAGS)] if hxl else []), *export_rows(counts)]
