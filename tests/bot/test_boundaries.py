"""Contract boundaries that words settle: a passport kept by an employer is labour abuse."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.boundaries import IntentBoundaries


def intent_after(text: str, reading: str) -> str:
    rows = [{"name": reading, "confidence": 0.7}, {"name": "report_labor_abuse", "confidence": 0.2}]
    message = Message(data={"text": text, "intent": rows[0], "intent_ranking": rows})
    (message,) = IntentBoundaries({}).process([message])
    return str(message.get("intent")["name"])


@pytest.mark.parametrize(
    "text",
    [
        "mi patrón me quitó el pasaporte",
        "my boss in canada kept my passport",
        "mon employeur a gardé mon passeport",
        "patwon mwen pran paspò m",
        "o patrão ficou com meu passaporte",
    ],
)
def test_a_passport_kept_by_an_employer_is_labour_abuse(text: str) -> None:
    assert intent_after(text, "ask_documents") == "report_labor_abuse"


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("perdí mi pasaporte, como saco otro", "ask_documents"),  # no employer
        ("my employer needs a copy of my passport", "ask_documents"),  # nothing kept
        ("mi patron me quito el pasaporte y me amenaza con un cuchillo", "report_emergency"),  # danger stays
    ],
)
def test_other_passport_questions_keep_their_reading(text: str, reading: str) -> None:
    assert intent_after(text, reading) == reading


@pytest.mark.parametrize(
    "text", ["quiero hablar con alguien en español", "je veux parler a quelqu'un en creole", "m bezwen yon moun ki pale panyòl"]
)
def test_asking_for_someone_who_speaks_a_language_is_asking_for_a_person(text: str) -> None:
    assert intent_after(text, "change_language") == "request_human"


def test_a_language_alone_is_still_a_change_of_language() -> None:
    assert intent_after("hablame en español", "change_language") == "change_language"


@pytest.mark.parametrize("text", ["quiten mi numero de su lista", "please remove me from the list", "retire m nan lis la"])
def test_taking_ones_number_off_a_list_is_deleting_ones_data(text: str) -> None:
    assert intent_after(text, "ask_emergency_numbers") == "delete_my_data"


@pytest.mark.parametrize(
    "text",
    [
        "oi sou brasileiro casado com mexicana, a gente mora em ciudad juarez, como faço pra tirar residencia",
        "soy mexicano y vivo en guatemala",
    ],
)
def test_a_nationality_is_not_a_change_of_language(text: str) -> None:
    (message,) = IntentBoundaries({}).process([_ranked(text, [("change_language", 0.37), ("ask_regularization", 0.31)])])
    assert message.get("intent")["name"] == "ask_regularization"


@pytest.mark.parametrize("text", ["en español por favor", "pale kreyol", "can we speak another language", "hablas chino?"])
def test_a_change_of_language_that_names_one_stays(text: str) -> None:
    (message,) = IntentBoundaries({}).process([_ranked(text, [("change_language", 0.6), ("greet", 0.2)])])
    assert message.get("intent")["name"] == "change_language"


def _ranked(text: str, ranking: list[tuple[str, float]]) -> Message:
    rows = [{"name": n, "confidence": c} for n, c in ranking]
    return Message(data={"text": text, "intent": rows[0], "intent_ranking": rows, "entities": []})


@pytest.mark.parametrize(
    "text", ["where is the migrant shelter in reynosa", "hay albergue en tijuana", "ou est le foyer pour migrants",
             "onde posso dormir esta noite em tapachula", "kote pou m domi aswè a nan monterrey"],
)
def test_a_place_to_sleep_read_as_a_help_point_is_a_shelter_question(text: str) -> None:
    assert intent_after(text, "find_help_point") == "ask_shelter"


def test_an_office_read_as_a_help_point_stays_one() -> None:
    assert intent_after("where is the IOM office in tapachula", "find_help_point") == "find_help_point"


@pytest.mark.parametrize(
    "text", ["how do i get a work visa for canada", "visa de trabajo para estados unidos", "visto de trabalho no chile",
             "viza travay pou kanada", "visa de travail pour le mexique"],
)
def test_a_work_visa_read_as_a_visa_question_is_a_work_permit_question(text: str) -> None:
    assert intent_after(text, "ask_visa") == "ask_work_permit"


@pytest.mark.parametrize(
    "text", ["my tourist visa expired last week what now", "se me vencio la visa de turista",
             "passei do prazo do visto de turista", "mon visa a expire hier"],
)
def test_staying_past_a_visa_is_a_regularization_question(text: str) -> None:
    assert intent_after(text, "ask_visa") == "ask_regularization"


def test_a_visa_question_without_work_or_expiry_stays_a_visa_question() -> None:
    assert intent_after("do hondurans need a visa for mexico", "ask_visa") == "ask_visa"


@pytest.mark.parametrize(
    ("text", "reading", "expected"),
    [
        ("hola disculpe la hora", "nlu_fallback", "greet"),
        ("bonsoir, on m'a donne votre numero", "nlu_fallback", "greet"),
        ("muchas gracias por responder tan rapido", "out_of_scope", "thank"),
        ("bondye beni w pou tout bagay", "nlu_fallback", "thank"),
        ("bueno me voy, hasta luego", "nlu_fallback", "goodbye"),
        ("tchau, até amanhã", "nlu_fallback", "goodbye"),
    ],
)
def test_greetings_thanks_and_farewells_the_classifier_was_unsure_of(text: str, reading: str, expected: str) -> None:
    assert intent_after(text, reading) == expected


def test_a_greeting_only_counts_at_the_start_and_never_overrides_a_sure_reading() -> None:
    assert intent_after("le dije hola y no me contesto", "nlu_fallback") == "nlu_fallback"
    assert intent_after("hola, necesito un albergue", "ask_shelter") == "ask_shelter"
