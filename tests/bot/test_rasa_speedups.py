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
