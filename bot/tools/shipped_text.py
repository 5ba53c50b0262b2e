"""Every text a person reads, by language: answers, hotlines, help points, domain responses, messages.

The wording tests (tests/bot/test_wording.py) and the readability report (bot.tools.readability)
read shipped text through this one module, so a new home for bot text is added here once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.infodb.content import LANGUAGES, load_bundle
from bot.settings import PROJECT_ROOT

CONTENT_DIR = PROJECT_ROOT / "content"
DOMAIN = PROJECT_ROOT / "domain.yml"
MESSAGES = PROJECT_ROOT / "bot" / "i18n" / "messages.yml"
_ANY_DATE = date(2026, 12, 3)


@dataclass(frozen=True)
class ShippedText:
    """One text in one language, with where it lives."""

    origin: str
    language: str
    text: str
    answer: str | None = None

    def __str__(self) -> str:
        return f"{self.origin} [{self.language}]"


def answer_texts(content_dir: Path = CONTENT_DIR) -> Iterator[ShippedText]:
    """Title and body of every answer, one item per answer and language (title first)."""
    for answer in load_bundle(content_dir, _ANY_DATE).answers:
        for language, (title, body) in answer.texts.items():
            yield ShippedText(answer.origin, language, f"{title}\n{body}", answer=answer.key)


def content_labels(content_dir: Path = CONTENT_DIR) -> Iterator[ShippedText]:
    """Hotline labels and help point service descriptions."""
    bundle = load_bundle(content_dir, _ANY_DATE)
    for line in bundle.hotlines:
        for language, label in line["labels"].items():
            yield ShippedText(f"hotlines.yml {line['key']}", language, label)
    for point in bundle.help_points:
        for language, service in point["services"].items():
            yield ShippedText(f"help_points.yml {point['key']}", language, service)


def domain_responses(path: Path = DOMAIN) -> Iterator[ShippedText]:
    """Every language-conditioned variation of every domain.yml response."""
    responses: dict[str, list[dict[str, Any]]] = yaml.safe_load(path.read_text(encoding="utf-8"))["responses"]
    for key, variations in responses.items():
        for variation in variations:
            language = next((c["value"] for c in variation.get("condition") or [] if c.get("name") == "language"),
                            None)
            if language in LANGUAGES:
                texts = [variation.get("text") or ""] + [b.get("title", "") for b in variation.get("buttons") or []]
                yield ShippedText(f"domain.yml {key}", language, "\n".join(t for t in texts if t))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def messages(path: Path = MESSAGES) -> Iterator[ShippedText]:
    """Every language of every key of bot/i18n/messages.yml."""
    catalogue: dict[str, dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, entry in catalogue.items():
        for language in LANGUAGES:
            if language in entry:
                yield ShippedText(f"messages.yml {key}", language, "\n".join(_strings(entry[language])))


def all_texts() -> list[ShippedText]:
    """Everything shipped, in a stable order."""
    return [*answer_texts(), *content_labels(), *domain_responses(), *messages()]
