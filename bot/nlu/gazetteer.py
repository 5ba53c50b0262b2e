"""Load the country and language gazetteers and build a spaCy rule-based matcher from them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import spacy
import yaml
from spacy.language import Language

from bot.nlu.text import fold

GAZETTEER_DIR = Path(__file__).resolve().parent / "gazetteer"
COUNTRY = "country"
TARGET_LANGUAGE = "target_language"
# Two-letter forms are mostly ordinary words ("us", "es", "dr"); only these are kept.
SHORT_FORMS_KEPT = {"rd"}


@dataclass(frozen=True)
class Match:
    """One gazetteer hit in a text: entity label, normalised value and character span."""

    label: str
    value: str
    start: int
    end: int
    text: str


def _forms(entry: object) -> list[str]:
    """Flatten a gazetteer entry (a list, or a mapping of lists) into folded surface forms."""
    if isinstance(entry, dict):
        raw = [form for forms in entry.values() for form in (forms or [])]
    else:
        raw = list(entry or [])  # type: ignore[call-overload]
    folded = {fold(str(form)).strip() for form in raw}
    return sorted(f for f in folded if len(f) > 2 or f in SHORT_FORMS_KEPT)


def load_patterns(directory: Path = GAZETTEER_DIR) -> list[dict[str, str]]:
    """Return entity-ruler patterns for countries (ISO 3166 codes) and language names."""
    patterns: list[dict[str, str]] = []
    for label, filename in ((COUNTRY, "countries.yml"), (TARGET_LANGUAGE, "languages.yml")):
        data = yaml.safe_load((directory / filename).read_text(encoding="utf-8")) or {}
        for code, entry in data.items():
            patterns.extend(
                {"label": label, "pattern": form, "id": str(code)} for form in _forms(entry)
            )
    return patterns


def build_pipeline(patterns: list[dict[str, str]]) -> Language:
    """Build a blank multi-language spaCy pipeline whose only pipe is an entity ruler."""
    nlp = spacy.blank("xx")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(patterns)  # type: ignore[attr-defined]
    return nlp


@lru_cache(maxsize=1)
def default_pipeline() -> Language:
    """The pipeline built from the shipped gazetteers (built once, on first use)."""
    return build_pipeline(load_patterns())


def find(nlp: Language, text: str) -> list[Match]:
    """Find gazetteer entities in a text, ignoring case and accents."""
    doc = nlp(fold(text))
    return [
        Match(ent.label_, ent.ent_id_, ent.start_char, ent.end_char, text[ent.start_char : ent.end_char])
        for ent in doc.ents
    ]
