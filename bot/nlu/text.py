"""Text helpers shared by the NLU components."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import TypeVar

V = TypeVar("V")
WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)


def fold_char(char: str) -> str:
    """Return the lower-case base letter of one character (one character in, one out)."""
    base = unicodedata.normalize("NFD", char)[:1] or char
    if unicodedata.combining(base):
        return char.lower()
    folded = base.lower()
    return folded if len(folded) == 1 else char.lower()


def fold(text: str) -> str:
    """Lower-case and strip accents, keeping every character offset unchanged."""
    return "".join(fold_char(c) for c in text)


def words(text: str) -> list[str]:
    """Return the lower-cased words of a text (letters only, apostrophes kept inside)."""
    return [w.lower() for w in WORD_RE.findall(text)]


def letter_scripts(text: str) -> dict[str, int]:
    """Count the letters of a text by Unicode script family (LATIN, CYRILLIC, CJK, ...)."""
    counts: dict[str, int] = {}
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        script = name.split(" ")[0] if name else "UNKNOWN"
        if script.startswith("CJK") or script in {"HIRAGANA", "KATAKANA", "HANGUL"}:
            script = "CJK"
        counts[script] = counts.get(script, 0) + 1
    return counts


def phrase_hits(tokens: list[str], table: Mapping[tuple[str, ...], V]) -> list[tuple[int, int, V]]:
    """Whole-word matches of a phrase table in folded tokens, left to right, longest phrase first at
    each position, never overlapping: (first token, token after the last, the phrase's value)."""
    longest = max((len(k) for k in table), default=0)
    hits: list[tuple[int, int, V]] = []
    i = 0
    while i < len(tokens):
        for size in range(min(longest, len(tokens) - i), 0, -1):
            key = tuple(tokens[i:i + size])
            if key in table:
                hits.append((i, i + size, table[key]))
                i += size
                break
        else:
            i += 1
    return hits
