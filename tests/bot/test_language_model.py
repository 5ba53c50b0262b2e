"""The language model learnt from our own NLU data tells the five languages apart."""

from __future__ import annotations

import pytest

from bot.nlu.language_model import LanguageModel

TRAIN = [
    ("hola necesito ayuda con mi visa", "es"),
    ("donde puedo pedir asilo", "es"),
    ("gracias por la informacion", "es"),
    ("hello i need help with my visa", "en"),
    ("where can i ask for asylum", "en"),
    ("thanks for the information", "en"),
    ("bonjour j'ai besoin d'aide pour mon visa", "fr"),
    ("ou puis-je demander l'asile", "fr"),
    ("merci pour l'information", "fr"),
    ("bonjou mwen bezwen ed pou viza mwen", "ht"),
    ("ki kote mwen ka mande azil", "ht"),
    ("mesi pou enfomasyon an", "ht"),
    ("ola preciso de ajuda com meu visto", "pt"),
    ("onde posso pedir refugio", "pt"),
    ("obrigado pela informacao", "pt"),
    ("ok guatemala", "es"),
    ("ok guatemala", "en"),
]


@pytest.fixture(scope="module")
def model() -> LanguageModel:
    return LanguageModel.fit(TRAIN, alpha=0.05)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("necesito ayuda", "es"),
        ("hello I need help", "en"),
        ("j'ai besoin d'aide", "fr"),
        ("mwen bezwen ed", "ht"),
        ("preciso de ajuda", "pt"),
    ],
)
def test_short_messages_get_their_language(model: LanguageModel, text: str, language: str) -> None:
    prediction = model.predict(text)
    assert prediction is not None
    assert prediction.language == language


def test_no_letters_has_no_language(model: LanguageModel) -> None:
    assert model.predict("123 👍") is None


def test_words_used_in_several_languages_are_shared(model: LanguageModel) -> None:
    assert model.is_shared("OK Guatemala")
    assert not model.is_shared("gracias guatemala")


def test_round_trip_through_dict(model: LanguageModel) -> None:
    again = LanguageModel.from_dict(model.to_dict())
    assert again.predict("merci beaucoup") == model.predict("merci beaucoup")
