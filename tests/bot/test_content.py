"""Seed content: every figure traceable to a cited fact; imports validated, all or nothing, re-runnable."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.infodb.content import (
    LANGUAGES,
    TOPICS,
    ContentError,
    export_answers_csv,
    import_bundle,
    load_answers_csv,
    load_bundle,
)
from bot.infodb.models import REGIONAL, Answer, AnswerText, Hotline
from bot.infodb.schema import CONTENT_DIR
from bot.infodb.session import engine_for, session_scope
from tests.content_figures import answer_problems, help_point_problems, hotline_problems
from tests.infodb_fixtures import SEED_DATE

BUNDLE = load_bundle(CONTENT_DIR, SEED_DATE)
DESK_COUNTRIES = ("MX", "GT", "HN", "SV", "CR", "PA", "DO", "HT")
URL_HOST = re.compile(r"[^a-z0-9]")


def _host(url: str) -> str:
    return URL_HOST.sub("", url.split("//")[-1].split("/")[0].lower().removeprefix("www."))


def cited_sources(fact_ids: list[str]) -> str:
    return URL_HOST.sub("", " ".join(BUNDLE.facts[i]["source"] + " " + BUNDLE.facts[i]["fact"] for i in fact_ids).lower())


def test_every_topic_has_a_regional_answer_in_five_languages() -> None:
    regional = {a.topic for a in BUNDLE.answers if a.country == REGIONAL}
    assert regional == set(TOPICS)
    assert all(set(a.texts) == set(LANGUAGES) for a in BUNDLE.answers)


def test_desk_countries_have_specific_answers() -> None:
    by_country = {c: {a.topic for a in BUNDLE.answers if a.country == c} for c in DESK_COUNTRIES}
    thin = {c: len(topics) for c, topics in by_country.items() if len(topics) < 4}
    assert not thin, f"desk countries with fewer than 4 country-specific answers: {thin}"


@pytest.mark.parametrize("answer", BUNDLE.answers, ids=lambda a: a.key)
def test_every_figure_in_an_answer_is_a_whole_number_of_a_cited_fact(answer) -> None:  # type: ignore[no-untyped-def]
    assert [str(p) for p in answer_problems(BUNDLE, answer)] == []
    for source in answer.sources:
        if source.url:
            assert _host(source.url) in cited_sources(answer.facts), f"{answer.key}: {source.url}"


@pytest.mark.parametrize("line", BUNDLE.hotlines, ids=lambda h: h["key"])
def test_every_hotline_number_is_a_whole_number_of_a_fact_it_cites(line) -> None:  # type: ignore[no-untyped-def]
    assert [str(p) for p in hotline_problems(BUNDLE, line)] == []


@pytest.mark.parametrize("point", BUNDLE.help_points, ids=lambda p: p["key"])
def test_help_points_invent_no_phone_or_figure(point) -> None:  # type: ignore[no-untyped-def]
    assert [str(p) for p in help_point_problems(BUNDLE, point)] == []
    if point["address"]:
        assert URL_HOST.sub("", point["address"].lower()) in cited_sources(point["fact_ids"])


def test_answers_on_unsettled_facts_offer_a_person() -> None:
    markers = {
        "es": ("ventanilla", "persona"), "en": ("desk", "person"), "fr": ("guichet", "personne"),
        "ht": ("biwo", "moun"), "pt": ("atendimento", "balcão", "pessoa"),
    }
    unsettled = [a for a in BUNDLE.answers
                 if any(BUNDLE.facts[f]["flag"].startswith(("CONFLICT", "GAP")) for f in a.facts)]
    assert unsettled
    for answer in unsettled:
        for language, (_, body) in answer.texts.items():
            assert any(m in body.lower() for m in markers[language]), f"{answer.key} [{language}] offers no person"


def test_import_is_re_runnable(database_url: str) -> None:
    engine = engine_for(database_url)
    for _ in range(2):
        with session_scope(engine) as session:
            import_bundle(session, BUNDLE)
    with session_scope(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Answer)) == len(BUNDLE.answers)
        assert session.scalar(sa.select(sa.func.count()).select_from(AnswerText)) == 5 * len(BUNDLE.answers)
        assert session.scalar(sa.select(sa.func.count()).select_from(Hotline)) == len(BUNDLE.hotlines)


def test_a_broken_file_is_rejected_with_file_and_line(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    target = content / "answers" / "ask_asylum.yml"
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("facts: [", "facts: [Z99, ", 1), encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_bundle(content, SEED_DATE)
    assert error.value.path.endswith("ask_asylum.yml")
    assert error.value.line is not None and error.value.line > 1
    assert "Z99" in error.value.message


def test_an_interrupted_import_changes_nothing(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = engine_for(database_url)
    import bot.infodb.content as content

    calls = {"n": 0}
    original = content.upsert_answer

    def failing(session, data):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 50:
            raise RuntimeError("power cut")
        return original(session, data)

    monkeypatch.setattr(content, "upsert_answer", failing)
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        content.import_bundle(session, BUNDLE)
    with session_scope(engine) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0


def test_csv_export_then_import_gives_the_same_answers(database_url: str, tmp_path: Path) -> None:
    engine = engine_for(database_url)
    with session_scope(engine) as session:
        import_bundle(session, BUNDLE)
        rows = export_answers_csv(session, tmp_path / "answers.csv")
    assert rows == 5 * len(BUNDLE.answers)
    again = load_answers_csv(tmp_path / "answers.csv", BUNDLE.facts)
    assert {a.key: a.texts for a in again} == {a.key: a.texts for a in BUNDLE.answers}


def test_a_csv_with_a_bad_row_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "topic,country,language,title,body,facts,sources,verified_at\n"
        'ask_asylum,MX,es,Asilo,Texto,E01,"[{""name"": ""COMAR"", ""date"": ""n.d.""}]",2026-11-28\n'
        'ask_asylum,MX,xx,Asilo,Texto,E01,"[{""name"": ""COMAR"", ""date"": ""n.d.""}]",2026-11-28\n',
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match="unknown language 'xx'") as error:
        load_answers_csv(path, BUNDLE.facts)
    assert error.value.line == 3


def test_the_start_up_import_seeds_once_and_keeps_console_edits(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.infodb.__main__ import main
    from bot.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        assert main(["import", "--if-empty"]) == 0
        engine = engine_for(database_url)
        with session_scope(engine) as session:
            text = session.scalars(sa.select(AnswerText).where(AnswerText.language == "es")).first()
            assert text is not None
            text.body = "Texto corregido por la ventanilla."
            edited_id = text.id
        assert main(["import", "--if-empty"]) == 0
        assert "kept as it is" in capsys.readouterr().out
        with session_scope(engine) as session:
            assert session.get(AnswerText, edited_id).body == "Texto corregido por la ventanilla."  # type: ignore[union-attr]
    finally:
        get_settings.cache_clear()
