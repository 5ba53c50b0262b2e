"""The question that was asked gets its answer: the country it is about, a place and a need in one
message, institutions that say their country (issue 11's three design limits), with the test model
and the real action server."""

from __future__ import annotations

from typing import Any

import pytest

from bot import i18n
from tests.test_assistant import new_sender, say, texts

ASK_COUNTRY = {i18n.text("ask_country", lang) for lang in i18n.LANGUAGES}


def never_asked_for_the_country(replies: list[dict[str, Any]]) -> bool:
    return not ASK_COUNTRY & set(texts(replies))


@pytest.mark.parametrize(
    ("first", "question", "expected"),
    [
        # Where the person is (Guatemala) is not what the question is about (the US programme).
        ("estoy en guatemala", "I paid a recruiter 1500 dollars for an H-2A job in the US, is that legal?",
         "1-866-487-9243"),
        ("hello", "How long can I work in Canada with the seasonal agricultural worker program?", "8 months"),
        ("bonjou", "mwen nan meksik, konbyen tan COMAR pran pou l reponn", "45"),
    ],
)
async def test_the_answer_is_about_the_country_of_the_question(
    agent: Any, first: str, question: str, expected: str
) -> None:
    sender = new_sender()
    await say(agent, sender, first)
    replies = await say(agent, sender, question)
    assert never_asked_for_the_country(replies)
    assert expected in "\n".join(texts(replies))


@pytest.mark.parametrize(
    ("message", "language", "country", "number"),
    [
        ("estoy en guatemala y necesito llamar a la policia", "es", "GT", "110"),
        ("estou na guatemala e preciso chamar a policia", "pt", "GT", "110"),
        ("je suis au honduras et je veux appeler la police", "fr", "HN", "911"),
    ],
)
async def test_a_place_and_a_need_in_one_message_get_the_need(
    agent: Any, message: str, language: str, country: str, number: str
) -> None:
    replies = await say(agent, new_sender(), message)
    intro = i18n.text("hotlines_intro", language, country=i18n.country_name(country, language))
    numbers = [t for t in texts(replies) if t.startswith(intro)]
    assert numbers and number in numbers[0], texts(replies)


async def test_a_nationality_and_a_destination_are_two_countries(agent: Any) -> None:
    replies = await say(agent, new_sender(), "soy hondureño y quiero trabajar en canada")
    said = "\n".join(texts(replies))
    assert never_asked_for_the_country(replies)
    assert "8 meses" in said  # Canada's seasonal programme, not a Honduran answer alone


@pytest.mark.parametrize(
    ("message", "titles"),
    [
        ("estoy en tapachula, necesito un albergue y tambien un doctor para mi hija",
         ["Albergue y ayuda en México", "Atención médica en México"]),
        ("mwen nan meksik, m bezwen kote pou m domi epi pitit mwen yo bezwen ale lekol",
         ["Abri ak èd nan Meksik", "Ale lekòl nan Meksik"]),
    ],
)
async def test_several_needs_in_one_message_each_get_their_answer(agent: Any, message: str, titles: list[str]) -> None:
    said = "\n".join(texts(await say(agent, new_sender(), message)))
    assert all(f"*{title}*" in said for title in titles), said
