"""The query layer: every read of the information database the actions need (and no SQL elsewhere)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from bot.i18n import languages
from bot.infodb.freshness import SourceAge, oldest_age
from bot.infodb.models import REGIONAL, Answer, AnswerText, Fact, HelpPoint, Hotline, Topic, today

FALLBACK_LANGUAGES = languages.content_fallback()
UNSETTLED_FLAGS = ("CHECK", "CONFLICT", "GAP")


@dataclass(frozen=True)
class SourceView:
    """A source as shown to a person."""

    name: str
    url: str | None
    source_date: str


@dataclass(frozen=True)
class AnswerView:
    """An answer chosen for a person, with how it was chosen."""

    key: str
    topic: str
    country: str
    language: str
    title: str
    body: str
    sources: list[SourceView]
    verified_at: date | None  # the day a person last checked it against its sources; None: never
    requested_country: str | None
    requested_language: str
    source_age: SourceAge = SourceAge.CURRENT  # the most worrying age among its cited facts' sources

    @property
    def is_regional_fallback(self) -> bool:
        """The person's country had no answer, so the regional one is shown."""
        return self.requested_country not in (None, REGIONAL) and self.country == REGIONAL

    @property
    def is_language_fallback(self) -> bool:
        """The answer is not in the person's language."""
        return self.language != self.requested_language


@dataclass(frozen=True)
class HelpPointView:
    """A help point, with its distance from the person when known."""

    key: str
    kind: str
    name: str
    country: str
    city: str | None
    address: str | None
    phone: str | None
    opening_hours: dict[str, str] | None
    location_precision: str
    services: dict[str, str]
    distance_km: float | None
    verified_at: date | None


@dataclass(frozen=True)
class HotlineView:
    """A phone line, with the caveat flag of the facts it rests on."""

    country: str
    kind: str
    number: str
    hours: str | None
    labels: dict[str, str]
    flag: str
    source_name: str
    source_date: str
    verified_at: date | None

    @property
    def unsettled(self) -> bool:
        """Whether the number rests on a fact that may have changed."""
        return self.flag in UNSETTLED_FLAGS


def topic_exists(session: Session, *, topic: str) -> bool:
    """Whether the database knows the topic."""
    return session.get(Topic, topic) is not None


def has_country_answers(session: Session, *, topic: str) -> bool:
    """Whether any country-specific answer exists for the topic (so the country matters)."""
    query = sa.select(sa.func.count()).select_from(Answer).where(Answer.topic_id == topic, Answer.country != REGIONAL)
    return bool(session.scalar(query))


def _view(answer: Answer, text: AnswerText, requested_country: str | None, language: str) -> AnswerView:
    return AnswerView(
        key=answer.key,
        topic=answer.topic_id,
        country=answer.country,
        language=text.language,
        title=text.title,
        body=text.body,
        sources=[SourceView(s.name, s.url, s.source_date) for s in answer.sources],
        verified_at=answer.verified_at,
        requested_country=requested_country,
        requested_language=language,
        source_age=oldest_age([f.source_date for f in answer.facts], today()),
    )


def find_answer(session: Session, *, topic: str, country: str | None, language: str) -> AnswerView | None:
    """The best answer: the country's, else the regional one; in the language, else Spanish or English."""
    countries = [c for c in (country, REGIONAL) if c]
    answers = session.scalars(
        sa.select(Answer)
        .where(Answer.topic_id == topic, Answer.country.in_(countries))
        .options(selectinload(Answer.texts), selectinload(Answer.sources), selectinload(Answer.facts))
    ).all()
    by_country = {a.country: a for a in answers}
    for candidate in countries:
        answer = by_country.get(candidate)
        if answer is None:
            continue
        texts = {t.language: t for t in answer.texts}
        for lang in (language, *FALLBACK_LANGUAGES):
            if lang in texts:
                return _view(answer, texts[lang], country, language)
    return None


def search_answers(session: Session, *, text: str, language: str, limit: int = 3) -> list[AnswerView]:
    """Full-text search of answer texts in one language (FTS5 on SQLite, tsvector on PostgreSQL)."""
    terms = [t for t in re.findall(r"\w+", text.lower()) if len(t) > 2][:12]
    if not terms:
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        match = " OR ".join(f'"{t}"' for t in terms)
        rows = session.execute(
            sa.text(
                "SELECT answer_texts.id FROM answer_search JOIN answer_texts ON answer_texts.id = answer_search.rowid "
                "WHERE answer_search MATCH :match AND answer_texts.language = :language "
                "ORDER BY bm25(answer_search) LIMIT :limit"
            ),
            {"match": match, "language": language, "limit": limit},
        ).scalars().all()
    else:
        query = " | ".join(terms)
        document = sa.func.to_tsvector("simple", AnswerText.title + " " + AnswerText.body)
        tsquery = sa.func.to_tsquery("simple", query)
        rows = session.scalars(
            sa.select(AnswerText.id)
            .where(AnswerText.language == language, document.op("@@")(tsquery))
            .order_by(sa.func.ts_rank(document, tsquery).desc())
            .limit(limit)
        ).all()
    views = []
    for text_id in rows:
        answer_text = session.get(AnswerText, text_id)
        if answer_text is not None:
            views.append(_view(answer_text.answer, answer_text, None, language))
    return views


def _help_point_view(point: HelpPoint, distance: float | None) -> HelpPointView:
    return HelpPointView(
        key=point.key,
        kind=point.kind,
        name=point.name,
        country=point.country,
        city=point.city,
        address=point.address,
        phone=point.phone,
        opening_hours=point.opening_hours,
        location_precision=point.location_precision,
        services=dict(point.services or {}),
        distance_km=distance,
        verified_at=point.verified_at,
    )


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def nearest_help_points(
    session: Session, *, latitude: float, longitude: float, limit: int = 3, max_km: float = 500.0
) -> list[HelpPointView]:
    """The nearest help points within max_km, nearest first."""
    points = session.scalars(sa.select(HelpPoint)).all()
    ranked = sorted(
        ((haversine_km(latitude, longitude, p.latitude, p.longitude), p) for p in points), key=lambda pair: pair[0]
    )
    return [_help_point_view(p, round(d, 1)) for d, p in ranked if d <= max_km][:limit]


def help_points_in(session: Session, *, country: str, city: str | None = None, limit: int = 3) -> list[HelpPointView]:
    """Help points in a country (and city, when given)."""
    query = sa.select(HelpPoint).where(HelpPoint.country == country)
    if city:
        query = query.where(sa.func.lower(HelpPoint.city) == city.lower())
    return [_help_point_view(p, None) for p in session.scalars(query.order_by(HelpPoint.key).limit(limit)).all()]


def hotlines_for(session: Session, *, country: str, kinds: tuple[str, ...] | None = None) -> list[HotlineView]:
    """The phone lines of a country, emergency lines first."""
    query = sa.select(Hotline).where(Hotline.country == country)
    if kinds:
        query = query.where(Hotline.kind.in_(kinds))
    order = {"emergency": 0, "police": 1, "medical": 2, "kidnapping": 3, "anti_trafficking": 4}
    lines = sorted(session.scalars(query).all(), key=lambda h: (order.get(h.kind, 9), h.key))
    return [
        HotlineView(h.country, h.kind, h.number, h.hours, dict(h.labels or {}), h.flag, h.source_name,
                    h.source_date, h.verified_at)
        for h in lines
    ]


def stale_content(session: Session, *, verified_before: date) -> list[tuple[str, str, date | None]]:
    """Everything never checked by a person, then everything last checked before a date, oldest
    first: (kind, key, verified_at or None)."""
    stale: list[tuple[str, str, date | None]] = []
    for kind, model in (("answer", Answer), ("help_point", HelpPoint), ("hotline", Hotline)):
        query = sa.select(model).where(sa.or_(model.verified_at.is_(None), model.verified_at < verified_before))
        stale += [(kind, row.key, row.verified_at) for row in session.scalars(query).all()]
    return sorted(stale, key=lambda row: (row[2] is not None, row[2] or date.min, row[0], row[1]))


@dataclass(frozen=True)
class AnswerSummary:
    """An answer as the content admin pages list it."""

    id: int
    key: str
    topic: str
    country: str
    languages: list[str]
    verified_at: date | None
    fact_ids: list[str]


@dataclass(frozen=True)
class AnswerTextView:
    """One language of an answer, for editing."""

    language: str
    title: str
    body: str


def topics(session: Session) -> list[str]:
    """Every topic, alphabetically."""
    return list(session.scalars(sa.select(Topic.id).order_by(Topic.id)))


def has_answers(session: Session) -> bool:
    """Whether any answer is stored (the seed content was imported)."""
    return session.scalar(sa.select(Answer.id).limit(1)) is not None


def answer_countries(session: Session) -> list[str]:
    """Every country that has an answer (the regional marker included)."""
    return list(session.scalars(sa.select(Answer.country).distinct().order_by(Answer.country)))


def _summary(answer: Answer) -> AnswerSummary:
    return AnswerSummary(
        id=answer.id,
        key=answer.key,
        topic=answer.topic_id,
        country=answer.country,
        languages=sorted(t.language for t in answer.texts),
        verified_at=answer.verified_at,
        fact_ids=sorted(f.id for f in answer.facts),
    )


def list_answers(session: Session, *, topic: str | None = None, country: str | None = None) -> list[AnswerSummary]:
    """Answers by topic and country, optionally of one topic or one country."""
    query = sa.select(Answer).options(selectinload(Answer.texts), selectinload(Answer.facts))
    if topic:
        query = query.where(Answer.topic_id == topic)
    if country:
        query = query.where(Answer.country == country)
    return [_summary(a) for a in session.scalars(query.order_by(Answer.topic_id, Answer.country)).all()]


def answer_detail(session: Session, *, answer_id: int) -> tuple[AnswerSummary, list[AnswerTextView]] | None:
    """One answer with its texts in every language it has (None when unknown)."""
    answer = session.get(Answer, answer_id)
    if answer is None:
        return None
    texts = sorted((AnswerTextView(t.language, t.title, t.body) for t in answer.texts), key=lambda t: t.language)
    return _summary(answer), texts


def update_answer_text(session: Session, *, answer_id: int, language: str, title: str, body: str) -> bool:
    """Replace the title and body of one language of an answer; False when it does not exist."""
    text = session.scalars(
        sa.select(AnswerText).where(AnswerText.answer_id == answer_id, AnswerText.language == language)
    ).first()
    if text is None:
        return False
    text.title, text.body = title, body
    answer = session.get(Answer, answer_id)
    if answer is not None:
        answer.updated_at = sa.func.now()
    return True


def mark_answer_verified(session: Session, *, answer_id: int, on: date) -> bool:
    """Record that an answer was checked against its sources on a date; False when unknown."""
    answer = session.get(Answer, answer_id)
    if answer is None:
        return False
    answer.verified_at = on
    answer.updated_at = sa.func.now()
    return True


@dataclass(frozen=True)
class FactView:
    """A researched fact with its source, as the content admin pages show it."""

    id: str
    country: str
    text: str
    source: str
    source_date: str
    flag: str


def fact_countries(session: Session) -> list[str]:
    """Every country (or region label) that has facts."""
    return list(session.scalars(sa.select(Fact.country).distinct().order_by(Fact.country)))


def list_facts(session: Session, *, country: str | None = None, ids: list[str] | None = None) -> list[FactView]:
    """Facts by id, optionally of one country or with the given ids."""
    query = sa.select(Fact).order_by(Fact.id)
    if country:
        query = query.where(Fact.country == country)
    if ids is not None:
        query = query.where(Fact.id.in_(ids))
    return [FactView(f.id, f.country, f.text, f.source, f.source_date, f.flag) for f in session.scalars(query).all()]
