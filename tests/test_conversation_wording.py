"""The Rasa test conversations (tests/conversations/) speak in words the model never trained on.

A user line copied from nlu/ only shows the model remembers its training data; a conversation
test is worth something when the person's words are new. Lines are compared after folding case,
accents, punctuation, spacing and entity annotations. Button payloads ("/affirm") are not words.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

CONVERSATIONS = sorted((PROJECT_ROOT / "tests" / "conversations").glob("*.yml"))
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\{[^}]*\}|\([^)]*\))")


def fold(text: str) -> str:
    """A line as compared: annotations reduced to their text, no case, accents or punctuation."""
    plain = ANNOTATION.sub(r"\1", text)
    decomposed = unicodedata.normalize("NFKD", plain.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", letters).split())


def training_lines() -> set[str]:
    """Every training example of nlu/, folded."""
    lines: set[str] = set()
    for path in sorted((PROJECT_ROOT / "nlu").rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    lines.add(fold(line.strip()[2:]))
    return lines


def conversation_lines(paths: list[Path] = CONVERSATIONS) -> list[tuple[str, str, str]]:
    """(file, story, user line) for every typed user line of the test conversations."""
    found = []
    for path in paths:
        for story in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("stories") or []:
            for step in story.get("steps") or []:
                text = str(step.get("user") or "").strip()
                if text and not text.startswith("/"):
                    found.append((path.name, str(story.get("story")), text))
    return found


def copied_lines(paths: list[Path] = CONVERSATIONS) -> list[str]:
    """The typed user lines that are (folded) copies of training examples."""
    training = training_lines()
    return [f"{name} / {story}: {text!r}" for name, story, text in conversation_lines(paths) if fold(text) in training]


def test_no_user_line_of_a_test_conversation_is_a_training_example() -> None:
    assert len(conversation_lines()) >= 150
    assert copied_lines() == []


def test_the_copy_check_flags_a_training_example_written_differently(tmp_path: Path) -> None:
    """A training example, capitalised and punctuated, is still found; a new sentence is not."""
    example = sorted(training_lines())[0]
    story = {
        "version": "3.1",
        "stories": [{"story": "copy", "steps": [
            {"user": f"¡{example.upper()}!", "intent": "greet"},
            {"user": "/affirm", "intent": "affirm"},
            {"user": "zq una frase que nadie escribió jamás en los datos", "intent": "greet"},
        ]}],
    }
    path = tmp_path / "copy.yml"
    path.write_text(yaml.safe_dump(story, allow_unicode=True), encoding="utf-8")
    assert copied_lines([path]) == [f"copy.yml / copy: '¡{example.upper()}!'"]
