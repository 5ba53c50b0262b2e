"""Work Rasa 3.6 repeats on every turn that need not be repeated, done once.

Rasa validates each action server response with ``jsonschema.validate(result, schema)``, which checks
the (large) event schema itself against the JSON Schema metaschema on every call: about 19 ms per
custom action on this machine, two or more actions a turn. The schema never changes, so one validator
is built (and the schema checked) once; each response is still validated against the same schema,
with the same error when it is invalid (0.3 ms). ``install()`` is called when Rasa imports the
project's NLU components (``bot/nlu/__init__.py``), so every Rasa server that loads the model has it.

The ``language`` slot's mapping (``action_detect_language``) ran on the action server after every
message: an HTTP round trip with the whole tracker, only to apply a pure rule to the parse result.
The rule (``bot.i18n.conversation.choose_language``) now runs in the Rasa server itself, with the
same inputs (the latest parse, its intent and ``target_language`` entities, the channel metadata)
and the same event (a ``SlotSet`` when the language changes); any other custom mapping still goes to
the action server.

Reading a stored conversation turns each event's type name into its class with
``Event.resolve_by_type``, which walks Rasa's whole tree of event classes (``all_subclasses``) for
every event: about 7% of a cluster Rasa server's CPU (bench/cluster.py --profile). The classes are
looked up in a table built once, in Rasa's order; a name not in it goes to Rasa's own walk (a class
defined later, the old "topic" events, the default, the error).

A Rasa server waits for a conversation's lock (another turn of the same conversation runs, in the
cluster often on the other server) by looking again every second: a second turn of a person who
sent two messages at once waited up to a second doing nothing, holding one of the channel's turn
slots. It looks again every ``LOCK_WAIT_SECONDS`` (the same lock, tickets and order).

TED's prediction is computed only when it can change the choice of the next action
(``bot/rasa_deferred_ted.py``).
"""

from __future__ import annotations

import os
from functools import lru_cache, partialmethod
from typing import Any

import jsonschema
from jsonschema.protocols import Validator
from rasa.core.actions.action import ActionExtractSlots, RemoteAction
from rasa.core.lock_store import LockStore
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

from bot import rasa_deferred_ted
from bot.i18n import APP_LANGUAGE
from bot.i18n.conversation import LANGUAGE_SLOT, choose_language

LANGUAGE_ACTION = "action_detect_language"
_remote_custom_action = ActionExtractSlots._run_custom_action


@lru_cache(maxsize=1)
def action_response_validator() -> Validator:
    """The validator of Rasa's action server response schema, its schema checked once."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)  # type: ignore[no-any-return]


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the validator built once (same schema, same error)."""
    try:
        action_response_validator().validate(result)
    except jsonschema.ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the Action "
            f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


def language_events(tracker: DialogueStateTracker) -> list[Event]:
    """What ``action_detect_language`` returns, computed here: the new language, when it changes."""
    latest = tracker.latest_message
    parse: dict[str, Any] = dict(latest.parse_data) if latest is not None else {}
    intent = (latest.intent or {}).get("name") if latest is not None else None
    entities = latest.entities if latest is not None else []
    targets = [str(e["value"]) for e in entities if e.get("entity") == "target_language" and e.get("value")]
    declared = (latest.metadata or {}).get(APP_LANGUAGE) if latest is not None else None
    current = tracker.get_slot(LANGUAGE_SLOT)
    chosen = choose_language(current, parse, intent, targets, declared)
    return [SlotSet(LANGUAGE_SLOT, chosen)] if chosen != current else []


async def run_custom_action(
    self: ActionExtractSlots, custom_action: str, output_channel: Any, nlg: Any, tracker: DialogueStateTracker,
    domain: Any,
) -> list[Event]:
    """``ActionExtractSlots._run_custom_action``, with the language mapping run in this process."""
    if custom_action == LANGUAGE_ACTION:
        return language_events(tracker)
    return await _remote_custom_action(self, custom_action, output_channel, nlg, tracker, domain)  # type: ignore[no-any-return]


_rasa_resolve_by_type = Event.resolve_by_type


@lru_cache(maxsize=1)
def event_types() -> dict[str, type[Event]]:
    """Event classes by type name, the first in Rasa's order where two share one (as its lookup finds)."""
    table: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)
    return table


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """``Event.resolve_by_type`` from the table; what it does not hold, Rasa resolves."""
    return event_types().get(type_name) or _rasa_resolve_by_type(type_name, default)


LOCK_WAIT_SECONDS = 0.1
_rasa_lock = LockStore.lock


def install() -> None:
    """Replace Rasa's per-call schema check, event class lookup and lock wait, defer TED (idempotent);
    ``VENTANILLA_RASA_SPEEDUPS=0`` keeps Rasa's own (to measure the difference: bench/turn_latency.py)."""
    if os.environ.get("VENTANILLA_RASA_SPEEDUPS", "1") == "0":
        return
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    ActionExtractSlots._run_custom_action = run_custom_action  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign,assignment]
    LockStore.lock = partialmethod(_rasa_lock, wait_time_in_seconds=LOCK_WAIT_SECONDS)  # type: ignore[method-assign,assignment]
    rasa_deferred_ted.install()
