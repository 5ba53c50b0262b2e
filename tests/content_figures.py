"""Exact figure check for content: every number a person reads must be a whole number stated in a cited fact.

A "figure" is a run of digits, possibly joined by spaces, dashes, dots, commas, colons or slashes
("800 5533 000", "809-368-7192", "3,000", "24/7", "1.5"). Both sides are normalised the same way:
- spaces and dashes inside a number are dropped (phone numbers: "3399-4699" == "3399 4699");
- thousands separators are dropped ("3,000" == "3 000" == "3.000" == "3000");
- a decimal comma is read as a decimal point ("3,8" == "3.8").
A figure in a text passes when it, or each part of it split at its spaces ("Ley 79 2011"), equals a
whole number in one of the facts cited. A fact's figure counts whole and split at its slashes
("110/120" states 110 and 120), never cut at its spaces: "800 5533 000" does not state 800.
Nothing else is loosened: "11" is not in "110", "111" is not "911", "24/3" is not "24/7".

Used by tests/bot/test_content.py for every answer, hotline and help point, so new content is covered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.infodb.content import ContentBundle

FIGURE = re.compile(r"(?<![\d])\d+(?:(?:[ \u00a0\u202f]|[.,:/\-])\d+)*")
SPACE = re.compile(r"[ \u00a0\u202f]")
THOUSANDS = re.compile(r"^\d{1,3}(?:([ \u00a0\u202f.,])\d{3})(?:\1\d{3})*$")
URL = re.compile(r"https?://\S+|\b[\w.-]+\.(?:org|com|gob|gov|mx|net|int)[\w./-]*")


def canonical(chunk: str) -> str:
    """One number, normalised: thousands separators, spaces and dashes dropped, decimal comma as point."""
    if THOUSANDS.match(chunk):
        return re.sub(r"\D", "", chunk)
    chunk = SPACE.sub("", chunk).replace("-", "")
    if re.fullmatch(r"\d+,\d{1,2}", chunk):
        chunk = chunk.replace(",", ".")
    return chunk


def _spaced_groups(figure: str) -> list[str]:
    """A figure cut at its spaces, unless they are thousands separators ("79 2011" may be two numbers)."""
    if THOUSANDS.match(figure):
        return [figure]
    return SPACE.split(figure)


def _segmentations(groups: list[str]) -> Iterator[list[str]]:
    if not groups:
        yield []
        return
    for cut in range(1, len(groups) + 1):
        head = canonical(" ".join(groups[:cut]))
        for rest in _segmentations(groups[cut:]):
            yield [head, *rest]


def figures(text: str) -> list[str]:
    """The figures of a text (web addresses left out: they are checked as sources)."""
    return [m.group(0) for m in FIGURE.finditer(URL.sub(" ", text))]


def stated_numbers(texts: Iterable[str]) -> frozenset[str]:
    """Every whole number the texts state, normalised (each figure whole and split at spaces/slashes)."""
    numbers: set[str] = set()
    for text in texts:
        for figure in figures(text):
            numbers.add(canonical(figure))
            numbers.update(canonical(part) for part in figure.split("/"))
    return frozenset(numbers)


def figure_is_stated(figure: str, numbers: frozenset[str], whole: bool = False) -> bool:
    """Whether a figure (or, unless whole, each of its space/slash parts) is a number the facts state."""
    if canonical(figure) in numbers:
        return True
    if whole:
        return False
    return any(all(part in numbers for part in parts) for parts in _segmentations(_spaced_groups(figure)))


@dataclass(frozen=True)
class Problem:
    """A figure that no cited fact states."""

    where: str
    figure: str

    def __str__(self) -> str:
        return f"{self.where}: '{self.figure}' is stated in no cited fact"


def fact_numbers(bundle: ContentBundle, fact_ids: Iterable[str]) -> frozenset[str]:
    """The numbers stated by the given facts (their text, not their sources)."""
    return stated_numbers(bundle.facts[i]["fact"] for i in fact_ids)


def text_problems(where: str, text: str, numbers: frozenset[str]) -> list[Problem]:
    """Figures in a text that the numbers do not state."""
    return [Problem(where, f) for f in figures(text) if not figure_is_stated(f, numbers)]


def number_problems(where: str, number: str | None, numbers: frozenset[str]) -> list[Problem]:
    """A phone number field: the whole number must be stated (spaces and dashes aside)."""
    if not number:
        return []
    digits = number.lstrip("+*")
    return [] if figure_is_stated(digits, numbers, whole=True) else [Problem(where, number)]


def answer_fields(answer) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """(where, text) for every text a person reads in an answer."""
    for language, (title, body) in answer.texts.items():
        yield f"{answer.key} [{language}] title", title
        yield f"{answer.key} [{language}] body", body


def hotline_fields(line: dict) -> Iterator[tuple[str, str]]:  # type: ignore[type-arg]
    """(where, text) for the texts of a hotline other than its number."""
    for language, label in line["labels"].items():
        yield f"{line['key']} [{language}] label", label
    if line.get("hours"):
        yield f"{line['key']} hours", str(line["hours"])


def help_point_fields(point: dict) -> Iterator[tuple[str, str]]:  # type: ignore[type-arg]
    """(where, text) for the texts of a help point other than its phone."""
    for name in ("name", "city", "address"):
        if point.get(name):
            yield f"{point['key']} {name}", str(point[name])
    for language, services in point["services"].items():
        yield f"{point['key']} [{language}] services", services
    hours = point.get("opening_hours")
    if hours:
        yield f"{point['key']} opening_hours", str(hours)


def answer_problems(bundle: ContentBundle, answer) -> list[Problem]:  # type: ignore[no-untyped-def]
    """Figures of one answer that its cited facts do not state."""
    numbers = fact_numbers(bundle, answer.facts)
    return [p for where, text in answer_fields(answer) for p in text_problems(where, text, numbers)]


def hotline_problems(bundle: ContentBundle, line: dict) -> list[Problem]:  # type: ignore[type-arg]
    """The number, label and hours figures of one hotline that its cited facts do not state."""
    numbers = fact_numbers(bundle, line["fact_ids"])
    problems = number_problems(f"{line['key']} number", line["number"], numbers)
    return problems + [p for where, text in hotline_fields(line) for p in text_problems(where, text, numbers)]


def help_point_problems(bundle: ContentBundle, point: dict) -> list[Problem]:  # type: ignore[type-arg]
    """The phone and text figures of one help point that its cited facts do not state."""
    numbers = fact_numbers(bundle, point["fact_ids"])
    problems = number_problems(f"{point['key']} phone", point.get("phone"), numbers)
    return problems + [p for where, text in help_point_fields(point) for p in text_problems(where, text, numbers)]


def bundle_problems(bundle: ContentBundle) -> list[Problem]:
    """Every figure in the bundle's answers, hotlines and help points that no cited fact states."""
    problems: list[Problem] = []
    for answer in bundle.answers:
        problems += answer_problems(bundle, answer)
    for line in bundle.hotlines:
        problems += hotline_problems(bundle, line)
    for point in bundle.help_points:
        problems += help_point_problems(bundle, point)
    return problems
