"""SQLAlchemy 1.4 models (2.0 style) of the information database."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()

REGIONAL = "REGIONAL"


class Fact(Base):  # type: ignore[valid-type,misc]
    """A researched fact with its source; answers cite facts by their stable ID."""

    __tablename__ = "facts"

    id = sa.Column(sa.String(8), primary_key=True)
    country = sa.Column(sa.String(80), nullable=False)
    text = sa.Column(sa.Text, nullable=False)
    source = sa.Column(sa.Text, nullable=False)
    source_date = sa.Column(sa.Text, nullable=False)
    flag = sa.Column(sa.Text, nullable=False)


class Topic(Base):  # type: ignore[valid-type,misc]
    """One topic per topic intent of the public contract."""

    __tablename__ = "topics"

    id = sa.Column(sa.String(64), primary_key=True)


answer_facts = sa.Table(
    "answer_facts",
    Base.metadata,
    sa.Column("answer_id", sa.Integer, sa.ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("fact_id", sa.String(8), sa.ForeignKey("facts.id"), primary_key=True),
)


class Answer(Base):  # type: ignore[valid-type,misc]
    """An answer to a topic for one country (or the whole region)."""

    __tablename__ = "answers"
    __table_args__ = (sa.UniqueConstraint("topic_id", "country", name="uq_answers_topic_country"),)

    id = sa.Column(sa.Integer, primary_key=True)
    topic_id = sa.Column(sa.String(64), sa.ForeignKey("topics.id"), nullable=False, index=True)
    country = sa.Column(sa.String(16), nullable=False)
    verified_at = sa.Column(sa.Date)  # the day a person last checked it against its sources; NULL: never
    updated_at = sa.Column(sa.DateTime, nullable=False, default=datetime.utcnow)

    texts = relationship("AnswerText", cascade="all, delete-orphan", back_populates="answer")
    sources = relationship(
        "AnswerSource", cascade="all, delete-orphan", order_by="AnswerSource.position", back_populates="answer"
    )
    facts = relationship("Fact", secondary=answer_facts)

    @property
    def key(self) -> str:
        """The stable key used by imports and exports."""
        return f"{self.topic_id}/{self.country}"


class AnswerText(Base):  # type: ignore[valid-type,misc]
    """The title and body of an answer in one language."""

    __tablename__ = "answer_texts"
    __table_args__ = (sa.UniqueConstraint("answer_id", "language", name="uq_answer_texts_language"),)

    id = sa.Column(sa.Integer, primary_key=True)
    answer_id = sa.Column(sa.Integer, sa.ForeignKey("answers.id", ondelete="CASCADE"), nullable=False)
    language = sa.Column(sa.String(2), nullable=False)
    title = sa.Column(sa.Text, nullable=False)
    body = sa.Column(sa.Text, nullable=False)

    answer = relationship("Answer", back_populates="texts")


class AnswerSource(Base):  # type: ignore[valid-type,misc]
    """A source of an answer: name, address and the date the source shows."""

    __tablename__ = "answer_sources"

    id = sa.Column(sa.Integer, primary_key=True)
    answer_id = sa.Column(sa.Integer, sa.ForeignKey("answers.id", ondelete="CASCADE"), nullable=False)
    position = sa.Column(sa.Integer, nullable=False)
    name = sa.Column(sa.Text, nullable=False)
    url = sa.Column(sa.Text)
    source_date = sa.Column(sa.Text, nullable=False)

    answer = relationship("Answer", back_populates="sources")


class HelpPoint(Base):  # type: ignore[valid-type,misc]
    """A place where a person can get help."""

    __tablename__ = "help_points"

    id = sa.Column(sa.Integer, primary_key=True)
    key = sa.Column(sa.String(120), nullable=False, unique=True)
    kind = sa.Column(sa.String(40), nullable=False)
    name = sa.Column(sa.Text, nullable=False)
    country = sa.Column(sa.String(2), nullable=False, index=True)
    city = sa.Column(sa.String(120))
    address = sa.Column(sa.Text)
    latitude = sa.Column(sa.Float, nullable=False)
    longitude = sa.Column(sa.Float, nullable=False)
    location_precision = sa.Column(sa.String(16), nullable=False, default="exact")
    phone = sa.Column(sa.String(64))
    opening_hours = sa.Column(sa.JSON)  # {"mon": "09:00-17:00", ...}; None when unknown
    languages = sa.Column(sa.JSON, nullable=False, default=list)
    services = sa.Column(sa.JSON, nullable=False, default=dict)  # {language: text}
    fact_ids = sa.Column(sa.JSON, nullable=False, default=list)
    verified_at = sa.Column(sa.Date)  # the day a person last checked it against its sources; NULL: never


class Hotline(Base):  # type: ignore[valid-type,misc]
    """A phone line for a country: emergency, police, anti-trafficking, labour, consular, ..."""

    __tablename__ = "hotlines"

    id = sa.Column(sa.Integer, primary_key=True)
    key = sa.Column(sa.String(120), nullable=False, unique=True)
    country = sa.Column(sa.String(2), nullable=False, index=True)
    kind = sa.Column(sa.String(40), nullable=False)
    number = sa.Column(sa.String(64), nullable=False)
    hours = sa.Column(sa.String(64))
    labels = sa.Column(sa.JSON, nullable=False, default=dict)  # {language: text}
    flag = sa.Column(sa.Text, nullable=False)
    fact_ids = sa.Column(sa.JSON, nullable=False, default=list)
    source_name = sa.Column(sa.Text, nullable=False)
    source_url = sa.Column(sa.Text)
    source_date = sa.Column(sa.Text, nullable=False)
    verified_at = sa.Column(sa.Date)  # the day a person last checked it against its sources; NULL: never


def today() -> date:
    """Today's date (a function so tests can pin it)."""
    return date.today()
