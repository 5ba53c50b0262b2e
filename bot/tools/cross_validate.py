"""A quick cross-validation of the training data, per language (seconds, not the hours of
``rasa test nlu --cross-validation``): character n-gram TF-IDF and logistic regression (the same
kind of features DIET gets), k folds, and the intents each language's examples confuse most.

It finds data problems (examples that look like another intent's, thin or overlapping intents),
not the model's accuracy: `make eval` measures that on the held-out set.
Run: python -m bot.tools.cross_validate [folds]
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict

import yaml

from bot.i18n import languages
from bot.settings import PROJECT_ROOT
from bot.tools.near_duplicates import normalise

LANGUAGES = languages.codes()


def training_examples() -> dict[str, tuple[list[str], list[str]]]:
    """{language: (texts, intents)} from nlu/<language>/*.yml."""
    found: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for language in LANGUAGES:
        for path in sorted((PROJECT_ROOT / "nlu" / language).glob("*.yml")):
            for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
                if "intent" not in block:
                    continue
                for line in block["examples"].splitlines():
                    if line.strip().startswith("- "):
                        found[language][0].append(normalise(line.strip()[2:]))
                        found[language][1].append(block["intent"])
    return found


def cross_validate(texts: list[str], intents: list[str], folds: int = 3) -> tuple[float, Counter[tuple[str, str]]]:
    """Accuracy and (intent, predicted) confusions over k folds."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    features = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True).fit_transform(texts)
    split = StratifiedKFold(folds, shuffle=True, random_state=7)
    predicted = cross_val_predict(LogisticRegression(C=10, max_iter=300), features, intents, cv=split)
    right = sum(a == b for a, b in zip(intents, predicted, strict=True))
    return right / len(intents), Counter((a, str(b)) for a, b in zip(intents, predicted, strict=True) if a != b)


def main() -> int:
    """Print accuracy and top confusions per language."""
    folds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    for language, (texts, intents) in training_examples().items():
        score, confused = cross_validate(texts, intents, folds)
        top = ", ".join(f"{a} -> {b} ({n})" for (a, b), n in confused.most_common(6))
        print(f"{language}: {len(texts)} examples, {folds}-fold accuracy {score:.3f}; {top}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
