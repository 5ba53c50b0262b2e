"""Asking for alerts and stopping them, in the person's language, against real databases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.alerts import STOP_PAYLOAD, ActionStopAlerts, ActionSubscribeAlerts
from actions.replies import alerts_button
from bot import i18n
from bot.alerts import store as alerts_store
from bot.channels import store as channel_store
from bot.infodb.session import engine_for
from tests.factories import make_tracker, parse

PLEAS = {
    "es": "avisame si cambia algo en guatemala",
    "en": "notify me if anything changes in guatemala",
    "fr": "prevenez moi si quelque chose change au guatemala",
    "ht": "avèti m si gen chanjman nan gwatemala",
    "pt": "me avisa se mudar algo na guatemala",
}


def _tracker(sender: str, language: str, text: str, intent: str, *, channel: str = "telegram",
             entities: list[dict[str, Any]] | None = None, country: str | None = None) -> Any:
    latest = parse(text=text, intent=intent, language=language, entities=entities)
    events = [{"event": "user", "text": text, "parse_data": latest, "input_channel": channel, "metadata": {}}]
    return make_tracker(latest=latest, slots={"language": language, "country": country}, events=events, sender_id=sender)


def _wrote(engine: Any, sender: str, address: str) -> None:
    channel_store.record_inbound(engine, message=channel_store.Inbound(f"in-{sender}", sender, "text", "hola"),
                                 address=address, opted_out=False, now=datetime.utcnow(), channel="telegram")


@pytest.mark.parametrize("language", list(PLEAS))
async def test_asking_for_alerts_subscribes_and_says_how_to_stop(database_url: str, language: str) -> None:
    engine = engine_for(database_url)
    _wrote(engine, "tg-1", "4242")
    dispatcher = CollectingDispatcher()
    entities = [{"entity": "country", "value": "GT"}]
    await ActionSubscribeAlerts(engine).run(dispatcher, _tracker("tg-1", language, PLEAS[language], "subscribe_alerts",
                                                                 entities=entities), {})
    [reply] = dispatcher.messages
    assert reply["text"] == i18n.text("alerts_subscribed", language, country=i18n.country_name("GT", language), days=90)
    assert reply["buttons"] == [{"title": i18n.text("alerts_stop_button", language), "payload": STOP_PAYLOAD}]
    [subscription] = alerts_store.active_subscriptions(engine, conversation_id="tg-1", now=datetime.utcnow())
    assert (subscription.country, subscription.language, subscription.topic, subscription.channel) == (
        "GT", language, None, "telegram")

    stopped = CollectingDispatcher()
    await ActionStopAlerts(engine).run(stopped, _tracker("tg-1", language, STOP_PAYLOAD, "stop_alerts"), {})
    assert stopped.messages[0]["text"] == i18n.text("alerts_stopped", language)
    assert alerts_store.active_subscriptions(engine, conversation_id="tg-1", now=datetime.utcnow()) == []


async def test_the_button_after_an_answer_subscribes_to_that_topic(database_url: str) -> None:
    engine = engine_for(database_url)
    _wrote(engine, "tg-2", "4343")
    button = alerts_button("en", "MX", "ask_asylum")
    assert button["payload"] == '/subscribe_alerts{"country":"MX","alert_topic":"ask_asylum"}'
    entities = [{"entity": "country", "value": "MX"}, {"entity": "alert_topic", "value": "ask_asylum"}]
    dispatcher = CollectingDispatcher()
    await ActionSubscribeAlerts(engine).run(dispatcher, _tracker("tg-2", "en", button["payload"], "subscribe_alerts",
                                                                 entities=entities, country="GT"), {})
    assert dispatcher.messages[0]["text"].startswith("Done: I will let you know here if something important changes on "
                                                     "this topic for Mexico")
    [subscription] = alerts_store.active_subscriptions(engine, conversation_id="tg-2", now=datetime.utcnow())
    assert (subscription.country, subscription.topic) == ("MX", "ask_asylum")  # the answer's country, not where I am


async def test_without_a_country_the_bot_asks_for_one_and_keeps_nothing(database_url: str) -> None:
    engine = engine_for(database_url)
    _wrote(engine, "tg-3", "4444")
    dispatcher = CollectingDispatcher()
    await ActionSubscribeAlerts(engine).run(dispatcher, _tracker("tg-3", "ht", "avèti m", "subscribe_alerts"), {})
    assert dispatcher.messages[0]["text"] == i18n.text("alerts_ask_country", "ht")
    assert alerts_store.active_subscriptions(engine, conversation_id="tg-3", now=datetime.utcnow()) == []


async def test_alerts_are_refused_where_nothing_could_reach_the_person(database_url: str) -> None:
    engine = engine_for(database_url)
    dispatcher = CollectingDispatcher()
    await ActionSubscribeAlerts(engine).run(
        dispatcher, _tracker("rest-1", "fr", "previens moi", "subscribe_alerts", channel="rest", country="HT"), {})
    assert dispatcher.messages[0]["text"] == i18n.text("alerts_channel_only", "fr")
    assert alerts_store.active_subscriptions(engine, conversation_id="rest-1", now=datetime.utcnow()) == []


async def test_stopping_with_nothing_to_stop_says_so(database_url: str) -> None:
    engine = engine_for(database_url)
    dispatcher = CollectingDispatcher()
    await ActionStopAlerts(engine).run(dispatcher, _tracker("tg-4", "pt", "nao quero mais alertas", "stop_alerts"), {})
    assert dispatcher.messages[0]["text"] == i18n.text("alerts_none", "pt")


async def test_delete_my_data_erases_the_subscription(database_url: str) -> None:
    from actions.privacy import ActionDeleteMyData

    engine = engine_for(database_url)
    _wrote(engine, "tg-5", "4545")
    await ActionSubscribeAlerts(engine).run(
        CollectingDispatcher(), _tracker("tg-5", "es", "avisame", "subscribe_alerts", country="GT"), {})
    assert alerts_store.active_subscriptions(engine, conversation_id="tg-5", now=datetime.utcnow())
    await ActionDeleteMyData(engine).run(CollectingDispatcher(), _tracker("tg-5", "es", "/affirm", "affirm"), {})
    assert alerts_store.active_subscriptions(engine, conversation_id="tg-5", now=datetime.utcnow()) == []
