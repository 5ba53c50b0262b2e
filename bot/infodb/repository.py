"""What the actions ask of the information database, one short session per question."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from bot.infodb import queries
from bot.infodb.queries import AnswerView, HelpPointView, HotlineView
from bot.infodb.session import default_engine, session_scope


class InfoRepository:
    """Read access to answers, help points and hotlines (the engine is made on first use)."""

    def __init__(self, engine: Engine | None = None) -> None:
        """Use the given engine, or the one for DATABASE_URL."""
        self._engine = engine

    @property
    def engine(self) -> Engine:
        """The engine, created lazily (never at import)."""
        if self._engine is None:
            self._engine = default_engine()
        return self._engine

    def answer(self, *, topic: str, country: str | None, language: str) -> AnswerView | None:
        """The best answer for a topic, country and language."""
        with session_scope(self.engine) as session:
            return queries.find_answer(session, topic=topic, country=country, language=language)

    def country_matters(self, *, topic: str) -> bool:
        """Whether the topic has country-specific answers."""
        with session_scope(self.engine) as session:
            return queries.has_country_answers(session, topic=topic)

    def search(self, *, text: str, language: str, limit: int = 3) -> list[AnswerView]:
        """Full-text search of answers in a language."""
        with session_scope(self.engine) as session:
            return queries.search_answers(session, text=text, language=language, limit=limit)

    def nearest(self, *, latitude: float, longitude: float, limit: int = 3) -> list[HelpPointView]:
        """The nearest help points."""
        with session_scope(self.engine) as session:
            return queries.nearest_help_points(session, latitude=latitude, longitude=longitude, limit=limit)

    def help_points_in(self, *, country: str, limit: int = 3) -> list[HelpPointView]:
        """Help points in a country."""
        with session_scope(self.engine) as session:
            return queries.help_points_in(session, country=country, limit=limit)

    def hotlines(self, *, country: str) -> list[HotlineView]:
        """A country's phone lines, emergency first."""
        with session_scope(self.engine) as session:
            return queries.hotlines_for(session, country=country)
