"""The intent ensemble: a logistic regression's probabilities averaged with DIET's ranking."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.ensemble import IntentEnsemble, combine

TRAINING = {
    "ask_shelter": ["where can i sleep tonight", "is there a shelter near here", "i need a place to sleep",
                    "any shelter for families", "somewhere to spend the night"],
    "ask_health": ["i need a doctor", "my son is sick", "where is a clinic", "free doctor for my baby",
                   "i have a fever"],
}


def test_combine_is_the_weighted_mean_and_counts_a_missing_intent_as_zero() -> None:
    ranking = combine([{"name": "a", "confidence": 0.8}, {"name": "b", "confidence": 0.2}], {"b": 0.7, "c": 0.3}, 0.5)
    assert [r["name"] for r in ranking] == ["b", "a", "c"]
    assert [r["confidence"] for r in ranking] == pytest.approx([0.45, 0.4, 0.15])


def test_combine_with_all_weight_on_diet_keeps_diets_order() -> None:
    ranking = combine([{"name": "a", "confidence": 0.7}, {"name": "b", "confidence": 0.3}], {"b": 0.9, "a": 0.1}, 1.0)
    assert [r["name"] for r in ranking][:2] == ["a", "b"]


def _featurized(texts_and_intents: list[tuple[str, str | None]], tmp_path, featurizer=None):  # type: ignore[no-untyped-def]
    messages = [Message(data={"text": t, **({"intent": i} if i else {})}) for t, i in texts_and_intents]
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    data = TrainingData(messages)
    tokenizer.process_training_data(data)
    if featurizer is None:
        tmp_path.mkdir(parents=True, exist_ok=True)
        storage = LocalModelStorage(tmp_path)
        featurizer = CountVectorsFeaturizer.create(
            CountVectorsFeaturizer.get_default_config(), storage, Resource("cvf"), ExecutionContext(None, "cvf"))
        featurizer.train(data)
    featurizer.process_training_data(data)
    return data, featurizer


def test_the_regression_decides_where_diet_wavers_and_survives_persistence(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data, featurizer = _featurized([(t, i) for i, texts in TRAINING.items() for t in texts], tmp_path / "f")
    (tmp_path / "m").mkdir()
    storage = LocalModelStorage(tmp_path / "m")
    resource = Resource("ensemble")
    context = ExecutionContext(None, "ensemble")
    component = IntentEnsemble.create({**IntentEnsemble.get_default_config(), "diet_weight": 0.5}, storage, resource, context)
    component.train(data)
    # Training data keeps its gold intents (the regression's base class would overwrite them).
    assert component.process_training_data(data).intent_examples[0].get("intent") == "ask_shelter"

    loaded = IntentEnsemble.load({**IntentEnsemble.get_default_config(), "diet_weight": 0.5}, storage, resource, context)
    data, _ = _featurized([("is there a shelter for my family tonight", None)], tmp_path, featurizer)
    message = data.training_examples[0]
    # DIET wavers towards health; the regression is sure of a shelter: the mean is a shelter.
    message.set("intent_ranking", [{"name": "ask_health", "confidence": 0.55}, {"name": "ask_shelter", "confidence": 0.45}])
    message.set("intent", {"name": "ask_health", "confidence": 0.55})
    (message,) = loaded.process([message])
    assert message.get("intent")["name"] == "ask_shelter"
    confidences = [r["confidence"] for r in message.get("intent_ranking")]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0)
    assert np.isfinite(confidences).all()


def test_its_probabilities_are_scikit_learns(tmp_path) -> None:  # type: ignore[no-untyped-def]
    three = {**TRAINING, "greet": ["hello", "hi there", "good morning", "hey", "good evening"]}
    data, _ = _featurized([(t, i) for i, texts in three.items() for t in texts], tmp_path / "f")
    (tmp_path / "m").mkdir()
    component = IntentEnsemble.create(IntentEnsemble.get_default_config(), LocalModelStorage(tmp_path / "m"),
                                      Resource("ensemble"), ExecutionContext(None, "ensemble"))
    component.train(data)
    features = component._create_X(data.training_examples)
    assert np.allclose(component.probabilities(features), component.clf.predict_proba(features))


def test_its_features_are_those_the_base_class_builds(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
    from sklearn.preprocessing import normalize

    data, _ = _featurized([(t, i) for i, texts in TRAINING.items() for t in texts], tmp_path / "f")
    (tmp_path / "m").mkdir()
    component = IntentEnsemble.create(IntentEnsemble.get_default_config(), LocalModelStorage(tmp_path / "m"),
                                      Resource("ensemble"), ExecutionContext(None, "ensemble"))
    ours = component._create_X(data.training_examples)
    base = normalize(LogisticRegressionClassifier._create_X(component, data.training_examples))
    assert (ours != base).nnz == 0 and ours.shape == base.shape


def test_a_model_without_a_trained_regression_keeps_diets_reading(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "m").mkdir()
    loaded = IntentEnsemble.load(IntentEnsemble.get_default_config(), LocalModelStorage(tmp_path / "m"),
                                 Resource("never-trained"), ExecutionContext(None, "ensemble"))
    ranking = [{"name": "ask_health", "confidence": 0.55}, {"name": "ask_shelter", "confidence": 0.45}]
    message = Message(data={"text": "hola", "intent": ranking[0], "intent_ranking": ranking})
    (message,) = loaded.process([message])
    assert message.get("intent") == {"name": "ask_health", "confidence": 0.55}


def test_a_message_without_the_trained_features_keeps_diets_reading(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data, _ = _featurized([(t, i) for i, texts in TRAINING.items() for t in texts], tmp_path / "f")
    (tmp_path / "m").mkdir()
    component = IntentEnsemble.create(IntentEnsemble.get_default_config(), LocalModelStorage(tmp_path / "m"),
                                      Resource("ensemble"), ExecutionContext(None, "ensemble"))
    component.train(data)
    ranking = [{"name": "ask_health", "confidence": 0.9}, {"name": "ask_shelter", "confidence": 0.1}]
    bare = Message(data={"text": "", "intent": ranking[0], "intent_ranking": ranking})  # no features at all
    narrow = Message(data={"text": "shelter", "intent": ranking[0], "intent_ranking": ranking})
    from rasa.shared.nlu.training_data.features import Features
    from scipy.sparse import coo_matrix

    narrow.add_features(Features(coo_matrix([[1.0, 0.0]]), "sentence", "text", "other"))  # not the trained width
    (bare, narrow) = component.process([bare, narrow])
    assert bare.get("intent")["name"] == "ask_health" and narrow.get("intent")["name"] == "ask_health"
