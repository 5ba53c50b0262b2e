"""TED's prediction, computed only when it can change the choice of the next action.

Rasa 3.6 runs every policy for every prediction and then picks the most confident one, ties going to
the higher priority. In this assistant the rules and memorised stories decide nearly every step with
certainty (confidence 1.0, priorities above TED's), so TED's neural network ran about a quarter of a
turn's CPU for a prediction that could not win (bench/profile_turn.py). ``defer`` makes TED's graph node
return a ``DeferredPrediction`` that runs the network when anything reads it; ``pick_best_policy``
reads it only when no certain prediction of a higher priority is there (or when the ensemble zeroes
a rejected action, which reads every prediction). The choice is the same as Rasa's: TED's confidence is
a softmax (never above 1.0), its priority is below the rules' and memoisation's, and its prediction
has no mandatory events. A TED that can predict from the user's text (end-to-end stories) could
overrule the others, so it is never deferred.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.shared.nlu.constants import TEXT

CERTAIN = 1.0
_FIELDS = frozenset({"probabilities", "events", "optional_events", "is_end_to_end_prediction",
                     "is_no_user_prediction", "diagnostic_data", "hide_rule_turn", "action_metadata"})
_ted_predict = TEDPolicy.predict_action_probabilities
_pick_best_policy = DefaultPolicyPredictionEnsemble._pick_best_policy


class DeferredPrediction(PolicyPrediction):
    """A policy's prediction made on first use; its name and priority are known before."""

    def __init__(self, compute: Callable[[], PolicyPrediction], policy_name: str, policy_priority: int) -> None:
        # PolicyPrediction's own fields are read through __getattr__, from the computed prediction.
        self.__dict__.update(_compute=compute, _made=None, policy_name=policy_name, policy_priority=policy_priority)

    @property
    def made(self) -> bool:
        """Whether the prediction has been computed."""
        return self.__dict__["_made"] is not None

    def resolve(self) -> PolicyPrediction:
        """The prediction, computed once."""
        if self.__dict__["_made"] is None:
            self.__dict__["_made"] = self.__dict__["_compute"]()
        return self.__dict__["_made"]  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        if name in _FIELDS:
            return getattr(self.resolve(), name)
        raise AttributeError(name)


def defer(
    self: TEDPolicy, tracker: Any, domain: Any, rule_only_data: Any = None, precomputations: Any = None, **kwargs: Any
) -> PolicyPrediction:
    """``TEDPolicy.predict_action_probabilities``, run when its result is read."""
    if self.only_e2e or TEXT in (self.fake_features or {}):
        return _ted_predict(self, tracker, domain, rule_only_data, precomputations, **kwargs)  # type: ignore[no-any-return]
    return DeferredPrediction(
        lambda: _ted_predict(self, tracker, domain, rule_only_data, precomputations, **kwargs),
        type(self).__name__,
        self.priority,
    )


def _cannot_win(deferred: list[DeferredPrediction], best: PolicyPrediction) -> bool:
    """Whether no deferred (intent-based, never "no user") prediction could beat ``best``."""
    if best.is_no_user_prediction or best.is_end_to_end_prediction:
        return True  # such a prediction overrules every prediction of the other kind
    return best.max_confidence >= CERTAIN and all(d.policy_priority < best.policy_priority for d in deferred)


def pick_best_policy(predictions: list[PolicyPrediction]) -> PolicyPrediction:
    """Rasa's choice, leaving out deferred predictions that could not change it."""
    deferred = [p for p in predictions if isinstance(p, DeferredPrediction) and not p.made]
    settled = [p for p in predictions if not (isinstance(p, DeferredPrediction) and not p.made)]
    if deferred and settled:
        best = _pick_best_policy(settled)
        if _cannot_win(deferred, best):
            return best
    return _pick_best_policy(predictions)


def install() -> None:
    """Defer TED's predictions (idempotent)."""
    TEDPolicy.predict_action_probabilities = defer  # type: ignore[method-assign]
    DefaultPolicyPredictionEnsemble._pick_best_policy = staticmethod(pick_best_policy)  # type: ignore[method-assign]
