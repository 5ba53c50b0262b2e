"""Rasa NLU component: a second, linear opinion on the intent, averaged with DIET's.

DIET alone moved each language's held-out intent accuracy by one to two points between trainings
on the same data (its decision boundaries depend on the order of its mini-batches). A logistic
regression over the same sparse features (words and character n-grams, each message's counts
scaled to unit length) is deterministic and strong on short texts; averaging its probabilities with
DIET's ranking keeps what either is sure of and settles the messages where DIET wavers.
``IntentEnsemble`` comes right after ``DIETClassifier``: it trains the regression, and at prediction
replaces the intent and its ranking with the weighted mean (``diet_weight`` for DIET's share; an
intent missing from DIET's top of the ranking counts as 0 there). Everything after it (the fallback
threshold, emergency priority) reads the combined confidences.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, vstack
from sklearn.preprocessing import normalize
from sklearn.utils.extmath import softmax

RANKING_LENGTH = 10
REGRESSION_FILE = "regression.npz"
logger = logging.getLogger(__name__)


def combine(first: list[dict[str, Any]], second: dict[str, float], first_weight: float) -> list[dict[str, Any]]:
    """The weighted mean of a ranking (name, confidence) and a table of probabilities, best first."""
    scores = {name: (1.0 - first_weight) * p for name, p in second.items()}
    for entry in first:
        name = str(entry.get(INTENT_NAME_KEY))
        scores[name] = scores.get(name, 0.0) + first_weight * float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    return [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: score} for name, score in ranked]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class IntentEnsemble(LogisticRegressionClassifier):
    """A logistic regression on the sparse features, its probabilities averaged with DIET's ranking."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """DIET's share of the mean, the regression's inverse regularisation and its iterations."""
        return {
            **LogisticRegressionClassifier.get_default_config(),
            "diet_weight": 0.5,
            "C": 10.0,
            "max_iter": 300,
        }

    def __init__(self, config: dict[str, Any], name: str, model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=float(self.config["C"]))
        self._weights: np.ndarray | None = None

    def _create_X(self, messages: list[Message]) -> csr_matrix:  # noqa: N802 (the base class names it)
        """Each message's sentence features, scaled to unit length (long messages count no more).

        The pipeline's features are all sparse: they are stacked as they are (the base class converts
        and joins them with empty dense ones, a third of this component's time); dense ones, if a
        pipeline had any, go through the base class.
        """
        rows = [self._sparse_row(message) for message in messages]
        if any(row is None for row in rows):
            return normalize(super()._create_X(messages), norm="l2", copy=False)
        return normalize(vstack(rows, format="csr"), norm="l2", copy=False)

    @staticmethod
    def _sparse_row(message: Message) -> Any:
        """The message's sparse sentence features (None: it has none, or dense ones too)."""
        sparse = message.get_sparse_features(attribute=TEXT)[1]
        if sparse is None or message.get_dense_features(attribute=TEXT)[1] is not None:
            return None
        return sparse.features

    def train(self, training_data: TrainingData) -> Resource:
        """Train the regression (the base class's way); its weights are laid out again at the next use."""
        self._weights = None
        return super().train(training_data)

    def probabilities(self, features: csr_matrix) -> np.ndarray:
        """``predict_proba`` of the (multinomial) regression, with its weights kept in row order.

        scikit-learn multiplies by ``coef_.T``, which scipy copies whole (classes x n-grams) on every
        call to lay it out in rows: most of a turn's time in this component before.
        """
        if self.clf.coef_.shape[0] == 1:  # two intents only: scikit-learn's binary form
            return self.clf.predict_proba(features)  # type: ignore[no-any-return]
        if self._weights is None:
            self._weights = np.ascontiguousarray(self.clf.coef_.T)
        return softmax(np.asarray(features @ self._weights) + self.clf.intercept_, copy=False)  # type: ignore[no-any-return]

    def process(self, messages: list[Message]) -> list[Message]:
        """Replace DIET's intent and ranking with the weighted mean of both classifiers.

        A message without the features the regression was trained on (an empty or blank one has no
        word features) keeps DIET's reading.
        """
        if not messages or not hasattr(self.clf, "classes_"):
            return messages
        weight = float(self.config["diet_weight"])
        classes = [str(c) for c in self.clf.classes_]
        width = int(self.clf.coef_.shape[1])
        for message in messages:
            sparse = self._sparse_row(message)
            if sparse is not None:
                features = normalize(csr_matrix(sparse), norm="l2", copy=False)
            elif message.get_sparse_features(attribute=TEXT)[1] is not None:
                features = self._create_X([message])  # dense features too: the base class's way
            else:
                continue  # no word features (an empty or blank message)
            if features.shape[1] != width:
                continue
            row = self.probabilities(features)[0]
            table = dict(zip(classes, (float(p) for p in row), strict=True))
            ranking = combine(list(message.get(INTENT_RANKING_KEY) or []), table, weight)
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[:RANKING_LENGTH], add_to_output=True)
        return messages

    def persist(self) -> None:
        """Save the regression as plain arrays (numpy's format, no pickled code): loading them takes
        milliseconds, where the base class's skops import alone took seconds of every server start."""
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(directory / REGRESSION_FILE, coef=self.clf.coef_, intercept=self.clf.intercept_,
                     classes=np.asarray(self.clf.classes_, dtype=str))

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> IntentEnsemble:
        """The trained regression; an untrained one (no data was given) leaves DIET's reading as it is."""
        component = cls(config, execution_context.node_name, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory, np.load(
                directory / REGRESSION_FILE, allow_pickle=False
            ) as saved:
                component.clf.coef_ = saved["coef"]
                component.clf.intercept_ = saved["intercept"]
                component.clf.classes_ = saved["classes"]
                component.clf.n_features_in_ = int(saved["coef"].shape[1])
        except (ValueError, OSError):
            logger.debug("No trained intent ensemble in the model: DIET's reading is left as it is.")
        return component

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leave the training data's intents as they are (the base class would overwrite them)."""
        return training_data
