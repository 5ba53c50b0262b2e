"""The words people read: one term per concept, numbers as each language writes them, plain language.

Every check runs over all shipped text (domain.yml responses, bot/i18n/messages.yml, answers,
hotline labels, help point services) against content/glossary.yml, and each kind of check is first
shown to catch the error it exists for.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.infodb.content import LANGUAGES, ContentError, load_bundle
from bot.tools import readability
from bot.tools.shipped_text import CONTENT_DIR, ShippedText, all_texts, answer_texts
from bot.tools.wording import (
    glossary,
    misleading_numbers,
    names_and_addresses,
    unexplained_terms,
    wrong_variants,
)

TEXTS = all_texts()
ANSWERS = list(answer_texts())


def _body(item: ShippedText) -> str:
    return item.text.split("\n", 1)[1]


# ------------------------------------------------------------------ the checks catch their errors
@pytest.mark.parametrize(("language", "text", "expected"), [
    ("ht", "Panama te fèmen estasyon an. Sa ka chanje.", "sa ka chanje"),
    ("ht", "Pale ak yon moun nan gichè a.", "gichè"),
    ("ht", "Raket yo mande anpil lajan.", "raket"),
    ("ht", "Si lavi w an danje nan peyi w, ou ka mande azil.", "si lavi w an danje nan peyi w"),
    ("ht", "Pesonn pa dwe depoze lajan.", "pesonn"),
    ("fr", "Si vous êtes en danger, appelle ta famille.", "ta"),
    ("fr", "Méfie-toi des offres.", "toi"),
    ("fr", "Il t'envoie de faux papiers.", "t'"),
    ("fr", "Désolé, je n'ai pas compris.", "désolé"),
    ("fr", "Je ne suis pas sûr d'avoir compris.", "je ne suis pas sûr"),
    ("fr", "Trouver un refuge près de vous.", "refuge"),
    ("pt", "Obrigado, anotado.", "obrigado"),
    ("pt", "Fale com uma pessoa do atendimento.", "do atendimento"),
    ("pt", "Isso é contrabando de migrantes.", "contrabando de migrantes"),
    ("es", "Si ya pasó, explica por qué; pueden aceptarlo.", "pueden aceptarlo"),
    ("pt", "Sua família não deve pagar: anote o número e tente localizar você.",
     "sua família não deve pagar: anote o número"),
])
def test_a_wrong_variant_is_caught(language: str, text: str, expected: str) -> None:
    assert expected in [w.found.lower() for w in wrong_variants(language, text)]


@pytest.mark.parametrize(("language", "text"), [
    ("ht", "Sa ka gen tan chanje; mande yon moun nan biwo a."),
    ("fr", "Désolée, vous pouvez réessayer. Mettez-vous en lieu sûr."),
    ("pt", "Obrigada. Uma pessoa do balcão pode ajudar você; o atendimento médico é gratuito."),
])
def test_the_chosen_words_pass(language: str, text: str) -> None:
    assert wrong_variants(language, text) == []


@pytest.mark.parametrize(("language", "text", "misleading"), [
    ("fr", "environ US$3,000–15,000", ["3,000", "15,000"]),
    ("pt", "cerca de $1,200 por mês", ["1,200"]),
    ("es", "unos US$3,000 o 22.833 personas", ["3,000", "22.833"]),
    ("en", "about 22.833 people", ["22.833"]),
    ("ht", "anviwon 22,833 moun", ["22,833"]),
    ("en", "about US$3,000–15,000 and 22,833 people", []),
    ("pt", "cerca de US$ 3.000–15.000", []),
    ("fr", "environ 3 000–15 000 dollars, 2,5 km", []),
    ("es", "llama al 1-866-487-9243, al 800 5533 000 o al 809-368-7192; 22 833 personas", []),
])
def test_a_thousands_separator_that_reads_as_a_decimal_is_caught(language: str, text: str,
                                                                  misleading: list[str]) -> None:
    assert misleading_numbers(language, text) == misleading


def test_an_acronym_without_its_explanation_is_caught() -> None:
    assert unexplained_terms("es", "Pide refugio en la COMAR. La COMAR (Comisión Mexicana de Ayuda a "
                                   "Refugiados) decide.") == ["COMAR"]
    assert unexplained_terms("es", "Pide refugio en la COMAR (la oficina de refugio de México). "
                                   "Luego vuelve a la COMAR.") == []
    assert unexplained_terms("en", "Ask for the petition number and its date.") == ["número de petición"]


# ------------------------------------------------------------------ the shipped text
def test_the_glossary_names_each_concept_in_every_language() -> None:
    for concept, by_language in glossary()["terms"].items():
        assert set(by_language) == set(LANGUAGES), concept
        assert all(by_language[lang]["use"] for lang in LANGUAGES), concept
    for term, entry in glossary()["explain"].items():
        assert all(entry.get(lang) for lang in LANGUAGES), f"{term} has no explanation in every language"


def test_no_shipped_text_uses_a_wrong_variant() -> None:
    found = [f"{item}: '{w.found}' (use '{w.use}': {w.concept})"
             for item in TEXTS for w in wrong_variants(item.language, item.text)]
    assert not found, "\n".join(found)


def test_no_shipped_text_writes_a_misleading_number() -> None:
    found = [f"{item}: {number}" for item in TEXTS for number in misleading_numbers(item.language, item.text)]
    assert not found, "\n".join(found)


def test_every_acronym_and_legal_term_is_explained_at_first_use() -> None:
    found = [f"{item} {item.answer}: {term}" for item in ANSWERS for term in unexplained_terms(item.language,
                                                                                              _body(item))]
    assert not found, "\n".join(found)


def test_french_and_portuguese_speak_of_the_assistant_as_she() -> None:
    welcome = {item.language: item.text for item in TEXTS if item.origin == "domain.yml utter_welcome"}
    assert "l'assistante" in welcome["fr"] and "a assistente" in welcome["pt"]


def test_answers_are_within_the_readability_ceiling() -> None:
    figures = readability.answer_readability()
    assert set(figures) == set(LANGUAGES)
    assert readability.over_ceiling(figures, readability.ceilings()) == []


def test_the_readability_ceiling_catches_a_long_winded_answer() -> None:
    long_winded = readability.measure("es", ["Esta oración innecesariamente complicada contiene "
                                             "demasiadas palabras extraordinariamente largas " * 5])
    assert readability.over_ceiling({"es": long_winded}, readability.ceilings()) != []


# ------------------------------------------------------------------ the review record
def test_reviews_name_a_role_a_language_and_a_date() -> None:
    answers = load_bundle(CONTENT_DIR, date(2026, 12, 3)).answers
    reviewed = [a for a in answers if a.reviews]
    assert reviewed, "no answer carries a review record"
    for answer in reviewed:
        for review in answer.reviews:
            assert review.language in LANGUAGES and review.role and isinstance(review.on, date)
            assert not re.search(r"\b[A-Z][a-z]+ [A-Z][a-z]+\b", review.role), "a role, not a name"


def test_a_review_in_an_unknown_language_is_rejected_with_file_and_line(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    target = content / "answers" / "ask_asylum.yml"
    target.write_text(target.read_text(encoding="utf-8").replace("{language: fr,", "{language: xx,", 1),
                      encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_bundle(content, date(2026, 12, 3))
    assert error.value.path.endswith("ask_asylum.yml") and error.value.line is not None
    assert "xx" in error.value.message


def test_a_translation_that_drops_an_office_route_is_caught() -> None:
    spanish = "Inscríbete en tuempleo.mintrabajo.gob.gt (o en una oficina del MINTRAB). El MINTRAB no da visas."
    french = "Inscrivez-vous sur tuempleo.mintrabajo.gob.gt. Le MINTRAB ne délivre pas de visas."
    assert names_and_addresses(french) != names_and_addresses(spanish)


def test_every_language_names_the_same_bodies_and_web_addresses_as_spanish() -> None:
    bodies: dict[str, dict[str, str]] = {}
    for item in ANSWERS:
        bodies.setdefault(str(item.answer), {})[item.language] = _body(item)
    found = [f"{key} [{language}]: {names_and_addresses(body)} != es {names_and_addresses(texts['es'])}"
             for key, texts in bodies.items() for language, body in texts.items()
             if names_and_addresses(body) != names_and_addresses(texts["es"])]
    assert not found, "\n".join(found)
