"""The held-out fact questions (tests/answers/) are well formed and ask for facts the shipped content states.

These rows measure the assistant (make eval); they are never training data. This test only checks that
each row names a real fact and expects strings that a shipped answer citing that fact (or a hotline
resting on it) really says in the row's language, so a miss in the evaluation is the assistant's miss.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
import yaml

from bot.infodb.content import LANGUAGES, load_bundle
from bot.infodb.schema import CONTENT_DIR
from tests.infodb_fixtures import SEED_DATE

ANSWER_SET = Path(__file__).resolve().parents[1] / "answers"
BUNDLE = load_bundle(CONTENT_DIR, SEED_DATE)


def fold(text: str) -> str:
    """Lower-case and drop accents, as the evaluation compares."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def load_rows(language: str) -> list[dict]:
    data = yaml.safe_load((ANSWER_SET / f"{language}.yml").read_text(encoding="utf-8"))
    assert data["language"] == language
    return data["questions"]


def shipped_texts(fact_id: str, language: str) -> list[str]:
    """Every shipped text resting on a fact: answer titles and bodies, hotline numbers and labels."""
    texts = [" ".join(a.texts[language]) for a in BUNDLE.answers if fact_id in a.facts]
    texts += [f"{h['number']} {h['labels'][language]}" for h in BUNDLE.hotlines if fact_id in h["fact_ids"]]
    return [fold(t) for t in texts]


ROWS = [(language, row) for language in LANGUAGES for row in load_rows(language)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_has_at_least_20_distinct_questions(language: str) -> None:
    rows = load_rows(language)
    assert len(rows) >= 20
    assert len({r["id"] for r in rows}) == len(rows)
    assert all(r["id"].startswith(f"{language}-") for r in rows)
    assert len({fold(" ".join(r["turns"])) for r in rows}) == len(rows)


@pytest.mark.parametrize(("language", "row"), ROWS, ids=[row["id"] for _, row in ROWS])
def test_each_row_expects_what_a_shipped_answer_for_its_fact_says(language: str, row: dict) -> None:
    assert 1 <= len(row["turns"]) <= 2 and all(t.strip() for t in row["turns"])
    assert_shipped(row["id"], row["fact"], row["expect"], language)


def assert_shipped(row_id: str, fact: str, expect: list[str], language: str) -> None:
    """The fact exists and a shipped text citing it says every expected string."""
    assert fact in BUNDLE.facts, f"{row_id}: unknown fact {fact}"
    assert expect, f"{row_id}: expects nothing"
    texts = shipped_texts(fact, language)
    for expected in expect:
        assert any(fold(expected) in text for text in texts), (
            f"{row_id}: no shipped {language} text citing {fact} says {expected!r}"
        )


SEVERAL = ANSWER_SET / "multi"


def several_rows() -> list[tuple[str, dict]]:
    rows = []
    for path in sorted(SEVERAL.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        rows += [(str(data["language"]), row) for row in data["questions"]]
    return rows


SEVERAL_ROWS = several_rows()


def test_the_several_needs_set_covers_every_language() -> None:
    assert {language for language, _ in SEVERAL_ROWS} == set(LANGUAGES)
    ids = [row["id"] for _, row in SEVERAL_ROWS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("language", "row"), SEVERAL_ROWS, ids=[row["id"] for _, row in SEVERAL_ROWS])
def test_each_need_of_a_several_needs_row_is_something_a_shipped_answer_says(language: str, row: dict) -> None:
    assert 1 <= len(row["turns"]) <= 2 and all(t.strip() for t in row["turns"])
    assert len(row["needs"]) >= 2
    for need in row["needs"]:
        assert_shipped(row["id"], need["fact"], need["expect"], language)
