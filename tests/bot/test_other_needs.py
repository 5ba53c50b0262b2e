"""Several needs in one message: the topics named besides the intent (bot/nlu/other_needs.py)."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.other_needs import MAX_OTHER_NEEDS, OtherNeeds, other_needs


@pytest.mark.parametrize(
    ("intent", "text", "expected"),
    [
        ("ask_shelter", "estoy en tapachula, necesito albergue y tambien un doctor para mi hija", ["ask_health"]),
        ("ask_asylum", "quiero pedir asilo en mexico y inscribir a mis hijos en la escuela", ["ask_education"]),
        ("ask_health", "mwen malad epi mwen bezwen kote pou m domi", ["ask_shelter"]),
        ("ask_documents", "perdi mi pasaporte y no tengo donde dormir", ["ask_shelter"]),
        ("ask_work_permit", "how do i get a work permit in canada? also my kids need a school", ["ask_education"]),
        ("ask_shelter", "on cherche un foyer d'accueil ce soir et un medecin pour mon fils", ["ask_health"]),
        ("ask_labor_rights", "qual o salario minimo no mexico e onde fica o escritorio da oim",
         ["find_help_point"]),
    ],
)
def test_a_second_need_in_its_own_clause_is_found(intent: str, text: str, expected: list[str]) -> None:
    assert other_needs(intent, text, []) == expected


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        # one need worded with another topic's word in the same clause
        ("ask_work_permit", "necesito un permiso de trabajo para trabajar en un hospital"),
        # a visa and the passport it needs are one question
        ("ask_visa", "como saco la visa para estados unidos, tengo pasaporte"),
        # one clause, one need
        ("ask_shelter", "necesito un albergue"),
        # asylum and regularization are answered together
        ("ask_asylum", "puedo pedir asilo o mejor regularizar mi situacion"),
    ],
)
def test_one_need_stays_one(intent: str, text: str) -> None:
    assert other_needs(intent, text, []) == []


def test_an_emergency_is_answered_alone() -> None:
    assert other_needs("report_emergency", "me estan siguiendo y necesito albergue y un doctor", []) == []


@pytest.mark.parametrize("intent", ["greet", "thank", "inform", "request_human", "nlu_fallback", None])
def test_only_a_topic_question_gets_other_needs(intent: str | None) -> None:
    assert other_needs(intent, "hola, albergue y doctor y escuela", []) == []


def test_at_most_two_other_needs_in_the_order_written() -> None:
    text = "necesito asilo, una escuela para mi hijo, un albergue y un medico"
    assert other_needs("ask_asylum", text, []) == ["ask_education", "ask_shelter"][:MAX_OTHER_NEEDS]


def test_a_programme_names_its_topic() -> None:
    text = "donde hay un albergue en tijuana y como aplico a la h2a"
    start = text.index("h2a")
    entity = {"entity": "programme", "value": "US_H2A", "start": start, "end": start + 3}
    assert other_needs("ask_shelter", text, [entity]) == ["ask_work_permit"]


def _trained(tmp_path) -> OtherNeeds:  # type: ignore[no-untyped-def]
    examples = {
        "ask_education": ["my kids need to go to class", "can my son enroll in classes", "classes for my daughter",
                          "where do children take classes", "enroll the kids in class"],
        "ask_asylum": ["how do i ask for asylum", "asylum application", "where to apply for asylum",
                       "asylum deadline", "can i get asylum here"],
        "greet": ["hello", "hi there", "good morning", "hey", "hello friends"],
    }
    data = TrainingData([Message(data={"text": t, "intent": i}) for i, texts in examples.items() for t in texts])
    storage = LocalModelStorage(tmp_path)
    resource = Resource("other_needs")
    context = ExecutionContext(GraphSchema({}), "test")
    OtherNeeds.create({}, storage, resource, context).train(data)
    return OtherNeeds.load({}, storage, resource, context)


def test_the_clause_classifier_finds_a_need_no_word_names(tmp_path) -> None:  # type: ignore[no-untyped-def]
    component = _trained(tmp_path)
    message = Message(data={"text": "how do i ask for asylum and my kids need classes"})
    message.set("intent", {"name": "ask_asylum", "confidence": 0.9})
    (out,) = component.process([message])
    assert out.get("other_needs") == ["ask_education"]


def test_without_a_second_clause_the_classifier_adds_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    component = _trained(tmp_path)
    message = Message(data={"text": "my kids need classes"})
    message.set("intent", {"name": "ask_asylum", "confidence": 0.9})
    (out,) = component.process([message])
    assert out.get("other_needs") == []
