"""The danger lexicon: words of immediate danger in the five languages, read from YAML data.

The lexicon is the Rasa lookup table ``danger`` in nlu/lookups/danger.yml (the RegexFeaturizer
also learns from it). Matching ignores case, accents and punctuation and respects word
boundaries, so "me estan siguiendo" matches "siguiendo" but "persiguiendo el sueño" does not match
"siguiendo".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

from bot.settings import PROJECT_ROOT

DEFAULT_LEXICON = PROJECT_ROOT / "nlu" / "lookups" / "danger.yml"
LOOKUP_NAME = "danger"
# Cries for rescue ("socorro", "me acudam", "anmwe"): an emergency unless the message asks a question.
RESCUE_LOOKUP = "rescue"
# Fear and being kept from leaving: a weaker sign alone, an emergency beside another sign.
WEAK_LOOKUP = "danger_weak"


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return re.sub(r"[^\w]+", " ", "".join(c for c in decomposed if not unicodedata.combining(c))).strip()


class DangerLexicon:
    """Finds danger words and phrases in a message."""

    def __init__(self, phrases: list[str]) -> None:
        terms = sorted({_plain(p) for p in phrases if _plain(p)}, key=len, reverse=True)
        self._pattern = re.compile(r"\b(?:" + "|".join(re.escape(t) for t in terms) + r")\b") if terms else None

    @classmethod
    def from_yaml(cls, path: Path = DEFAULT_LEXICON, name: str = LOOKUP_NAME) -> DangerLexicon:
        """Read one lookup table (``danger`` by default) from a Rasa NLU YAML file."""
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        phrases: list[str] = []
        for block in data.get("nlu", []):
            if block.get("lookup") == name:
                phrases += [line.strip()[2:] for line in block["examples"].splitlines() if line.strip().startswith("- ")]
        return cls(phrases)

    def matches(self, text: str) -> list[str]:
        """The danger terms found in the text (normalised)."""
        return self._pattern.findall(_plain(text)) if self._pattern else []


@lru_cache(maxsize=8)
def load_lexicon(path: str, name: str = LOOKUP_NAME) -> DangerLexicon:
    """One lookup table of the lexicon at this path, read once."""
    return DangerLexicon.from_yaml(Path(path), name)
