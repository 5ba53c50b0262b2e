"""The data files keep the public contract: every intent, in every language, answered in every language."""

from __future__ import annotations

import os
import re
import string
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from bot.settings import PROJECT_ROOT
from tests.services import unavailable

LANGUAGES = ("es", "en", "fr", "ht", "pt")
SPEC = PROJECT_ROOT / "docs" / "spec" / "intents.md"
# The shared spec: VENTANILLA_SHARED_DIR, else a shared/ beside this checkout or one of its parents,
# else the workplace's /work/shared (a fresh clone in a temporary directory still finds it).
SHARED_CANDIDATES = [
    *([Path(os.environ["VENTANILLA_SHARED_DIR"])] if os.environ.get("VENTANILLA_SHARED_DIR") else []),
    *(parent / "shared" for parent in PROJECT_ROOT.parents),
    Path("/work/shared"),
]
MIN_EXAMPLES = 30


def contract_intents() -> list[str]:
    return re.findall(r"^\| `([a-z_]+)` \|", SPEC.read_text(encoding="utf-8"), flags=re.M)


def load_examples(paths: list[Path]) -> dict[str, dict[str, list[str]]]:
    """Return {language: {intent: [examples]}} for NLU YAML files."""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in paths:
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" not in block:
                continue
            language = (block.get("metadata") or {}).get("language")
            lines = [
                line.strip()[2:].strip() for line in block["examples"].splitlines() if line.strip().startswith("- ")
            ]
            found[language][block["intent"]].extend(lines)
    return found


TRAINING = load_examples(sorted((PROJECT_ROOT / "nlu").glob("*/*.yml")))
HELD_OUT = load_examples(sorted((PROJECT_ROOT / "tests" / "nlu").glob("*.yml")))
DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def test_contract_copy_matches_shared_spec() -> None:
    shared = next((d / "spec" / "intents.md" for d in SHARED_CANDIDATES if (d / "spec" / "intents.md").exists()), None)
    if shared is None:
        unavailable("the shared spec is not found: set VENTANILLA_SHARED_DIR to the shared/ directory")
    assert shared is not None
    assert SPEC.read_text(encoding="utf-8") == shared.read_text(encoding="utf-8")


def test_domain_declares_every_contract_intent() -> None:
    intents = contract_intents()
    assert len(intents) == 31
    assert set(intents) <= set(DOMAIN["intents"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_intent_has_enough_examples(language: str) -> None:
    counts = {intent: len(TRAINING[language][intent]) for intent in contract_intents()}
    thin = {intent: n for intent, n in counts.items() if n < MIN_EXAMPLES}
    assert not thin, f"{language}: fewer than {MIN_EXAMPLES} examples: {thin}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_held_out_set_covers_every_intent_and_is_never_trained_on(language: str) -> None:
    assert set(contract_intents()) <= set(HELD_OUT[language])
    def norm(text: str) -> str:
        return text.lower().strip().strip(string.punctuation + "¿¡ ")
    trained = {norm(t) for lang in TRAINING.values() for examples in lang.values() for t in examples}
    leaked = [t for examples in HELD_OUT[language].values() for t in examples if norm(t) in trained]
    assert not leaked, f"held-out examples also in training data: {leaked[:10]}"


def test_no_training_example_has_two_intents() -> None:
    owner: dict[str, str] = {}
    clashes = []
    for lang in TRAINING.values():
        for intent, examples in lang.items():
            for text in examples:
                if owner.setdefault(text.lower(), intent) != intent:
                    clashes.append((text, owner[text.lower()], intent))
    assert not clashes


def _variations(key: str) -> dict[str | None, dict]:
    out: dict[str | None, dict] = {}
    for variation in DOMAIN["responses"][key]:
        conditions = variation.get("condition") or []
        languages = [c["value"] for c in conditions if c.get("name") == "language"]
        out[languages[0] if languages else None] = variation
    return out


@pytest.mark.parametrize("key", sorted(DOMAIN["responses"]))
def test_response_exists_in_every_language_and_unconditioned(key: str) -> None:
    variations = _variations(key)
    assert set(variations) == {None, *LANGUAGES}, f"{key}: languages {sorted(map(str, variations))}"


@pytest.mark.parametrize("key", sorted(DOMAIN["responses"]))
def test_placeholders_and_buttons_agree_across_languages(key: str) -> None:
    variations = _variations(key)
    placeholders = {lang: sorted(re.findall(r"\{(\w+)\}", v.get("text", ""))) for lang, v in variations.items()}
    payloads = {lang: [b["payload"] for b in v.get("buttons", [])] for lang, v in variations.items()}
    assert len({tuple(p) for p in placeholders.values()}) == 1, placeholders
    assert len({tuple(p) for p in payloads.values()}) == 1, payloads


def test_privacy_notice_states_the_configured_retention() -> None:
    from bot.settings import load_settings

    days = str(load_settings().retention_days)
    for language, variation in _variations("utter_privacy_notice").items():
        assert days in variation["text"], f"privacy notice ({language}) does not say {days} days"
