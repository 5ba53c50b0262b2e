"""Work Rasa 3.6 repeats on every turn that need not be repeated, done once.

Rasa validates each action server response with ``jsonschema.validate(result, schema)``, which checks
the (large) event schema itself against the JSON Schema metaschema on every call: about 19 ms per
custom action on this machine, two or more actions a turn. The schema never changes, so one validator
is built (and the schema checked) once; each response is still validated against the same schema,
with the same error when it is invalid (0.3 ms). ``install()`` is called when Rasa imports the
project's NLU components (``bot/nlu/__init__.py``), so every Rasa server that loads the model has it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import jsonschema
from jsonschema.protocols import Validator
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


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


def install() -> None:
    """Replace Rasa's per-call schema check (idempotent); ``VENTANILLA_RASA_SPEEDUPS=0`` keeps Rasa's own
    (to measure the difference: bench/turn_latency.py)."""
    if os.environ.get("VENTANILLA_RASA_SPEEDUPS", "1") == "0":
        return
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
