"""Pure text rules of the WhatsApp channel: numbered menus, reply mapping, splitting, opt-out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bot.i18n import languages

MAX_BODY_CHARS = 1600
# Opt-out keywords in every language (the language registry; WhatsApp has no built-in STOP handling).
OPT_OUT_KEYWORDS = languages.opt_out_words()
_SENTENCE_END = re.compile(r"(?<=[.!?…。])\s+")


def is_opt_out(text: str | None) -> bool:
    """Whether a message is an opt-out keyword (the whole message, any case or accents)."""
    return bool(text) and languages.fold(text or "") in OPT_OUT_KEYWORDS


def render_menu(text: str, titles: Sequence[str]) -> str:
    """A message followed by its buttons as a numbered menu ("1. title")."""
    menu = "\n".join(f"{number}. {title}" for number, title in enumerate(titles, start=1))
    return f"{text}\n\n{menu}" if text else menu


def map_reply(text: str, buttons: Sequence[dict[str, str]]) -> str | None:
    """The payload of the button a reply chooses, by its number or its title; None otherwise."""
    choice = languages.fold(text)
    if not choice:
        return None
    if choice.isdigit():
        index = int(choice) - 1
        return buttons[index]["payload"] if 0 <= index < len(buttons) else None
    for button in buttons:
        if languages.fold(button.get("title", "")) == choice:
            return button["payload"]
    return None


def as_typed_text(text: str) -> str:
    """Text a person typed, never read as an intent payload: leading slashes are removed."""
    return text.strip().lstrip("/").lstrip()


def _hard_split(piece: str, limit: int) -> Iterable[str]:
    """Split at spaces when possible, else at the limit."""
    while len(piece) > limit:
        cut = piece.rfind(" ", 0, limit + 1)
        cut = cut if cut > 0 else limit
        yield piece[:cut].rstrip()
        piece = piece[cut:].lstrip()
    if piece:
        yield piece


def _units(text: str, limit: int) -> Iterable[str]:
    """Lines, or sentences of lines that are too long, or words of sentences that are too long."""
    for line in text.split("\n"):
        if len(line) <= limit:
            yield line
            continue
        for sentence in _SENTENCE_END.split(line):
            yield from _hard_split(sentence, limit)


def split_body(text: str, limit: int = MAX_BODY_CHARS - 1) -> list[str]:
    """Split a message into parts below WhatsApp's 1,600 characters, at line or sentence boundaries."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    parts: list[str] = []
    current = ""
    for unit in _units(text, limit):
        joiner = "\n" if current else ""
        if len(current) + len(joiner) + len(unit) <= limit:
            current = f"{current}{joiner}{unit}"
            continue
        if current.strip():
            parts.append(current.strip())
        current = unit
    if current.strip():
        parts.append(current.strip())
    return parts
