"""Pure scoring of understanding on labelled examples, shared by `make eval` and the test suite's gate.

Nothing here loads a model: a parse function (the trained agent's `parse_message`, or any stand-in)
is scored on (text, intent, language) examples. `gate_failures` compares the scores with
thresholds and says, in words, what fell below them: `make test` fails on any of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.nlu.text import words

FALLBACK = "nlu_fallback"
EMERGENCY = "report_emergency"

Example = tuple[str, str, str]  # (text, intent, language)
ParseFunction = Callable[[str], Awaitable[dict[str, Any]]]


@dataclass
class Parsed:
    """One held-out example with what the model made of it."""

    text: str
    language: str
    intent: str
    predicted_intent: str
    classifier_intent: str
    predicted_language: str
    ranking: list[tuple[str, float]] = field(default_factory=list)  # the intent ranking, for error reports
    other_needs: list[str] = field(default_factory=list)  # topics found besides the intent (one-need messages: none)

    @property
    def short(self) -> bool:
        """Whether the message has one to three words."""
        return 1 <= len(words(self.text)) <= 3


def parsed_from(example: Example, result: dict[str, Any]) -> Parsed:
    """A parse result (as Rasa's `parse_message` returns it) for one labelled example."""
    text, intent, language = example
    ranking = [r["name"] for r in result.get("intent_ranking", []) if r["name"] != FALLBACK]
    return Parsed(
        text=text,
        language=language,
        intent=intent,
        predicted_intent=str((result.get("intent") or {}).get("name") or FALLBACK),
        classifier_intent=ranking[0] if ranking else FALLBACK,
        predicted_language=str(result.get("language", "")),
        ranking=[(r["name"], round(float(r.get("confidence", 0.0)), 4)) for r in result.get("intent_ranking", [])],
        other_needs=[str(t) for t in result.get("other_needs") or []],
    )


async def parse_with(parse: ParseFunction, examples: Iterable[Example]) -> list[Parsed]:
    """Parse every example with `parse` (one at a time, in order)."""
    return [parsed_from(example, await parse(example[0])) for example in examples]


def intent_report(rows: list[Parsed], field: str = "predicted_intent") -> dict[str, dict[str, float]]:
    """Per-intent precision, recall, F1 and support, plus the macro average."""
    labels = sorted({r.intent for r in rows})
    report: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = sum(1 for r in rows if r.intent == label and getattr(r, field) == label)
        predicted = sum(1 for r in rows if getattr(r, field) == label)
        support = sum(1 for r in rows if r.intent == label)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report[label] = {"precision": precision, "recall": recall, "f1": f1, "support": support}
    report["macro"] = {
        key: sum(report[label][key] for label in labels) / len(labels)
        for key in ("precision", "recall", "f1")
    } | {"support": len(rows)}
    return report


def language_accuracy(rows: list[Parsed]) -> float:
    """Share of rows whose detected language is right."""
    return sum(r.predicted_language == r.language for r in rows) / len(rows) if rows else 0.0


@dataclass(frozen=True)
class GateScores:
    """What the understanding gate looks at."""

    macro_f1: dict[str, float]  # per language
    emergency_recall: float  # all languages together
    emergency_precision: float
    emergency_recall_by_language: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Thresholds:
    """The lowest scores the suite accepts."""

    macro_f1: dict[str, float]  # per language; a language missing from the scores fails
    emergency_recall: float
    emergency_precision: float
    emergency_recall_by_language: float = 0.0


def gate_scores(rows: list[Parsed]) -> GateScores:
    """Macro-F1 per language and report_emergency recall and precision (all languages, and per language)."""
    languages = sorted({r.language for r in rows})
    overall = intent_report(rows).get(EMERGENCY, {"recall": 0.0, "precision": 0.0})
    by_language = {lang: [r for r in rows if r.language == lang] for lang in languages}
    return GateScores(
        macro_f1={lang: intent_report(part)["macro"]["f1"] for lang, part in by_language.items()},
        emergency_recall=overall["recall"],
        emergency_precision=overall["precision"],
        emergency_recall_by_language={
            lang: intent_report(part).get(EMERGENCY, {"recall": 0.0})["recall"] for lang, part in by_language.items()
        },
    )


def gate_failures(scores: GateScores, thresholds: Thresholds) -> list[str]:
    """Each score below its threshold, in words (empty: the gate passes)."""
    failures = []
    for language, minimum in sorted(thresholds.macro_f1.items()):
        value = scores.macro_f1.get(language)
        if value is None or value < minimum:
            failures.append(f"intent macro-F1 ({language}) {value if value is not None else 'missing'} < {minimum:.3f}")
    if scores.emergency_recall < thresholds.emergency_recall:
        failures.append(f"report_emergency recall {scores.emergency_recall:.3f} < {thresholds.emergency_recall:.3f}")
    if scores.emergency_precision < thresholds.emergency_precision:
        failures.append(
            f"report_emergency precision {scores.emergency_precision:.3f} < {thresholds.emergency_precision:.3f}"
        )
    for language, value in sorted(scores.emergency_recall_by_language.items()):
        if value < thresholds.emergency_recall_by_language:
            failures.append(
                f"report_emergency recall ({language}) {value:.3f} < {thresholds.emergency_recall_by_language:.3f}"
            )
    return failures
