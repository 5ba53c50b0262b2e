"""Whole-assistant behaviour a person notices: language, welcome, switching, deletion, bad input."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
import yaml
from rasa.shared.core.events import UserUttered

from bot import i18n
from bot.settings import PROJECT_ROOT

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def response(key: str, language: str | None) -> str:
    """The text of a response variation in one language (None: the unconditioned one)."""
    for variation in DOMAIN["responses"][key]:
        values = [c["value"] for c in variation.get("condition") or [] if c.get("name") == "language"]
        if (values[0] if values else None) == language:
            return str(variation["text"])
    raise KeyError((key, language))


def new_sender() -> str:
    return f"test-{uuid.uuid4()}"


async def say(agent: Any, sender: str, text: str) -> list[dict[str, Any]]:
    return list(await agent.handle_text(text, sender_id=sender) or [])


def texts(replies: list[dict[str, Any]]) -> list[str]:
    return [r.get("text", "") for r in replies]


@pytest.mark.parametrize(
    ("language", "greeting"),
    [
        ("es", "hola buenas tardes"),
        ("en", "hello good morning"),
        ("fr", "bonjour madame"),
        ("ht", "bonjou tout moun"),
        ("pt", "olá bom dia"),
    ],
)
async def test_first_message_gets_welcome_privacy_and_menu_in_its_language(
    agent: Any, language: str, greeting: str
) -> None:
    replies = await say(agent, new_sender(), greeting)
    assert texts(replies) == [
        response("utter_welcome", language),
        response("utter_privacy_notice", language),
        response("utter_main_menu", language),
    ]
    assert len(replies[-1]["buttons"]) == 8


async def test_parse_result_carries_the_language(agent: Any) -> None:
    parsed = await agent.parse_message("hello I need help")
    assert parsed["language"] == "en"


async def test_ambiguous_message_keeps_the_conversation_language(agent: Any) -> None:
    sender = new_sender()
    await say(agent, sender, "bonjour madame")
    replies = await say(agent, sender, "Guatemala")
    assert texts(replies)[0] == response("utter_inform_ack", "fr")


async def test_change_language_switches_every_later_reply(agent: Any) -> None:
    sender = new_sender()
    await say(agent, sender, "hola buenas tardes")
    replies = await say(agent, sender, "can you speak english please")
    assert texts(replies) == [response("utter_language_changed", "en")]
    later = await say(agent, sender, "Honduras")
    assert texts(later)[0] == response("utter_inform_ack", "en")


async def test_language_menu_button_switches_language(agent: Any) -> None:
    sender = new_sender()
    await say(agent, sender, "hola buenas tardes")
    replies = await say(agent, sender, '/change_language{"target_language": "ht"}')
    assert texts(replies) == [response("utter_language_changed", "ht")]


async def test_unsupported_language_gets_the_language_menu_in_the_conversation_language(agent: Any) -> None:
    sender = new_sender()
    await say(agent, sender, "hola buenas tardes")
    replies = await say(agent, sender, "Ich brauche bitte Hilfe mit meinem Visum")
    assert texts(replies) == [response("utter_choose_language", "es")]
    assert [b["title"] for b in replies[0]["buttons"]] == ["Español", "English", "Français", "Kreyòl", "Português"]


async def test_handoff_on_a_channel_without_an_outbox_says_so(agent: Any) -> None:
    sender = new_sender()
    await say(agent, sender, "olá bom dia")
    first = await say(agent, sender, "/nlu_fallback")
    second = await say(agent, sender, "/nlu_fallback")
    assert texts(first) == [response("utter_ask_rephrase", "pt")]
    assert texts(second) == [i18n.text("handoff_unavailable_channel", "pt")]


async def test_emergency_gets_the_countrys_emergency_numbers_first(agent: Any) -> None:
    sender = new_sender()
    await say(agent, sender, "hola buenas tardes")
    await say(agent, sender, "estoy en Honduras")
    replies = await say(agent, sender, "ayuda por favor me quieren matar")
    assert texts(replies)[0].startswith(i18n.text("hotlines_intro", "es", country="Honduras"))
    assert "911" in texts(replies)[0]


async def test_topic_question_is_answered_with_source_and_date(agent: Any) -> None:
    sender = new_sender()
    await say(agent, sender, "olá bom dia")
    asked = await say(agent, sender, "como pedir asilo no mexico")
    assert texts(asked)[-1].startswith("*") and "Verificado em" in texts(asked)[-1]


async def test_delete_my_data_asks_then_erases_the_conversation(agent: Any, tracker_store: Any) -> None:
    sender = new_sender()
    await say(agent, sender, "hello good morning")
    ask = await say(agent, sender, "please delete my data")
    assert texts(ask) == [response("utter_confirm_delete", "en")]
    done = await say(agent, sender, "/affirm")
    assert texts(done) == [response("utter_data_deleted", "en")]

    store = tracker_store
    with store.session_scope() as session:
        assert session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender).count() == 0
    again = await say(agent, sender, "hello good morning")
    assert texts(again)[0] == response("utter_welcome", "en")


async def test_declining_deletion_keeps_the_conversation(agent: Any, tracker_store: Any) -> None:
    sender = new_sender()
    await say(agent, sender, "bonjou tout moun")
    await say(agent, sender, "efase done mwen yo")
    replies = await say(agent, sender, "/deny")
    assert texts(replies) == [response("utter_delete_cancelled", "ht")]
    kept = await tracker_store.retrieve(sender)
    assert kept is not None
    said = [e.text for e in kept.events if isinstance(e, UserUttered)]
    assert said == ["bonjou tout moun", "efase done mwen yo", "/deny"]
    assert kept.get_slot("language") == "ht"
    again = await say(agent, sender, "bonjou tout moun")
    assert response("utter_welcome", "ht") not in texts(again)  # the same conversation goes on: no new welcome


@pytest.mark.parametrize(
    "text",
    ["", "   ", "👍👍🙏", "hola 你好 привет مرحبا", "ayuda " * 3400, "?", "1"],
    ids=["empty", "blank", "emoji", "mixed-scripts", "20000-chars", "question-mark", "digit"],
)
async def test_bad_input_gets_an_answer_not_an_error(agent: Any, text: str) -> None:
    sender = new_sender()
    await say(agent, sender, "hola buenas tardes")
    started = time.monotonic()
    replies = await say(agent, sender, text)
    assert replies, "the assistant stayed silent"
    assert all(r.get("text") for r in replies)
    assert time.monotonic() - started < 10
