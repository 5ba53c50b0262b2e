"""`make eval` (last step): how easy the answers are to read, per language.

Prints, for the bodies of every answer in content/answers/, the average number of words per
sentence and the share of long words (more than six letters, as in the LIX index), with the
ceilings set in content/glossary.yml (`readability_ceiling`). tests/bot/test_wording.py fails when
a language goes over its ceiling. Exit status 1 when a ceiling is exceeded.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass

import yaml

from bot.infodb.content import LANGUAGES
from bot.tools.shipped_text import CONTENT_DIR, answer_texts

GLOSSARY = CONTENT_DIR / "glossary.yml"
LONG_WORD = 7
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")


@dataclass(frozen=True)
class Readability:
    """Reading figures for one language."""

    language: str
    sentences: int
    words: int
    long_words: int

    @property
    def words_per_sentence(self) -> float:
        """Average words per sentence."""
        return self.words / self.sentences if self.sentences else 0.0

    @property
    def long_word_share(self) -> float:
        """Share of words with more than six letters (0 to 1)."""
        return self.long_words / self.words if self.words else 0.0


def measure(language: str, texts: Iterable[str]) -> Readability:
    """Count sentences, words and long words in some texts of one language."""
    sentences = words = long_words = 0
    for text in texts:
        for sentence in _SENTENCE_END.split(text):
            tokens = _WORD.findall(sentence)
            if not tokens:
                continue
            sentences += 1
            words += len(tokens)
            long_words += sum(1 for token in tokens if len(token) >= LONG_WORD)
    return Readability(language, sentences, words, long_words)


def answer_readability() -> dict[str, Readability]:
    """Figures per language over every answer body (titles are headings, left out)."""
    bodies: dict[str, list[str]] = {language: [] for language in LANGUAGES}
    for item in answer_texts():
        bodies[item.language].append(item.text.split("\n", 1)[1])
    return {language: measure(language, texts) for language, texts in bodies.items()}


def ceilings() -> dict[str, dict[str, float]]:
    """The ceilings per language from content/glossary.yml."""
    data = yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))
    return {lang: {k: float(v) for k, v in limits.items()} for lang, limits in data["readability_ceiling"].items()}


def over_ceiling(figures: dict[str, Readability], limits: dict[str, dict[str, float]]) -> list[str]:
    """The figures above their ceiling, as readable lines (empty when all are within)."""
    problems = []
    for language, figure in figures.items():
        limit = limits[language]
        if figure.words_per_sentence > limit["words_per_sentence"]:
            problems.append(f"{language}: {figure.words_per_sentence:.1f} words per sentence "
                            f"> {limit['words_per_sentence']}")
        if figure.long_word_share > limit["long_word_share"]:
            problems.append(f"{language}: {figure.long_word_share:.1%} long words > {limit['long_word_share']:.1%}")
    return problems


def main() -> int:
    """Print the table and say whether every language is within its ceiling."""
    figures, limits = answer_readability(), ceilings()
    print("Readability of answer bodies (long word: 7+ letters)")
    print(f"{'lang':<5}{'sentences':>10}{'words':>8}{'words/sentence':>16}{'ceiling':>9}{'long words':>12}{'ceiling':>9}")
    for language, figure in figures.items():
        limit = limits[language]
        print(f"{language:<5}{figure.sentences:>10}{figure.words:>8}{figure.words_per_sentence:>16.1f}"
              f"{limit['words_per_sentence']:>9.1f}{figure.long_word_share:>12.1%}{limit['long_word_share']:>9.1%}")
    problems = over_ceiling(figures, limits)
    for problem in problems:
        print(f"over the ceiling: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
