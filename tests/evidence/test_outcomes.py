"""The actions record what each question came to: a country answer, the regional fallback, not understood, a handoff."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerTopic
from actions.search import ActionSearchAnswers
from bot.evidence import events as evidence_events
from bot.evidence.model import COUNTRY_ANSWER, EMERGENCY, HANDED_TO_STAFF, NOT_UNDERSTOOD, REGIONAL_FALLBACK
from bot.infodb.repository import InfoRepository
from tests.factories import make_tracker, parse
from tests.infodb_fixtures import migrated, sqlite_url


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> InfoRepository:
    return InfoRepository(migrated(sqlite_url(tmp_path_factory.mktemp("outcomes"))))


async def _marker(action: Any, text: str, intent: str, slots: dict[str, Any]) -> dict[str, Any] | None:
    latest = parse(text=text, intent=intent, language=slots.get("language", "es"))
    events = [{"event": "user", "text": text, "parse_data": latest, "metadata": {}, "input_channel": "telegram"}]
    result = await action.run(CollectingDispatcher(), make_tracker(latest=latest, slots=slots, events=events), {})
    markers = [e["value"] for e in result if e.get("event") == "slot" and e["name"] == "evidence"]
    assert len(markers) <= 1
    return markers[0] if markers else None


async def test_a_country_answer_and_a_regional_fallback_are_told_apart(repository: InfoRepository) -> None:
    answered = await _marker(ActionAnswerTopic(repository), "asilo en mexico", "ask_asylum", {"language": "es", "country": "MX"})
    assert answered == {"outcome": COUNTRY_ANSWER, "topic": "ask_asylum", "question_country": "MX", "country": "MX",
                        "language": "es", "channel": "telegram"}
    gap = await _marker(ActionAnswerTopic(repository), "visa", "ask_visa", {"language": "fr", "country": "HT"})
    assert gap is not None and gap["outcome"] == REGIONAL_FALLBACK and gap["question_country"] == "HT"


async def test_asking_for_the_country_records_nothing_yet(repository: InfoRepository) -> None:
    assert await _marker(ActionAnswerTopic(repository), "como pido asilo", "ask_asylum", {"language": "es"}) is None


async def test_an_emergency_and_a_message_not_understood_are_recorded(repository: InfoRepository) -> None:
    danger = await _marker(ActionAnswerTopic(repository), "me quieren matar", "report_emergency",
                           {"language": "es", "country": "GT"})
    assert danger is not None and danger["outcome"] == EMERGENCY and danger["country"] == "GT"
    lost = await _marker(ActionSearchAnswers(repository), "blorp zzz", "nlu_fallback", {"language": "ht"})
    assert lost is not None and lost["outcome"] == NOT_UNDERSTOOD and lost["language"] == "ht" and lost["topic"] == ""


async def test_the_marker_holds_no_text_and_counts_as_one_observation(repository: InfoRepository) -> None:
    marker = await _marker(ActionAnswerTopic(repository), "asilo en mexico, me llamo Rosa", "ask_asylum",
                           {"language": "es", "country": "MX"})
    assert marker is not None and "Rosa" not in str(marker)
    observation = evidence_events.observe({"event": "slot", "name": "evidence", "value": marker, "timestamp": 1_780_000_000.5,
                                           "sender_id": "tg-abc"})
    assert observation is not None and observation.cell.value == COUNTRY_ANSWER and observation.cell.topic == "ask_asylum"


async def test_a_handoff_is_recorded_once_with_its_reason(database_url: str) -> None:
    from actions.handoff import ActionHandoff
    from bot.infodb.session import engine_for
    from tests.actions.test_handoff_and_deletion import _tracker

    engine = engine_for(database_url)
    action = ActionHandoff(engine)
    tracker = _tracker("wa-evidence", "es", "quiero hablar con una persona", "request_human", country="GT")
    first = await action.run(CollectingDispatcher(), tracker, {})
    assert [e["value"]["outcome"] for e in first if e.get("name") == "evidence"] == [HANDED_TO_STAFF]
    assert first[0]["value"]["topic"] == "request_human" and first[0]["value"]["country"] == "GT"
    again = await action.run(CollectingDispatcher(), tracker, {})  # the ticket is already open: not a new handoff
    assert [e for e in again if e.get("name") == "evidence"] == []
