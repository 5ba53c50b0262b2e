"""Mutation test of the figure check: a wrong digit anywhere in shipped content must be caught.

Every digit of every figure a person reads (answer titles and bodies in all languages, hotline
numbers, labels and hours, help point phones and texts) is changed to each of the nine other digits,
one change at a time, in a copy of the content. The check must catch each change, except when the
new number is itself stated in a fact the text cites (Guatemala's police is both 110 and 120).
"""

from __future__ import annotations

import copy
import dataclasses
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.infodb.content import ContentBundle, load_bundle
from bot.infodb.schema import CONTENT_DIR
from tests.content_figures import (
    FIGURE,
    URL,
    answer_problems,
    bundle_problems,
    help_point_problems,
    hotline_problems,
)
from tests.infodb_fixtures import SEED_DATE


@dataclass(frozen=True)
class Mutation:
    """One digit changed in one text of one item."""

    where: str
    old: str
    new: str
    fact_ids: tuple[str, ...]
    caught: bool


def _digit_changes(text: str) -> Iterator[tuple[str, str, str]]:
    """(mutated text, old figure, new figure) for each digit of each figure, each other digit."""
    masked = URL.sub(lambda m: " " * len(m.group(0)), text)
    for match in FIGURE.finditer(masked):
        for position in range(match.start(), match.end()):
            if not text[position].isdigit():
                continue
            for digit in "0123456789":
                if digit == text[position]:
                    continue
                mutated = text[:position] + digit + text[position + 1:]
                new_figure = mutated[match.start():match.end()]
                yield mutated, match.group(0), new_figure


def _answer_mutations(bundle: ContentBundle) -> Iterator[Mutation]:
    for answer in bundle.answers:
        for language, (title, body) in answer.texts.items():
            for index, text in enumerate((title, body)):
                for mutated, old, new in _digit_changes(text):
                    pair = (mutated, body) if index == 0 else (title, mutated)
                    changed = dataclasses.replace(answer, texts={**answer.texts, language: pair})
                    yield Mutation(f"{answer.key} [{language}]", old, new, tuple(answer.facts),
                                   bool(answer_problems(bundle, changed)))


def _dict_mutations(
    bundle: ContentBundle, items: list[dict[str, Any]], fields: tuple[str, ...],
    check: Callable[[ContentBundle, dict[str, Any]], list[Any]],
) -> Iterator[Mutation]:
    for item in items:
        for field in fields:
            value = item.get(field)
            texts = value.items() if isinstance(value, dict) else [(None, value)]
            for key, text in texts:
                if not isinstance(text, str):
                    continue
                for mutated, old, new in _digit_changes(text):
                    changed = copy.deepcopy(item)
                    if key is None:
                        changed[field] = mutated
                    else:
                        changed[field][key] = mutated
                    yield Mutation(f"{item['key']} {field}", old, new, tuple(item["fact_ids"]),
                                   bool(check(bundle, changed)))


def all_mutations(bundle: ContentBundle) -> list[Mutation]:
    """Every single-digit change to every figure a person reads, and whether the check caught it."""
    return [
        *_answer_mutations(bundle),
        *_dict_mutations(bundle, bundle.hotlines, ("number", "labels", "hours"), hotline_problems),
        *_dict_mutations(bundle, bundle.help_points, ("phone", "name", "city", "address", "services"),
                         help_point_problems),
    ]


def stated_in_cited_fact(bundle: ContentBundle, mutation: Mutation) -> bool:
    """Independent of the check: does a cited fact state the new number (or the changed part of it)?"""
    text = " ".join(bundle.facts[i]["fact"] for i in mutation.fact_ids)
    # A digit change keeps the spaces: the parts line up.
    changed = [n for o, n in zip(mutation.old.split(" "), mutation.new.split(" "), strict=True) if o != n]
    for candidate in [mutation.new, *changed]:
        digits = re.sub(r"\D", "", candidate)
        # A whole number of the fact: not glued by a space, dash, dot or comma to more digits.
        pattern = r"(?<!\d)(?<!\d[ ,.\-])" + r"[ ,.\-]?".join(digits) + r"(?!\d)(?![ ,.\-]\d)"
        if digits and re.search(pattern, text):
            return True
    return False


@pytest.fixture(scope="module")
def copied_bundle(tmp_path_factory: pytest.TempPathFactory) -> ContentBundle:
    content = tmp_path_factory.mktemp("mutations") / "content"
    shutil.copytree(CONTENT_DIR, content)
    return load_bundle(content, SEED_DATE)


def test_every_single_digit_change_is_caught_unless_a_cited_fact_states_it(copied_bundle: ContentBundle) -> None:
    assert bundle_problems(copied_bundle) == []
    mutations = all_mutations(copied_bundle)
    escaped = [m for m in mutations if not m.caught]
    unexplained = [f"{m.where}: {m.old} -> {m.new}" for m in escaped if not stated_in_cited_fact(copied_bundle, m)]
    assert len(mutations) > 10_000
    assert unexplained == []
    # The allowed escapes are real: Guatemala's police is stated as both 110 and 120.
    assert any(m.old == "110" and m.new == "120" for m in escaped)
    assert len(escaped) < len(mutations) * 0.05


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_wrong_figures_written_into_content_files_are_caught(tmp_path: Path) -> None:
    """The changes the audit found passing before (911 -> 111 in Haitian Creole, 30 -> 20 days)."""
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    _edit(content / "answers" / "ask_emergency_numbers.yml",
          "e se pa tout peyi ki gen yon sèl 911", "e se pa tout peyi ki gen yon sèl 111")
    _edit(content / "answers" / "ask_asylum.yml", "Plazo: 30 días hábiles", "Plazo: 20 días hábiles")
    _edit(content / "hotlines.yml", 'number: "089"', 'number: "088"')
    problems = {str(p) for p in bundle_problems(load_bundle(content, SEED_DATE))}
    assert problems == {
        "ask_emergency_numbers/REGIONAL [ht] body: '111' is stated in no cited fact",
        "ask_asylum/MX [es] body: '20' is stated in no cited fact",
        "MX/tip_line/088 number: '088' is stated in no cited fact",
    }
