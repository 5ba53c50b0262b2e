"""`make eval`: measure understanding on the held-out set in tests/nlu/ (never used for training).

Trains (or reuses, by input hash) the full model on nlu/, parses every held-out message and
reports, per language: intent accuracy, macro-F1, report_emergency recall and precision,
language-identification accuracy overall and on messages of one to three words, and the most
frequent confusions; per intent: precision, recall and F1. Writes results/eval.json,
results/eval.md and results/eval-intents.md and prints a summary table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import subprocess
import sys
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from bot.nlu.language_detector import metadata_language
from bot.settings import PROJECT_ROOT
from bot.tools.scoring import EMERGENCY, Parsed, intent_report, language_accuracy, parse_with

HELD_OUT = PROJECT_ROOT / "tests" / "nlu"
RESULTS = PROJECT_ROOT / "results"


def load_held_out(directory: Path = HELD_OUT) -> list[tuple[str, str, str]]:
    """Return (text, intent, language) for every held-out example."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for path in sorted(directory.glob("*.yml")):
        for message in load_data(str(path)).intent_examples:
            language = metadata_language(message) or path.stem
            examples.append((str(message.get("text")), str(message.get("intent")), language))
    return examples


async def parse_all(model_path: str, examples: list[tuple[str, str, str]]) -> list[Parsed]:
    """Parse every example with the trained model."""
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    return await parse_with(agent.parse_message, examples)


def accuracy(rows: list[Parsed], field: str = "predicted_intent") -> float:
    """Share of rows whose intent is right."""
    return sum(r.intent == getattr(r, field) for r in rows) / len(rows) if rows else 0.0


def confusions(rows: list[Parsed], top: int = 25) -> list[dict[str, object]]:
    """The most frequent (intent, predicted) mistakes."""
    counted = Counter((r.intent, r.predicted_intent) for r in rows if r.intent != r.predicted_intent)
    return [{"intent": a, "predicted": b, "count": n} for (a, b), n in counted.most_common(top)]


def extra_needs(rows: list[Parsed]) -> float:
    """Share of one-need messages given another need (an answer nobody asked for)."""
    return sum(bool(r.other_needs) for r in rows) / len(rows) if rows else 0.0


def summarise(parsed: list[Parsed]) -> dict[str, object]:
    """Build the whole report."""
    languages = sorted({r.language for r in parsed})
    per_language = {}
    for language in languages:
        rows = [r for r in parsed if r.language == language]
        report = intent_report(rows)
        emergency = report.get(EMERGENCY, {})
        per_language[language] = {
            "intents": report,
            "accuracy": accuracy(rows),
            "classifier_accuracy": accuracy(rows, "classifier_intent"),
            "classifier_macro_f1": intent_report(rows, "classifier_intent")["macro"]["f1"],
            "macro_f1": report["macro"]["f1"],
            "report_emergency_recall": emergency.get("recall", 0.0),
            "report_emergency_precision": emergency.get("precision", 0.0),
            "language_accuracy": language_accuracy(rows),
            "language_accuracy_short": language_accuracy([r for r in rows if r.short]),
            "short_examples": sum(r.short for r in rows),
            "examples": len(rows),
            # Held-out messages ask one thing each: any other need found is an answer nobody asked for.
            "extra_needs": extra_needs(rows),
            "confusions": confusions(rows, 10),
        }
    overall = intent_report(parsed).get(EMERGENCY, {})
    return {
        "examples": len(parsed),
        "per_language": per_language,
        "accuracy": accuracy(parsed),
        "report_emergency_recall": overall.get("recall", 0.0),
        "report_emergency_precision": overall.get("precision", 0.0),
        "language_accuracy": language_accuracy(parsed),
        "language_accuracy_short": language_accuracy([r for r in parsed if r.short]),
        "short_examples": sum(r.short for r in parsed),
        "extra_needs": extra_needs(parsed),
        "confusions": confusions(parsed),
        "errors": [
            asdict(r) for r in parsed if r.intent != r.predicted_intent or r.language != r.predicted_language
        ],
    }


def table(summary: dict) -> str:  # type: ignore[type-arg]
    """Render the summary as Markdown: one row per language, then the confusions."""
    lines = [
        "| language | examples | accuracy | macro-F1 | (classifier only: acc. / F1) | emergency recall "
        "| emergency precision | language ID | language ID (1-3 words) | extra needs |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for language, s in summary["per_language"].items():
        lines.append(
            f"| {language} | {s['examples']} | {s['accuracy']:.3f} | {s['macro_f1']:.3f} | "
            f"{s['classifier_accuracy']:.3f} / {s['classifier_macro_f1']:.3f} | "
            f"{s['report_emergency_recall']:.3f} | {s['report_emergency_precision']:.3f} | "
            f"{s['language_accuracy']:.3f} | {s['language_accuracy_short']:.3f} ({s['short_examples']}) | "
            f"{s['extra_needs']:.3f} |"
        )
    lines.append(
        f"| all | {summary['examples']} | {summary['accuracy']:.3f} | | | {summary['report_emergency_recall']:.3f} | "
        f"{summary['report_emergency_precision']:.3f} | {summary['language_accuracy']:.3f} | "
        f"{summary['language_accuracy_short']:.3f} ({summary['short_examples']}) | {summary['extra_needs']:.3f} |"
    )
    lines += ["", "Most frequent confusions (intent -> predicted):", ""]
    lines += [f"- {c['intent']} -> {c['predicted']}: {c['count']}" for c in summary["confusions"][:15]]
    for language, s in summary["per_language"].items():
        top = ", ".join(f"{c['intent']} -> {c['predicted']} ({c['count']})" for c in s["confusions"][:5])
        lines.append(f"- {language}: {top or 'none'}")
    return "\n".join(lines)


def main() -> int:
    """Train or reuse the full model, evaluate it, write and print the results."""
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # no line per parsed message
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a trained model (default: the full model, trained if needed)")
    model = parser.parse_args().model or subprocess.run(
        ["scripts/train.sh", "full"], cwd=PROJECT_ROOT, check=True, capture_output=True, text=True
    ).stdout.strip().splitlines()[-1]
    parsed = asyncio.run(parse_all(str(PROJECT_ROOT / model), load_held_out()))
    summary = summarise(parsed)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "eval.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    rendered = table(summary)
    (RESULTS / "eval.md").write_text(f"# Held-out evaluation ({model})\n\n{rendered}\n", encoding="utf-8")
    per_intent = RESULTS / "eval-intents.md"
    with per_intent.open("w", encoding="utf-8") as out:
        for language, s in summary["per_language"].items():  # type: ignore[attr-defined]
            out.write(f"\n## {language}\n\n| intent | precision | recall | F1 | support |\n|---|---|---|---|---|\n")
            for intent, m in s["intents"].items():
                out.write(f"| {intent} | {m['precision']:.2f} | {m['recall']:.2f} | {m['f1']:.2f} | {m['support']} |\n")
    print(rendered)
    print(f"\nWritten: results/eval.json, results/eval.md, {per_intent.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
