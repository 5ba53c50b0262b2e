"""Benchmark: action_answer_topic latency with the full seed content on SQLite.

Runs the real action (repository, queries, reply composition) for every topic, country and language
combination, several rounds, and prints p50/p95/p99 in milliseconds. Target: p95 under 50 ms.
Run: `python bench/answer_latency.py`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerTopic
from bot.infodb.content import LANGUAGES, TOPICS, import_bundle, load_bundle
from bot.infodb.repository import InfoRepository
from bot.infodb.schema import CONTENT_DIR, migrate
from bot.infodb.session import engine_for, session_scope

COUNTRIES = ("MX", "GT", "HN", "SV", "CR", "PA", "DO", "HT", "REGIONAL")
ROUNDS = 3


def tracker(topic: str, country: str, language: str) -> Tracker:
    """A tracker as the action server receives it."""
    latest = {"text": "?", "intent": {"name": topic, "confidence": 1.0}, "entities": [], "language": language}
    return Tracker("bench", {"language": language, "country": country, "country_asked": True}, latest,
                   [{"event": "user", "text": "?", "parse_data": latest}], False, None, {}, "action_listen")


async def measure(action: ActionAnswerTopic) -> list[float]:
    """Milliseconds per run, over every combination, ROUNDS times."""
    timings = []
    for _ in range(ROUNDS):
        for topic in TOPICS:
            for country in COUNTRIES:
                for language in LANGUAGES:
                    started = time.perf_counter()
                    await action.run(CollectingDispatcher(), tracker(topic, country, language), {})
                    timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> int:
    """Seed a fresh SQLite database, run the action, print the percentiles; 1 when the target is missed."""
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{directory}/bench.db"
        migrate(url)
        engine = engine_for(url)
        with session_scope(engine) as session:
            counts = import_bundle(session, load_bundle(CONTENT_DIR, date.today()))
        action = ActionAnswerTopic(InfoRepository(engine))
        timings = sorted(asyncio.run(measure(action)))
    quantiles = statistics.quantiles(timings, n=100)
    print(f"seed content: {counts['answers']} answers, {counts['hotlines']} hotlines, {counts['help_points']} help points")
    print(f"action_answer_topic runs: {len(timings)}")
    print(f"p50 {quantiles[49]:.2f} ms   p95 {quantiles[94]:.2f} ms   p99 {quantiles[98]:.2f} ms   max {timings[-1]:.2f} ms")
    met = quantiles[94] < 50
    print(f"target p95 < 50 ms: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
