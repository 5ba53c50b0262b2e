"""Load the gazetteers (countries, languages, programmes and institutions) into a spaCy matcher.

A country mention also gets a role from the words just before it (``gazetteer/cues.yml``):
``location`` (where the person is), ``origin`` (where they come from; every demonym is one) or
``destination`` (where they want to go). A mention with no cue has no role.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import spacy
import yaml
from spacy.language import Language

from bot.nlu.text import fold, phrase_hits, words

GAZETTEER_DIR = Path(__file__).resolve().parent / "gazetteer"
COUNTRY = "country"
TARGET_LANGUAGE = "target_language"
PROGRAMME = "programme"
LOCATION, ORIGIN, DESTINATION = "location", "origin", "destination"
ROLES = (LOCATION, ORIGIN, DESTINATION)
# Two-letter forms are mostly ordinary words ("us", "es", "dr"); only these are kept.
SHORT_FORMS_KEPT = {"rd"}
# The list of countries.yml whose forms name people, not places.
DEMONYMS = "demonyms"
# How many words before a mention are read for a cue.
CUE_WINDOW = 6


@dataclass(frozen=True)
class Match:
    """One gazetteer hit in a text: entity label, normalised value, character span and role."""

    label: str
    value: str
    start: int
    end: int
    text: str
    role: str | None = None


@dataclass(frozen=True)
class Programme:
    """A programme, visa or institution: the country it belongs to and the topic it implies."""

    key: str
    country: str
    also: tuple[str, ...]
    topic: str | None


def _fold_forms(raw: list[object]) -> list[str]:
    folded = {fold(str(form)).strip() for form in raw}
    return sorted(f for f in folded if len(f) > 2 or f in SHORT_FORMS_KEPT)


def _load(filename: str, directory: Path) -> dict[str, Any]:
    return yaml.safe_load((directory / filename).read_text(encoding="utf-8")) or {}


def load_patterns(directory: Path = GAZETTEER_DIR) -> list[dict[str, str]]:
    """Return entity-ruler patterns: countries (id ``CODE:list``), language names, programmes."""
    patterns: list[dict[str, str]] = []
    for code, entry in _load("countries.yml", directory).items():
        lists = entry if isinstance(entry, dict) else {"names": entry}
        for kind, forms in lists.items():
            patterns.extend(
                {"label": COUNTRY, "pattern": form, "id": f"{code}:{kind}"} for form in _fold_forms(forms or [])
            )
    for code, forms in _load("languages.yml", directory).items():
        patterns.extend({"label": TARGET_LANGUAGE, "pattern": f, "id": str(code)} for f in _fold_forms(forms or []))
    for key, entry in _load("programmes.yml", directory).items():
        forms = entry.get("forms") or [] if isinstance(entry, dict) else []
        patterns.extend({"label": PROGRAMME, "pattern": f, "id": str(key)} for f in _fold_forms(forms))
    return patterns


@lru_cache(maxsize=1)
def programmes(directory: Path = GAZETTEER_DIR) -> dict[str, Programme]:
    """Every programme and institution by its key."""
    return {
        str(key): Programme(str(key), str(entry["country"]), tuple(entry.get("also") or ()), entry.get("topic"))
        for key, entry in _load("programmes.yml", directory).items()
    }


@lru_cache(maxsize=1)
def need_words(directory: Path = GAZETTEER_DIR) -> dict[tuple[str, ...], str]:
    """Words that name a need on their own (``needs.yml``), as folded word tuples, with their intent."""
    return {
        tuple(words(fold(str(form)))): str(intent)
        for intent, forms in _load("needs.yml", directory).items()
        for form in forms or []
    }


@lru_cache(maxsize=1)
def topic_words(directory: Path = GAZETTEER_DIR) -> dict[tuple[str, ...], str]:
    """Words that name an intent (``topics.yml``, then the need words), as folded word tuples."""
    table = {
        tuple(words(fold(str(form)))): str(intent)
        for intent, forms in _load("topics.yml", directory).items()
        for form in forms or []
    }
    return {**table, **need_words(directory)}


def topics_named(text: str) -> list[str]:
    """The intents the topic and need words of a text name, in order."""
    return [topic for _, _, topic in phrase_hits(words(fold(text)), topic_words())]


def need_named(text: str) -> str | None:
    """The intent of the first need word in a text, if any."""
    hits = phrase_hits(words(fold(text)), need_words())
    return hits[0][2] if hits else None


@lru_cache(maxsize=1)
def cues(directory: Path = GAZETTEER_DIR) -> dict[str, list[tuple[str, ...]]]:
    """Role cues as word tuples (longest first), the articles that may follow a cue, and the filler
    words that carry no need."""
    data = _load("cues.yml", directory)
    return {
        name: sorted({tuple(words(fold(str(c)))) for c in data.get(name) or []}, key=len, reverse=True)
        for name in (*ROLES, "articles", "filler")
    }


def role_before(text: str, start: int) -> str | None:
    """The role a cue just before ``start`` gives a country mention, if any."""
    before = words(fold(text[:start]))[-CUE_WINDOW:]
    table = cues()
    articles = {a[0] for a in table["articles"] if a}
    candidates = [before]
    if before and before[-1] in articles:
        candidates.append(before[:-1])
    for tail in candidates:
        for role in ROLES:
            for cue in table[role]:
                if cue and tuple(tail[-len(cue):]) == cue:
                    return role
    return None


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


def _match(label: str, pattern_id: str, start: int, end: int, text: str) -> Match:
    if label != COUNTRY:
        return Match(label, pattern_id, start, end, text[start:end])
    code, _, kind = pattern_id.partition(":")
    role = ORIGIN if kind == DEMONYMS else role_before(text, start)
    return Match(label, code, start, end, text[start:end], role)


def find(nlp: Language, text: str) -> list[Match]:
    """Find gazetteer entities in a text, ignoring case and accents."""
    doc = nlp(fold(text))
    return [_match(ent.label_, ent.ent_id_, ent.start_char, ent.end_char, text) for ent in doc.ents]
