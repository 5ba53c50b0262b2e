"""The held-out set measures understanding of messages the model never saw, nor nearly saw."""

from __future__ import annotations

from bot.settings import PROJECT_ROOT
from bot.tools.near_duplicates import examples, leaks, normalise, within


def test_a_held_out_message_nearly_in_training_is_caught() -> None:
    found = leaks(
        ["Estoy en Tapachula y necesito un albergue!", "nesesito un albergue en tapachula", "hola"],
        ["estoy en tapachula y necesito un albergue", "necesito un albergue en tapachula", "hi"],
    )
    assert [held for held, _ in found] == ["Estoy en Tapachula y necesito un albergue!", "nesesito un albergue en tapachula"]


def test_normalising_ignores_accents_case_and_punctuation() -> None:
    assert normalise("¿Dónde está el CONSULADO?") == "donde esta el consulado"


def test_edit_distance_is_bounded() -> None:
    assert within("necesito asilo", "nesesito asilo", 1)
    assert not within("necesito asilo", "nesesito asylo", 1)
    assert within("mi hijo esta perdido en la terminal", "mi hija esta perdida en la terminal", 2)


def test_no_held_out_message_is_or_nearly_is_a_training_example() -> None:
    found = leaks(
        examples(sorted((PROJECT_ROOT / "tests" / "nlu").glob("*.yml"))),
        examples(sorted((PROJECT_ROOT / "nlu").glob("*/*.yml"))),
    )
    assert not found, f"held-out messages (nearly) in the training data: {found[:10]}"


def test_no_held_out_fact_question_is_or_nearly_is_a_training_example() -> None:
    import yaml

    # The question is the last turn; earlier turns only say where the person is ("estoy en tijuana").
    turns = [
        question["turns"][-1]
        for path in sorted((PROJECT_ROOT / "tests" / "answers").glob("*.yml"))
        for question in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    ]
    assert len(turns) >= 80
    found = leaks(turns, examples(sorted((PROJECT_ROOT / "nlu").glob("*/*.yml"))))
    assert not found, f"held-out fact questions (nearly) in the training data: {found[:10]}"
