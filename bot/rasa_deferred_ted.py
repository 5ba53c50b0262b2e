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

Loading TED's network (``_load_tf_model``: TensorFlow builds it by running a training step, then reads
its weights) was about 40% of a Rasa server's start (bench/profile_turn.py's way, over ``rasa run``),
the time a crashed server of the cluster is away. Since most turns never read TED, ``load_in_background``
copies the network's weight files out of the unpacked model (Rasa deletes that directory once the
model is loaded) and builds the network in a thread while the server starts serving; the first
prediction that reads TED before it is built waits for it. Fine-tuning loads it at once, as Rasa does.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, Optional  # noqa: UP035 (the same types as TED's signature)

from rasa.core.featurizers.precomputation import MessageContainerForCoreFeaturization
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT

logger = logging.getLogger(__name__)
CERTAIN = 1.0
_FIELDS = frozenset({"probabilities", "events", "optional_events", "is_end_to_end_prediction",
                     "is_no_user_prediction", "diagnostic_data", "hide_rule_turn", "action_metadata"})
_ted_predict = TEDPolicy.predict_action_probabilities
_pick_best_policy = DefaultPolicyPredictionEnsemble._pick_best_policy
_load_tf_model = TEDPolicy._load_tf_model.__func__  # type: ignore[attr-defined]
_loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ted-load")


class BackgroundModel:
    """TED's network while a thread builds it: any use waits for it."""

    def __init__(self, future: Future[Any]) -> None:
        self._future = future

    def __getattr__(self, name: str) -> Any:
        return getattr(self._future.result(), name)


def _build(load: Callable[[], Any], directory: str) -> Any:
    try:
        return load()
    except Exception as err:  # every turn that reads TED raises it again: say once, at the start, why
        logger.error("TED's network could not be built: %s: %s", type(err).__name__, err)
        raise
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def load_in_background(
    cls: type[TEDPolicy], model_utilities: dict[str, Any], model_data_example: Any, predict_data_example: Any,
    featurizer: Any, should_finetune: bool,
) -> Any:
    """``TEDPolicy._load_tf_model`` in a thread, from a copy of the weight files."""
    if should_finetune:
        return _load_tf_model(cls, model_utilities, model_data_example, predict_data_example, featurizer, should_finetune)
    weights = Path(model_utilities["tf_model_file"])
    directory = tempfile.mkdtemp(prefix="ventanilla-ted-")
    for path in weights.parent.glob(f"{weights.name}*"):
        shutil.copy2(path, directory)
    copied = {**model_utilities, "tf_model_file": Path(directory) / weights.name}
    return BackgroundModel(_loader.submit(_build, lambda: _load_tf_model(
        cls, copied, model_data_example, predict_data_example, featurizer, should_finetune), directory))


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


def defer(  # type: ignore[no-untyped-def]
    self,  # unannotated, as a method's: Rasa's graph validation reads these annotations as the node's inputs
    tracker: DialogueStateTracker,
    domain: Domain,
    rule_only_data: Optional[Dict[str, Any]] = None,  # noqa: UP006, UP045 (the same types as TED's)
    precomputations: Optional[MessageContainerForCoreFeaturization] = None,  # noqa: UP045
    **kwargs: Any,
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
    deferred: list[DeferredPrediction] = []
    settled: list[PolicyPrediction] = []
    for prediction in predictions:
        if isinstance(prediction, DeferredPrediction) and not prediction.made:
            deferred.append(prediction)
        else:
            settled.append(prediction)
    if deferred and settled:
        best = _pick_best_policy(settled)
        if _cannot_win(deferred, best):
            return best
    return _pick_best_policy(predictions)


def install() -> None:
    """Defer TED's predictions and the building of its network (idempotent)."""
    TEDPolicy.predict_action_probabilities = defer  # type: ignore[method-assign]
    TEDPolicy._load_tf_model = classmethod(load_in_background)  # type: ignore[method-assign,assignment,arg-type]
    DefaultPolicyPredictionEnsemble._pick_best_policy = staticmethod(pick_best_policy)  # type: ignore[method-assign]
