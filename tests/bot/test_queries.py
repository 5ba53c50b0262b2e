"""The query layer over a real database (SQLite and PostgreSQL) holding the seed content."""

from __future__ import annotations

from datetime import date

import pytest

from bot.infodb import queries
from bot.infodb.content import AnswerData, SourceData, import_bundle, load_bundle, upsert_answer
from bot.infodb.schema import CONTENT_DIR
from bot.infodb.session import engine_for, session_scope
from tests.infodb_fixtures import SEED_DATE

TAPACHULA = (14.9052, -92.2636)


@pytest.fixture
def engine(database_url: str):  # type: ignore[no-untyped-def]
    engine = engine_for(database_url)
    with session_scope(engine) as session:
        import_bundle(session, load_bundle(CONTENT_DIR, SEED_DATE))
    return engine


def test_country_answer_in_the_persons_language(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        view = queries.find_answer(session, topic="ask_asylum", country="MX", language="ht")
    assert view is not None
    assert (view.country, view.language) == ("MX", "ht")
    assert not view.is_regional_fallback and not view.is_language_fallback
    assert view.sources and view.verified_at == SEED_DATE


def test_regional_answer_when_the_country_has_none(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        view = queries.find_answer(session, topic="ask_visa", country="HT", language="fr")
    assert view is not None and view.country == "REGIONAL"
    assert view.is_regional_fallback


def test_spanish_when_the_language_is_missing(engine) -> None:  # type: ignore[no-untyped-def]
    partial = AnswerData("ask_education", "GT", ["C01"], [SourceData("OIM", None, "n.d.")],
                         {"es": ("Escuela", "Texto en español")}, date(2026, 1, 1))
    with session_scope(engine) as session:
        upsert_answer(session, partial)
    with session_scope(engine) as session:
        view = queries.find_answer(session, topic="ask_education", country="GT", language="pt")
    assert view is not None and view.language == "es" and view.is_language_fallback


def test_full_text_search_finds_answers_in_the_language(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        spanish = queries.search_answers(session, text="quiero pedir asilo refugio", language="es")
        creole = queries.search_answers(session, text="azil", language="ht")
        nothing = queries.search_answers(session, text="?? !!", language="es")
    assert "ask_asylum" in {v.topic for v in spanish}
    assert all(v.language == "es" for v in spanish) and len(spanish) <= 3
    assert creole and all(v.language == "ht" for v in creole)
    assert nothing == []


def test_nearest_help_points_with_distance(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        near = queries.nearest_help_points(session, latitude=TAPACHULA[0], longitude=TAPACHULA[1])
        ocean = queries.nearest_help_points(session, latitude=0.0, longitude=-140.0)
    assert 1 <= len(near) <= 3
    assert near[0].city == "Tapachula" and near[0].distance_km is not None and near[0].distance_km < 5
    assert [p.distance_km for p in near] == sorted(p.distance_km for p in near)  # type: ignore[type-var]
    assert ocean == []


def test_hotlines_list_the_emergency_number_first(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        lines = queries.hotlines_for(session, country="MX")
    assert lines[0].kind == "emergency" and lines[0].number == "911"


def test_stale_report(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        assert queries.stale_content(session, verified_before=date(2020, 1, 1)) == []
        stale = queries.stale_content(session, verified_before=date(2030, 1, 1))
    assert {kind for kind, _, _ in stale} == {"answer", "help_point", "hotline"}


def test_content_without_a_check_date_is_unverified_and_a_reimport_keeps_a_console_check(database_url: str) -> None:
    engine = engine_for(database_url)
    with session_scope(engine) as session:
        import_bundle(session, load_bundle(CONTENT_DIR))
    with session_scope(engine) as session:
        view = queries.find_answer(session, topic="ask_asylum", country="MX", language="es")
        assert view is not None and view.verified_at is None
        summary = queries.list_answers(session, topic="ask_asylum", country="MX")[0]
        assert queries.mark_answer_verified(session, answer_id=summary.id, on=date(2026, 12, 1))
    with session_scope(engine) as session:  # the same files again: the person's check still holds
        import_bundle(session, load_bundle(CONTENT_DIR))
        view = queries.find_answer(session, topic="ask_asylum", country="MX", language="es")
        assert view is not None and view.verified_at == date(2026, 12, 1)
        stale = queries.stale_content(session, verified_before=date(2026, 12, 2))
    assert stale[0][2] is None  # never checked comes first
    assert ("answer", "ask_asylum/MX", date(2026, 12, 1)) == stale[-1]
    changed = load_bundle(CONTENT_DIR)
    answer = next(a for a in changed.answers if a.key == "ask_asylum/MX")
    answer.texts["es"] = (answer.texts["es"][0], answer.texts["es"][1] + " Cambio.")
    with session_scope(engine) as session:  # a changed text was not checked by anyone
        import_bundle(session, changed)
        view = queries.find_answer(session, topic="ask_asylum", country="MX", language="es")
    assert view is not None and view.verified_at is None


def test_an_answer_citing_undated_sources_says_so(engine) -> None:  # type: ignore[no-untyped-def]
    from bot.infodb.freshness import SourceAge

    with session_scope(engine) as session:
        view = queries.find_answer(session, topic="ask_emergency_numbers", country="MX", language="es")
    assert view is not None and view.source_age is SourceAge.UNDATED  # A03 has no date
