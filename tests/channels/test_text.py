"""Pure text rules: splitting, menus, reply mapping, opt-out keywords, typed slashes."""

from __future__ import annotations

import pytest

from bot.channels.text import as_typed_text, is_opt_out, map_reply, render_menu, split_body

BUTTONS = [{"title": "Asilo", "payload": "/ask_asylum"}, {"title": "Otro país", "payload": "/inform"}]


def test_a_short_text_is_one_part() -> None:
    assert split_body("hola") == ["hola"]


def test_lines_are_kept_whole_when_they_fit() -> None:
    lines = [f"linea {n} " + "x" * 90 for n in range(40)]
    parts = split_body("\n".join(lines))
    assert all(len(p) < 1600 for p in parts)
    assert [line for p in parts for line in p.split("\n")] == lines


def test_a_very_long_word_is_cut_at_the_limit() -> None:
    parts = split_body("a" * 4000)
    assert [len(p) for p in parts] == [1599, 1599, 802]


def test_the_menu_numbers_the_titles() -> None:
    assert render_menu("Elige:", ["Asilo", "Otro país"]) == "Elige:\n\n1. Asilo\n2. Otro país"


@pytest.mark.parametrize(
    ("reply", "payload"),
    [
        ("1", "/ask_asylum"),
        ("2.", "/inform"),
        ("otro pais", "/inform"),
        ("0", None),
        ("9", None),
        ("asilo político", None),
        ("", None),
    ],
)
def test_map_reply(reply: str, payload: str | None) -> None:
    assert map_reply(reply, BUTTONS) == payload


@pytest.mark.parametrize(
    ("text", "expected"), [("STOP", True), ("Arrêt!", True), ("stop sending me that", False), ("", False), (None, False)]
)
def test_opt_out_is_the_whole_message(text: str | None, expected: bool) -> None:
    assert is_opt_out(text) is expected


def test_typed_slashes_are_removed() -> None:
    assert as_typed_text("/restart") == "restart"
    assert as_typed_text("hola /x") == "hola /x"
