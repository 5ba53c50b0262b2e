"""`make eval` (answers): do fact questions get the fact that was asked for?

Reads the held-out fact questions in ``tests/answers/<lang>.yml`` (never used for training), plays
each one (one or two turns, a new conversation each) through the trained model and the real action
server over a freshly seeded information database, and checks that every ``expect`` string (a
figure, number or name the fact gives) is in the bot's replies to the last turn (to the whole conversation
for the questions of several needs in ``tests/answers/multi/``). Prints the share
answered with the right fact per language and overall, and the misses; writes
``results/answers.json`` and ``results/answers.md``. Exits 1 when a language is under ``--target``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import subprocess
import sys
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.nlu.text import fold
from bot.settings import PROJECT_ROOT

QUESTIONS = PROJECT_ROOT / "tests" / "answers"
# Questions asking for several things in one message (each need's fact must reach the person).
SEVERAL_NEEDS = QUESTIONS / "multi"
RESULTS = PROJECT_ROOT / "results"
DEFAULT_TARGET = 0.95


@dataclass(frozen=True)
class Question:
    """One held-out fact question."""

    id: str
    language: str
    turns: list[str]
    fact: str
    expect: list[str]
    # Several needs asked over two turns: each need's fact may come in the reply to its own turn.
    whole_conversation: bool = False


@dataclass
class Outcome:
    """What the assistant made of one question."""

    question: Question
    intent: str
    replies: list[str] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        """Every expected string is in the replies to the last turn (case and accents ignored)."""
        said = fold(" \n".join(self.replies))
        return all(fold(e) in said for e in self.question.expect)


def load_questions(directory: Path = QUESTIONS) -> list[Question]:
    """Every question of every language file, validated. A row of several needs (``needs``: a fact
    and its expected strings each) is answered only when every need's strings are in the replies."""
    questions: list[Question] = []
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        language = str(data["language"])
        for row in data.get("questions") or []:
            turns = [str(t) for t in row["turns"]]
            needs = row.get("needs") or [{"fact": row.get("fact"), "expect": row.get("expect") or []}]
            expect = [str(e) for need in needs for e in need["expect"]]
            if not turns or not all(need["expect"] for need in needs):
                raise ValueError(f"{path}: question {row.get('id')} needs turns and expect")
            fact = "+".join(str(need["fact"]) for need in needs)
            questions.append(Question(str(row["id"]), language, turns, fact, expect, len(needs) > 1))
    return questions


def _reply_text(reply: dict[str, Any]) -> str:
    buttons = " | ".join(str(b.get("title", "")) for b in reply.get("buttons") or [])
    return "\n".join(p for p in (str(reply.get("text") or ""), buttons) if p)


async def play(agent: Any, question: Question) -> Outcome:
    """Play one question in a new conversation."""
    sender = f"eval-{uuid.uuid4()}"
    replies: list[dict[str, Any]] = []
    for turn in question.turns:
        latest = list(await agent.handle_text(turn, sender_id=sender) or [])
        replies = [*replies, *latest] if question.whole_conversation else latest
    parsed = await agent.parse_message(question.turns[-1])
    return Outcome(question, str((parsed.get("intent") or {}).get("name")), [_reply_text(r) for r in replies])


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    """Share answered with the right fact, per language and overall, and the misses."""
    by_language: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_language.setdefault(outcome.question.language, []).append(outcome)
    share = {
        lang: {"questions": len(rows), "answered": sum(o.answered for o in rows),
               "share": round(sum(o.answered for o in rows) / len(rows), 3)}
        for lang, rows in sorted(by_language.items())
    }
    total = sum(o.answered for o in outcomes)
    misses = [
        {**asdict(o.question), "intent": o.intent, "reply": " / ".join(o.replies)[:400]}
        for o in outcomes if not o.answered
    ]
    return {"languages": share, "overall": {"questions": len(outcomes), "answered": total,
                                            "share": round(total / len(outcomes), 3) if outcomes else 0.0},
            "misses": misses}


def table(summary: dict[str, Any]) -> str:
    """A Markdown report."""
    lines = ["| language | questions | right fact | share |", "|---|---|---|---|"]
    for lang, row in summary["languages"].items():
        lines.append(f"| {lang} | {row['questions']} | {row['answered']} | {row['share']:.3f} |")
    overall = summary["overall"]
    lines.append(f"| all | {overall['questions']} | {overall['answered']} | {overall['share']:.3f} |")
    if summary["misses"]:
        lines += ["", "Misses:"]
        lines += [f"- {m['id']} ({m['intent']}, fact {m['fact']}, expected {m['expect']}): "
                  f"{' -> '.join(m['turns'])}" for m in summary["misses"]]
    return "\n".join(lines)


async def evaluate(model_path: str, questions: list[Question]) -> list[Outcome]:
    """Seed a scratch database, start the action server, play every question."""
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    from bot.infodb.content import import_bundle, load_bundle
    from bot.infodb.schema import CONTENT_DIR, migrate
    from bot.infodb.session import engine_for, session_scope
    from bot.tools.action_server import running_action_server

    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'eval.db'}"
        migrate(url)
        with session_scope(engine_for(url)) as session:
            import_bundle(session, load_bundle(CONTENT_DIR))
        with running_action_server(url) as webhook:
            agent = Agent.load(model_path, action_endpoint=EndpointConfig(webhook))
            return [await play(agent, q) for q in questions]


def quiet_rasa() -> None:
    """Keep Rasa's per-turn debug records out of the report."""
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    """Evaluate, print, write results/; exit 1 when a language is under the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a trained model (default: the full model, trained if needed)")
    parser.add_argument("--target", type=float, default=DEFAULT_TARGET)
    args = parser.parse_args(argv)
    quiet_rasa()
    model = args.model or subprocess.run(
        ["scripts/train.sh", "full"], cwd=PROJECT_ROOT, check=True, capture_output=True, text=True
    ).stdout.strip().splitlines()[-1]
    single, several = load_questions(), load_questions(SEVERAL_NEEDS)
    outcomes = asyncio.run(evaluate(model, single + several))
    summary = summarise(outcomes[:len(single)])
    several_summary = summarise(outcomes[len(single):]) if several else None
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "answers.json").write_text(
        json.dumps({**summary, "several_needs": several_summary}, ensure_ascii=False, indent=2), encoding="utf-8")
    report = table(summary)
    if several_summary:
        report += "\n\nSeveral needs in one message (tests/answers/multi/, every need's fact):\n" + table(several_summary)
    (RESULTS / "answers.md").write_text(report + "\n", encoding="utf-8")
    print("Fact questions answered with the right fact (tests/answers/, held out):")
    print(report)
    below = [lang for lang, row in summary["languages"].items() if row["share"] < args.target]
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
