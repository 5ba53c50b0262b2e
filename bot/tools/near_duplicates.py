"""Find held-out messages that are (nearly) training examples, so the evaluation stays honest.

Two texts are near duplicates when, after normalising (lower case, no accents, no punctuation,
single spaces), they are equal, or differ by a tiny edit distance for their length: one edit from 8
characters, two from 20. Shorter texts must differ exactly (a typo of "hi" is another message).
Run: python -m bot.tools.near_duplicates (exit 1 and a list when any held-out message leaks).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

_NOT_WORD = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    """Lower case, accents and punctuation removed, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", plain).strip()


def allowed_distance(length: int) -> int:
    """The largest edit distance still counted as a near duplicate for a text of this length."""
    return 2 if length >= 20 else 1 if length >= 8 else 0


def within(a: str, b: str, limit: int) -> bool:
    """Whether the Levenshtein distance of a and b is at most limit (banded, early exit)."""
    if abs(len(a) - len(b)) > limit:
        return False
    if limit == 0:
        return a == b
    # Pigeonhole: with at most `limit` edits, one of limit + 1 pieces of a survives intact in b,
    # shifted by at most `limit` characters.
    size = max(1, len(a) // (limit + 1))
    if not any(b.find(a[i : i + size], max(0, i - limit), i + size + limit) >= 0 for i in range(0, len(a), size)):
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


def examples(paths: list[Path]) -> list[str]:
    """Every intent example text in these Rasa NLU YAML files (lookup tables are word lists)."""
    found = []
    for path in paths:
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" not in block:
                continue
            text = block.get("examples") or ""
            found += [line.strip()[2:].strip() for line in text.splitlines() if line.strip().startswith("- ")]
    return found


def leaks(held_out: list[str], training: list[str]) -> list[tuple[str, str]]:
    """Held-out texts with the training text they nearly duplicate."""
    by_length: dict[int, list[str]] = defaultdict(list)
    exact: dict[str, str] = {}
    for text in training:
        norm = normalise(text)
        by_length[len(norm)].append(norm)
        exact.setdefault(norm, text)
    found = []
    for text in held_out:
        norm = normalise(text)
        if norm in exact:
            found.append((text, exact[norm]))
            continue
        limit = allowed_distance(len(norm))
        candidates = (t for n in range(len(norm) - limit, len(norm) + limit + 1) for t in by_length.get(n, []))
        match = next((t for t in candidates if within(norm, t, limit)), None)
        if match is not None:
            found.append((text, match))
    return found


def main() -> int:
    """Print held-out messages that leak from the training data."""
    found = leaks(
        examples(sorted((PROJECT_ROOT / "tests" / "nlu").glob("*.yml"))),
        examples(sorted((PROJECT_ROOT / "nlu").glob("*/*.yml"))),
    )
    for held, trained in found:
        print(f"{held!r} ~ {trained!r}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
