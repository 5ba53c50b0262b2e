"""`make eval`: measure understanding on the held-out set in tests/nlu/ (never used for training).

Trains (or reuses, by input hash) the full model on nlu/, parses every held-out message and
reports, per language and per intent, precision, recall and F1, the most frequent confusions, and
language-detection accuracy overall and on messages of one to three words. Writes
results/eval.json and results/eval.md and prints a summary table.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from bot.nlu.language_detector import metadata_language
from bot.settings import PROJECT_ROOT
from bot.tools.scoring import Parsed, intent_report, language_accuracy, parse_with

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


def summarise(parsed: list[Parsed]) -> dict[str, object]:
    """Build the whole report."""
    languages = sorted({r.language for r in parsed})
    per_language = {}
    for language in languages:
        rows = [r for r in parsed if r.language == language]
        report = intent_report(rows)
        per_language[language] = {
            "intents": report,
            "classifier_macro_f1": intent_report(rows, "classifier_intent")["macro"]["f1"],
            "macro_f1": report["macro"]["f1"],
            "report_emergency_recall": report.get("report_emergency", {}).get("recall", 0.0),
            "language_accuracy": language_accuracy(rows),
            "language_accuracy_short": language_accuracy([r for r in rows if r.short]),
            "examples": len(rows),
        }
    confusions = Counter(
        (r.intent, r.predicted_intent) for r in parsed if r.intent != r.predicted_intent
    )
    return {
        "examples": len(parsed),
        "per_language": per_language,
        "language_accuracy": language_accuracy(parsed),
        "language_accuracy_short": language_accuracy([r for r in parsed if r.short]),
        "short_examples": sum(r.short for r in parsed),
        "confusions": [
            {"intent": a, "predicted": b, "count": n} for (a, b), n in confusions.most_common(25)
        ],
        "errors": [
            asdict(r) for r in parsed if r.intent != r.predicted_intent or r.language != r.predicted_language
        ],
    }


def table(summary: dict) -> str:  # type: ignore[type-arg]
    """Render the summary as a Markdown table."""
    lines = [
        "| language | examples | intent macro-F1 | (classifier only) | report_emergency recall "
        "| language acc. | language acc. (1-3 words) |",
        "|---|---|---|---|---|---|---|",
    ]
    for language, s in summary["per_language"].items():
        lines.append(
            f"| {language} | {s['examples']} | {s['macro_f1']:.3f} | {s['classifier_macro_f1']:.3f} | "
            f"{s['report_emergency_recall']:.3f} | {s['language_accuracy']:.3f} | {s['language_accuracy_short']:.3f} |"
        )
    lines.append(
        f"| all | {summary['examples']} | | | | {summary['language_accuracy']:.3f} | "
        f"{summary['language_accuracy_short']:.3f} ({summary['short_examples']} messages) |"
    )
    lines += ["", "Most frequent confusions (intent -> predicted):", ""]
    lines += [f"- {c['intent']} -> {c['predicted']}: {c['count']}" for c in summary["confusions"][:15]]
    return "\n".join(lines)


def main() -> int:
    """Train or reuse the full model, evaluate it, write and print the results."""
    model = subprocess.run(
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
