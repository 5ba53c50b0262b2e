"""Benchmark: importing 10,000 answers (50,000 texts) into SQLite, and an interrupted import.

Builds 10,000 synthetic answers citing real facts, imports them in one transaction and prints the
time (target: under 60 s). Then interrupts a second import half-way and prints whether the
database still holds exactly the first import (nothing lost, nothing half-written).
Run: `python bench/import_answers.py`.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

import bot.infodb.content as content
from bot.infodb.models import Answer, AnswerText
from bot.infodb.schema import CONTENT_DIR, migrate
from bot.infodb.session import engine_for, session_scope

TOTAL = 10_000


def synthetic(facts: dict[str, dict[str, str]], marker: str) -> content.ContentBundle:
    """10,000 answers: every topic for synthetic country codes, five languages each."""
    answers = []
    codes = [f"{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(676)]
    for n in range(TOTAL):
        topic = content.TOPICS[n % len(content.TOPICS)]
        country = codes[n // len(content.TOPICS)]
        texts = {lang: (f"{topic} {country} {lang}", f"{marker} body {n} {lang}") for lang in content.LANGUAGES}
        answers.append(content.AnswerData(topic, country, ["A01"], [content.SourceData("Bench", None, "n.d.")],
                                          texts, date(2026, 1, 1)))
    return content.ContentBundle(facts=facts, answers=answers)


def counts(engine: sa.engine.Engine, marker: str) -> tuple[int, int]:
    """(answers, texts carrying the marker)."""
    with session_scope(engine) as session:
        answers = session.scalar(sa.select(sa.func.count()).select_from(Answer))
        marked = session.scalar(sa.select(sa.func.count()).select_from(AnswerText).where(AnswerText.body.like(f"{marker}%")))
    return int(answers or 0), int(marked or 0)


def main() -> int:
    """Time the import, then check an interrupted re-import changes nothing; 1 when a target is missed."""
    facts = content.load_facts(CONTENT_DIR / "facts.yml")
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{directory}/bench.db"
        migrate(url)
        engine = engine_for(url)
        bundle = synthetic(facts, "first")
        started = time.perf_counter()
        with session_scope(engine) as session:
            content.import_bundle(session, bundle)
        elapsed = time.perf_counter() - started
        print(f"imported {TOTAL} answers ({TOTAL * 5} texts) in {elapsed:.1f} s (target < 60 s)")

        original = content.upsert_answer
        calls = {"n": 0}

        def interrupted(session, data):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == TOTAL // 2:
                raise KeyboardInterrupt("interrupted half-way")
            return original(session, data)

        content.upsert_answer = interrupted  # type: ignore[assignment]
        try:
            with session_scope(engine) as session:
                content.import_bundle(session, synthetic(facts, "second"))
        except KeyboardInterrupt:
            pass
        finally:
            content.upsert_answer = original  # type: ignore[assignment]
        answers, first = counts(engine, "first")
        _, second = counts(engine, "second")
        ok = answers == TOTAL and first == TOTAL * 5 and second == 0
        print(f"after an import interrupted at {TOTAL // 2}: {answers} answers, {first} texts from the first import, "
              f"{second} from the interrupted one -> {'nothing lost' if ok else 'DAMAGED'}")
    met = elapsed < 60
    print(f"target import < 60 s: {'met' if met else 'NOT met'}")
    return 0 if ok and met else 1


if __name__ == "__main__":
    raise SystemExit(main())
