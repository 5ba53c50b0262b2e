"""Benchmark: language detection on the held-out set, ours against py3langid (same run, same data).

Prints accuracy overall and on messages of one to three words, the time per message, and the
ratio of our accuracy to the baseline's. Target: ours above the baseline, overall and on
short messages (exit status 1 otherwise). py3langid is restricted to the five languages so the
comparison is fair to it. Run: `make bench` (or `python bench/language_detection.py`).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml

from bot.nlu.language_model import LanguageModel
from bot.nlu.text import words
from bot.settings import PROJECT_ROOT

LANGUAGES = ["es", "en", "fr", "ht", "pt"]


def load(paths: list[Path]) -> list[tuple[str, str]]:
    """Return (text, language) pairs from NLU YAML files with language metadata."""
    pairs = []
    for path in paths:
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            language = (block.get("metadata") or {}).get("language")
            if "intent" in block and language in LANGUAGES:
                pairs += [
                    (line.strip()[2:].strip(), language)
                    for line in block["examples"].splitlines()
                    if line.strip().startswith("- ")
                ]
    return pairs


def score(predict, test: list[tuple[str, str]]) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    """Return (accuracy, accuracy on 1-3 words, milliseconds per message)."""
    started = time.perf_counter()
    predictions = [predict(text) for text, _ in test]
    elapsed = (time.perf_counter() - started) * 1000 / len(test)
    right = [p == lang for p, (_, lang) in zip(predictions, test, strict=True)]
    short = [r for r, (text, _) in zip(right, test, strict=True) if 1 <= len(words(text)) <= 3]
    return sum(right) / len(right), sum(short) / len(short), elapsed


def main() -> int:
    """Train on nlu/, test on tests/nlu/, print the figures; 1 when ours does not beat the baseline."""
    train = load(sorted((PROJECT_ROOT / "nlu").glob("*/*.yml")))
    test = load(sorted((PROJECT_ROOT / "tests" / "nlu").glob("*.yml")))
    model = LanguageModel.fit(train, alpha=0.02)

    def ours(text: str) -> str:
        prediction = model.predict(text)
        return prediction.language if prediction else "es"

    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    baseline = LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)
    baseline.set_languages(LANGUAGES)

    def generic(text: str) -> str:
        return str(baseline.classify(text)[0])

    short_count = sum(1 for text, _ in test if 1 <= len(words(text)) <= 3)
    print(f"held-out messages: {len(test)} ({short_count} of one to three words); training messages: {len(train)}")
    print(f"{'detector':<28}{'accuracy':>10}{'1-3 words':>12}{'ms/msg':>10}")
    results = {}
    for name, predict in (("ventanilla (naive Bayes)", ours), ("py3langid, 5 languages", generic)):
        results[name] = score(predict, test)
        acc, short, ms = results[name]
        print(f"{name:<28}{acc:>10.3f}{short:>12.3f}{ms:>10.3f}")
    ours_r, base_r = results["ventanilla (naive Bayes)"], results["py3langid, 5 languages"]
    print(f"ratio ours/baseline: accuracy {ours_r[0] / base_r[0]:.2f}x, 1-3 words {ours_r[1] / base_r[1]:.2f}x")
    met = ours_r[0] > base_r[0] and ours_r[1] > base_r[1]
    print(f"target ours above the baseline (overall and 1-3 words): {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
