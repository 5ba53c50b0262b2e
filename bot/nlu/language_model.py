"""A multinomial naive Bayes language identifier over character n-grams, learnt from our NLU data.

General-purpose identifiers fail on two-word chat messages; one trained on how our users write
does not. Kept free of Rasa so that it can be tested and benchmarked on its own.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.nlu.text import words

MIN_N = 1
MAX_N = 4


def features(text: str) -> Counter[str]:
    """Return the character n-grams (accents kept) and the words of a text."""
    counts: Counter[str] = Counter()
    for word in words(text):
        padded = f" {word} "
        for n in range(MIN_N, MAX_N + 1):
            for i in range(len(padded) - n + 1):
                gram = padded[i : i + n]
                if gram.strip():
                    counts[gram] += 1
        counts["w:" + word] += 2
    return counts


@dataclass
class Prediction:
    """The best language with its posterior probability and the full distribution."""

    language: str
    confidence: float
    scores: dict[str, float]
    known_word_ratio: float


@dataclass
class LanguageModel:
    """Per-language feature counts with add-alpha smoothing."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    priors: dict[str, float] = field(default_factory=dict)
    word_languages: dict[str, list[str]] = field(default_factory=dict)
    alpha: float = 0.1

    @classmethod
    def fit(cls, examples: Iterable[tuple[str, str]], alpha: float = 0.1) -> LanguageModel:
        """Learn from (text, language) pairs.

        A text that appears in several languages ("ok", "Guatemala") says nothing about language:
        it only marks its words as shared, and is not counted as evidence for any language.
        """
        pairs = list(examples)
        text_langs: dict[str, set[str]] = {}
        for text, language in pairs:
            text_langs.setdefault(" ".join(words(text)), set()).add(language)
        counts: dict[str, Counter[str]] = {}
        docs: Counter[str] = Counter()
        word_langs: dict[str, set[str]] = {}
        for text, language in pairs:
            for word in words(text):
                word_langs.setdefault(word, set()).add(language)
            if len(text_langs[" ".join(words(text))]) > 1:
                continue
            docs[language] += 1
            counts.setdefault(language, Counter()).update(features(text))
        n_docs = sum(docs.values()) or 1
        return cls(
            counts={lang: dict(c) for lang, c in counts.items()},
            totals={lang: sum(c.values()) for lang, c in counts.items()},
            priors={lang: docs[lang] / n_docs for lang in docs},
            word_languages={w: sorted(langs) for w, langs in word_langs.items()},
            alpha=alpha,
        )

    @property
    def languages(self) -> list[str]:
        """The languages the model knows."""
        return sorted(self.counts)

    def predict(self, text: str) -> Prediction | None:
        """Return the most likely language, or None when the text has no letters."""
        feats = features(text)
        if not feats or not self.counts:
            return None
        vocabulary = max(len(c) for c in self.counts.values())
        log_scores: dict[str, float] = {}
        for lang, lang_counts in self.counts.items():
            denominator = math.log(self.totals[lang] + self.alpha * vocabulary)
            score = math.log(self.priors[lang])
            for gram, times in feats.items():
                score += times * (math.log(lang_counts.get(gram, 0) + self.alpha) - denominator)
            log_scores[lang] = score
        best = max(log_scores.values())
        exp = {lang: math.exp(s - best) for lang, s in log_scores.items()}
        total = sum(exp.values())
        scores = {lang: v / total for lang, v in exp.items()}
        language = max(scores, key=scores.__getitem__)
        message_words = words(text)
        known = sum(1 for w in message_words if w in self.word_languages)
        return Prediction(language, scores[language], scores, known / len(message_words))

    def is_shared(self, text: str) -> bool:
        """Whether every word of the text is used in more than one language (e.g. "ok", "Guatemala")."""
        message_words = words(text)
        return bool(message_words) and all(
            len(self.word_languages.get(w, [])) > 1 for w in message_words
        )

    def to_dict(self) -> dict[str, object]:
        """Serialise to plain JSON-compatible data."""
        return {
            "counts": self.counts,
            "totals": self.totals,
            "priors": self.priors,
            "word_languages": self.word_languages,
            "alpha": self.alpha,
        }

    @classmethod
    def from_dict(cls, data: dict) -> LanguageModel:  # type: ignore[type-arg]
        """Rebuild a model serialised with to_dict."""
        return cls(
            counts=data["counts"],
            totals=data["totals"],
            priors=data["priors"],
            word_languages=data["word_languages"],
            alpha=data["alpha"],
        )
