"""Rasa's action-response check, done with one validator: the same schema, the same verdicts and errors."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import bot.nlu.guards  # noqa: F401  (loading the model's components installs it)
from bot.rasa_speedups import action_response_validator, validate_action_result

VALID = {
    "events": [{"event": "slot", "name": "language", "value": "es", "timestamp": None}],
    "responses": [{"text": "hola", "buttons": [{"title": "Asilo", "payload": "/ask_asylum"}]}],
}
INVALID = [
    {"events": [{"event": "slot"}]},  # a slot event without its name
    {"events": [{"event": "no_such_event"}]},
    {"responses": "not a list"},
]


def test_the_model_s_components_install_it_in_the_rasa_server() -> None:
    assert RemoteAction._validate_action_result is validate_action_result


def test_a_valid_response_passes_as_with_rasa_s_own_check() -> None:
    jsonschema.validate(VALID, RemoteAction.action_response_format_spec())  # Rasa's own verdict
    assert validate_action_result(RemoteAction("action_x", None), VALID)


@pytest.mark.parametrize("response", INVALID)
def test_an_invalid_response_is_refused_as_with_rasa_s_own_check(response: dict) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(response, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        validate_action_result(RemoteAction("action_x", None), response)


def test_the_validator_is_built_once() -> None:
    assert action_response_validator() is action_response_validator()


# -- the language mapping, run in the Rasa server: the same slot events as the action server's ----------

LANGUAGE_CASES = [
    # (slot before, parse result of the message, its entities, channel metadata)
    (None, {"language": "fr", "language_ambiguous": False}, [], {}),
    ("es", {"language": "en", "language_ambiguous": False}, [], {}),
    ("es", {"language": "en", "language_ambiguous": True}, [], {}),  # "ok": keeps Spanish
    (None, {"language": "es", "language_ambiguous": True}, [], {"app_language": "pt"}),  # /start on a Portuguese phone
    ("ht", {"language": "de", "language_supported": False}, [], {}),  # German: keeps Kreyol
    ("es", {"language": "es"}, [{"entity": "target_language", "value": "en"}], {}),  # "speak English"
    ("fr", {"language": "fr", "language_ambiguous": False}, [], {}),  # no change: no event
]


@pytest.mark.parametrize(("current", "parse", "entities", "metadata"), LANGUAGE_CASES)
async def test_the_language_is_chosen_in_the_server_as_the_action_would(
    current: str | None, parse: dict, entities: list, metadata: dict
) -> None:
    from rasa.core.actions.action import ActionExtractSlots
    from rasa.shared.core.events import SlotSet, UserUttered
    from rasa.shared.core.slots import CategoricalSlot
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.language import ActionDetectLanguage
    from bot.rasa_speedups import run_custom_action

    intent = {"name": "change_language" if entities else "greet", "confidence": 0.9}
    slot = CategoricalSlot("language", mappings=[], values=["es", "en", "fr", "ht", "pt"], initial_value=current)
    user = UserUttered("texto", intent=intent, entities=entities, parse_data={**parse, "intent": intent}, metadata=metadata)
    tracker = DialogueStateTracker.from_events("s", [user], slots=[slot])
    assert ActionExtractSlots._run_custom_action is run_custom_action  # installed with the model's components
    here = await run_custom_action(ActionExtractSlots(None), "action_detect_language", None, None, tracker, None)

    from rasa.shared.core.trackers import EventVerbosity

    state = tracker.current_state(EventVerbosity.ALL)  # what Rasa sends the action server
    remote = await ActionDetectLanguage().run(CollectingDispatcher(), Tracker.from_dict(state), {})
    assert [(e.key, e.value) for e in here if isinstance(e, SlotSet)] == [(e["name"], e["value"]) for e in remote]


def test_every_event_type_resolves_to_rasa_s_own_class() -> None:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    from bot.rasa_speedups import _rasa_resolve_by_type

    assert Event.resolve_by_type is not _rasa_resolve_by_type  # installed
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert len(names) > 15
    for name in names:
        assert Event.resolve_by_type(name) is _rasa_resolve_by_type(name)


def test_unknown_and_old_event_types_behave_as_in_rasa() -> None:
    from rasa.shared.core.events import Event, SlotSet

    assert Event.resolve_by_type("topic") is None  # old TopicSet events are skipped
    assert Event.resolve_by_type("no_such_event", SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")
    restored = Event.from_parameters({"event": "slot", "name": "language", "value": "ht", "timestamp": 1.0})
    assert isinstance(restored, SlotSet) and restored.value == "ht"


async def test_a_second_turn_of_a_conversation_gets_the_lock_soon_after_the_first_releases_it() -> None:
    import asyncio
    import time

    from rasa.core.lock_store import InMemoryLockStore

    store = InMemoryLockStore()
    order: list[str] = []
    released = asyncio.Event()

    async def first() -> None:
        async with store.lock("c-1"):
            order.append("first")
            await asyncio.sleep(0.05)
        released.set()

    async def second() -> float:
        await asyncio.sleep(0.01)  # asks while the first holds the lock
        async with store.lock("c-1"):
            order.append("second")
            waited = time.monotonic()
        await released.wait()
        return waited

    start = time.monotonic()
    _, acquired = await asyncio.gather(first(), second())
    assert order == ["first", "second"]
    assert acquired - start < 0.5  # Rasa's own wait looks again after a whole second
