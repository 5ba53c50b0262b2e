"""The danger lexicon is data (nlu/lookups/danger.yml) and matches words as people type them."""

from __future__ import annotations

from bot.nlu.danger import DangerLexicon


def test_matching_ignores_case_accents_and_punctuation() -> None:
    lexicon = DangerLexicon(["apuñalado", "kouri dèyè"])
    assert lexicon.matches("¡¡Lo APUNALADO!!") == ["apunalado"]
    assert lexicon.matches("yo kouri deye m") == ["kouri deye"]


def test_matching_respects_word_boundaries() -> None:
    lexicon = DangerLexicon(["siguiendo"])
    assert lexicon.matches("me estan siguiendo") == ["siguiendo"]
    assert lexicon.matches("persiguiendo mis sueños") == []


def test_the_shipped_lexicon_covers_every_language() -> None:
    lexicon = DangerLexicon.from_yaml()
    for text in ("they kidnapped my son", "me secuestraron", "ils veulent me tuer", "yo vle touye m", "fui sequestrada"):
        assert lexicon.matches(text), text
    for text in ("gracias por todo", "what can you do", "kisa ou ka fe", "obrigado", "merci"):
        assert not lexicon.matches(text), text
