"""The fact-question gate: the held-out fact questions (tests/answers/, never trained on), played
through the test model and the real action server, get the fact they ask for.

The full model is held to 95% per language by `make eval`; the few-epoch test model gets a floor a
little below what it reaches, so a change that sends questions to the wrong answer fails the suite.
"""

from __future__ import annotations

from typing import Any

from bot.tools.answer_eval import SEVERAL_NEEDS, load_questions, play, summarise

# The test model (scripts/train.sh test) reached 0.9 or more in every language when this was set.
FLOOR_PER_LANGUAGE = 0.8


async def test_fact_questions_get_the_fact_they_ask_for(agent: Any) -> None:
    outcomes = [await play(agent, question) for question in load_questions()]
    summary = summarise(outcomes)
    low = {lang: row["share"] for lang, row in summary["languages"].items() if row["share"] < FLOOR_PER_LANGUAGE}
    assert not low, (low, [m["id"] for m in summary["misses"]])
    assert summary["overall"]["questions"] >= 100


# Questions of two needs each (tests/answers/multi/): both facts must reach the person. The full model
# answers 0.6 of them with both facts (make eval), the test model 0.62; before other needs were
# answered the full model managed 0.4.
SEVERAL_NEEDS_FLOOR = 0.45


async def test_questions_of_several_needs_get_each_fact(agent: Any) -> None:
    outcomes = [await play(agent, question) for question in load_questions(SEVERAL_NEEDS)]
    summary = summarise(outcomes)
    assert summary["overall"]["questions"] >= 40
    assert summary["overall"]["share"] >= SEVERAL_NEEDS_FLOOR, [m["id"] for m in summary["misses"]]
