"""TED's prediction deferred: the same next action as Rasa's own choice, with fewer network runs."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.policy import PolicyPrediction

import bot.nlu.guards  # noqa: F401  (loading the model's components installs it)
from bot import rasa_deferred_ted
from bot.rasa_deferred_ted import DeferredPrediction, pick_best_policy

ACTIONS = 5


def certain(index: int, policy: str = "RulePolicy", priority: int = 6, **flags: Any) -> PolicyPrediction:
    probabilities = [0.0] * ACTIONS
    probabilities[index] = 1.0
    return PolicyPrediction(probabilities, policy, priority, **flags)


def ted(index: int, confidence: float, calls: list[int]) -> DeferredPrediction:
    def compute() -> PolicyPrediction:
        calls.append(1)
        probabilities = [(1.0 - confidence) / (ACTIONS - 1)] * ACTIONS
        probabilities[index] = confidence
        return PolicyPrediction(probabilities, "TEDPolicy", 1)

    return DeferredPrediction(compute, "TEDPolicy", 1)


def test_the_model_s_components_install_it() -> None:
    assert DefaultPolicyPredictionEnsemble._pick_best_policy is pick_best_policy


def test_a_certain_rule_wins_without_running_ted() -> None:
    calls: list[int] = []
    best = pick_best_policy([certain(2), PolicyPrediction([0.0] * ACTIONS, "MemoizationPolicy", 3), ted(3, 0.99, calls)])
    assert (best.policy_name, best.max_confidence_index) == ("RulePolicy", 2)
    assert calls == []


def test_an_unsure_rule_policy_runs_ted_and_ted_wins_when_more_confident() -> None:
    calls: list[int] = []
    fallback = [0.0] * ACTIONS
    fallback[4] = 0.3  # RulePolicy's core fallback at its threshold
    best = pick_best_policy([PolicyPrediction(fallback, "RulePolicy", 6), ted(1, 0.8, calls)])
    assert (best.policy_name, best.max_confidence_index) == ("TEDPolicy", 1)
    assert calls == [1]


def test_a_no_user_prediction_overrules_ted_without_running_it() -> None:
    calls: list[int] = []
    loop = [0.0] * ACTIONS
    loop[1] = 0.5
    best = pick_best_policy([PolicyPrediction(loop, "RulePolicy", 6, is_no_user_prediction=True), ted(3, 0.99, calls)])
    assert best.max_confidence_index == 1 and calls == []


def test_a_rejected_action_reads_every_prediction_as_rasa_does() -> None:
    calls: list[int] = []
    deferred = ted(3, 0.9, calls)
    deferred.probabilities[3] = 0.0  # the ensemble zeroes a rejected action in every prediction
    assert calls == [1] and deferred.max_confidence < 0.9


async def test_whole_conversations_take_the_same_actions_as_with_every_prediction_made(
    agent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each choice of the real model is checked against Rasa's own choice over every prediction made."""
    checked = {"calls": 0, "skipped": 0}

    def checking(predictions: list[PolicyPrediction]) -> PolicyPrediction:
        pending = [p for p in predictions if isinstance(p, DeferredPrediction) and not p.made]
        chosen = pick_best_policy(predictions)
        skipped = any(not p.made for p in pending)
        made = [p.resolve() if isinstance(p, DeferredPrediction) else p for p in predictions]
        full = rasa_deferred_ted._pick_best_policy(made)
        assert (chosen.policy_name, chosen.max_confidence_index, chosen.events) == (
            full.policy_name, full.max_confidence_index, full.events)
        checked["calls"] += 1
        checked["skipped"] += skipped
        return chosen

    monkeypatch.setattr(DefaultPolicyPredictionEnsemble, "_pick_best_policy", staticmethod(checking))
    conversations = [
        ["hola", "necesito informacion sobre asilo en mexico", "si", "gracias"],
        ["hi", "what are my rights as an h2a worker", "I want to talk to a person"],
        ["bonjou", "mwen bezwen nimewo lapolis nan ayiti", "mesi"],
        ["me secuestraron ayuda"],
        ["ok", "no", "quero saber sobre o visto de trabalho no canada", "tchau"],
    ]
    for messages in conversations:
        sender = f"deferred-{uuid.uuid4().hex}"
        for text in messages:
            assert await agent.handle_text(text, sender_id=sender)
    assert checked["calls"] > 10
    assert checked["skipped"] > checked["calls"] // 2  # TED's network left out of most choices


async def test_ted_s_network_is_built_in_the_background_and_predicts_once_built(agent: Any) -> None:
    from rasa.core.policies.ted_policy import TEDPolicy
    from rasa.shared.core.trackers import DialogueStateTracker

    nodes = agent.processor.graph_runner._instantiated_nodes.values()
    policy = next(n._component for n in nodes if isinstance(n._component, TEDPolicy))
    assert isinstance(policy.model, rasa_deferred_ted.BackgroundModel)
    tracker = DialogueStateTracker.from_events(f"ted-{uuid.uuid4().hex}", [])
    made = rasa_deferred_ted._ted_predict(policy, tracker, agent.domain)
    assert len(made.probabilities) == len(agent.domain.action_names_or_texts)
    assert 0.0 < made.max_confidence <= 1.0


def test_a_network_that_cannot_be_built_is_logged_once_and_raised_where_ted_is_read(
    caplog: pytest.LogCaptureFixture, tmp_path: Any
) -> None:
    def broken() -> Any:
        raise OSError("weights unreadable")

    future = rasa_deferred_ted._loader.submit(rasa_deferred_ted._build, broken, str(tmp_path))
    model = rasa_deferred_ted.BackgroundModel(future)
    with pytest.raises(OSError):
        model.predict  # noqa: B018 (reading TED's network is what fails)
    assert not tmp_path.exists()  # the copied weights are removed either way
    assert [r.getMessage() for r in caplog.records if r.name == "bot.rasa_deferred_ted"] == [
        "TED's network could not be built: OSError: weights unreadable"
    ]
