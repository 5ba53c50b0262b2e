"""The conversation language: detected, sticky on ambiguous messages, switched on request."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionDetectLanguage, choose_language
from tests.factories import make_tracker, parse


@pytest.mark.parametrize(
    ("current", "message", "intent", "targets", "expected"),
    [
        (None, parse(language="fr"), "greet", [], "fr"),
        ("es", parse(language="en"), "ask_visa", [], "en"),
        ("ht", parse(text="ok", language="en", ambiguous=True), "affirm", [], "ht"),
        ("pt", parse(text="Guatemala", language="es", ambiguous=True), "inform", [], "pt"),
        (None, parse(text="1", ambiguous=True), "nlu_fallback", [], None),
        ("fr", parse(text="Ich brauche Hilfe", supported=False), "unsupported_language", [], "fr"),
        ("es", parse(text="speak english", language="en"), "change_language", ["en"], "en"),
        ("es", parse(text="en kreyol svp", language="fr"), "change_language", ["ht"], "ht"),
        ("pt", parse(text="otro idioma", language="es"), "change_language", [], "pt"),
        ("es", parse(text="quiero en klingon", language="es"), "change_language", ["tlh"], "es"),
    ],
)
def test_choose_language(current, message, intent, targets, expected) -> None:
    assert choose_language(current, message, intent, targets) == expected


async def test_action_sets_slot_only_when_language_changes() -> None:
    action = ActionDetectLanguage()
    dispatcher = CollectingDispatcher()

    same = make_tracker(latest=parse(language="es"), slots={"language": "es"})
    assert await action.run(dispatcher, same, {}) == []

    switched = make_tracker(
        latest=parse(
            text="in english please",
            intent="change_language",
            language="en",
            entities=[{"entity": "target_language", "value": "en"}],
        ),
        slots={"language": "es"},
    )
    events = await action.run(dispatcher, switched, {})
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "en"}]
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("current", "message", "declared", "expected"),
    [
        (None, parse(text="/greet", intent="greet", ambiguous=True), "fr", "fr"),  # Telegram's /start, app in French
        (None, parse(text="1", ambiguous=True), "ht", "ht"),
        ("pt", parse(text="/greet", ambiguous=True), "fr", "pt"),  # a conversation language wins
        (None, parse(text="good morning", language="en"), "fr", "en"),  # what the person writes wins
        (None, parse(text="/greet", ambiguous=True), "de", None),  # not ours: the default response
        (None, parse(text="Ich brauche Hilfe", supported=False), "pt", "pt"),
    ],
)
def test_an_ambiguous_first_message_takes_the_language_the_app_declares(current, message, declared, expected) -> None:
    assert choose_language(current, message, message["intent"]["name"], [], declared) == expected


async def test_action_reads_the_declared_language_from_the_channel_metadata() -> None:
    latest = parse(text="/greet", ambiguous=True)
    tracker = make_tracker(
        latest=latest,
        events=[{"event": "user", "text": "/greet", "parse_data": latest, "metadata": {"app_language": "ht"}}],
    )
    events = await ActionDetectLanguage().run(CollectingDispatcher(), tracker, {})
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": "ht"}]
