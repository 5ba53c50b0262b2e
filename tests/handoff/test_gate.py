"""The gate on its own: what reaches the desk, what reaches the bot."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.handoff import store
from bot.handoff.gate import HandoffGate, Incoming
from bot.infodb.schema import migrate
from bot.infodb.session import engine_for

NOW = datetime(2026, 11, 28, 16, 0)


def _gate(tmp_path: Path) -> tuple[HandoffGate, Any]:
    url = f"sqlite:///{tmp_path / 'gate.db'}"
    migrate(url)
    engine = engine_for(url)

    async def run(function: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(function, engine, **kwargs)

    return HandoffGate(run, clock=lambda: NOW), engine


def _message(text: str, ref: str) -> Incoming:
    return Incoming(conversation_id="tg-1", channel="telegram", kind="text", text=text, message_ref=ref)


async def test_asking_to_delete_my_data_during_a_handoff_ends_it_and_reaches_the_bot(tmp_path: Path) -> None:
    gate, engine = _gate(tmp_path)
    store.open_ticket(
        engine,
        conversation_id="tg-1",
        channel="telegram",
        language="ht",
        country=None,
        reason="request_human",
        urgent=False,
        summary=[],
        desk_id=None,
        now=NOW,
    )
    to_desk = await gate.intercept(_message("hello?", "1"))
    assert to_desk.taken and to_desk.reply_key is None
    assert not (await gate.intercept(_message("/delete_my_data", "2"))).taken  # to the bot
    assert store.open_ticket_for(engine, conversation_id="tg-1") is None
    confirmation = await gate.intercept(_message("/affirm", "3"))  # the confirmation reaches the bot too
    assert not confirmation.taken and confirmation.reply_key is None


async def test_the_gate_decides_and_the_channel_says_it(tmp_path: Path) -> None:
    """A cancel word ends the request; the gate says what to tell the person, in the ticket's language."""
    gate, engine = _gate(tmp_path)
    store.open_ticket(engine, conversation_id="tg-1", channel="telegram", language="pt", country=None,
                      reason="request_human", urgent=False, summary=[], desk_id=None, now=NOW)
    decision = await gate.intercept(_message("/handoff_cancel", "1"))
    assert decision.taken and (decision.reply_key, decision.language) == ("handoff_cancelled", "pt")
    assert store.open_ticket_for(engine, conversation_id="tg-1") is None
    stale = await gate.intercept(_message("/handoff_cancel", "2"))  # the same button again: nothing to say
    assert stale.taken and stale.reply_key is None
