"""Text helpers shared by the NLU components."""

from __future__ import annotations

import re
import unicodedata

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
