"""The retention purge as a whole: `python -m bot.privacy purge`, as `make run` runs it at every start.

One run removes, past RETENTION_DAYS, the conversations in the tracker store, the handoff tickets
closed long ago (with their transcripts), the channel's messages and the reply address of people
gone quiet; it keeps everything more recent, and tickets still open.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels import store as channel_store
from bot.handoff import store as handoff_store
from bot.infodb.session import engine_for
from bot.settings import PROJECT_ROOT
from bot.tracker_store import PrivacySQLTrackerStore

DAY = timedelta(days=1)


def _conversation(sender: str, at: float) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, slots=[])
    for event in (
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at),
        ActionExecuted("action_listen", timestamp=at),
        UserUttered("vivo en Tapachula", {"name": "inform"}, timestamp=at + 1),
    ):
        tracker.update(event)
    return tracker


def _ticket(engine, sender: str, opened: datetime, closed: datetime | None) -> int:  # type: ignore[no-untyped-def]
    ticket, _ = handoff_store.open_ticket(
        engine, conversation_id=sender, channel="whatsapp", language="es", country="MX", reason="request_human",
        urgent=False, summary=[{"who": "person", "text": "ayuda"}], desk_id=None, now=opened,
    )
    handoff_store.add_message(engine, ticket_id=ticket.id, kind=handoff_store.PERSON, body="vivo en Tapachula", now=opened)
    if closed is not None:
        handoff_store.close_ticket(engine, ticket_id=ticket.id, actor="agent:1", now=closed)
    return ticket.id


def _channel_message(engine, sender: str, when: datetime) -> None:  # type: ignore[no-untyped-def]
    sid = f"SM{sender}"
    channel_store.record_inbound(
        engine, message=channel_store.Inbound(sid, sender, "text", "vivo en Tapachula"),
        address=f"whatsapp:+5255{abs(hash(sender)) % 10**8:08d}", opted_out=False, now=when,
    )
    channel_store.finish_inbound(engine, message_sid=sid, status=channel_store.PROCESSED, now=when)
    channel_store.queue_reply(
        engine, conversation_id=sender, source_sid=sid, position=0, parts=["Gracias"], buttons=[],
        status_for=lambda _conversation: channel_store.PENDING, now=when,
    )
    [reply] = channel_store.outbox_messages(engine, conversation_id=sender)
    channel_store.mark_sent(engine, message_id=reply.id, provider_sid=f"SMout{sender}", now=when)


async def test_the_purge_command_removes_what_is_past_retention_and_keeps_the_rest(database_url: str, tmp_path: Path) -> None:
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    tracker_store = PrivacySQLTrackerStore(url=tracker_url)
    now = time.time()
    await tracker_store.save(_conversation("wa-old", now - 91 * 86400))
    await tracker_store.save(_conversation("wa-recent", now - 5 * 86400))

    engine = engine_for(database_url)
    today = datetime.utcnow()
    closed_long_ago = _ticket(engine, "wa-old", today - 120 * DAY, today - 100 * DAY)
    closed_lately = _ticket(engine, "wa-recent", today - 20 * DAY, today - 10 * DAY)
    still_open = _ticket(engine, "wa-waiting", today - 100 * DAY, None)
    _channel_message(engine, "wa-old", today - 100 * DAY)
    _channel_message(engine, "wa-recent", today - 5 * DAY)

    env = {**os.environ, "DATABASE_URL": database_url, "TRACKER_DATABASE_URL": tracker_url, "RETENTION_DAYS": "90"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.privacy", "purge"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == [
        "purge: removed 1 conversation(s) idle for more than 90 days",
        "purge: removed 1 handoff ticket(s) closed more than 90 days ago",
        "purge: removed channel messages older than 90 days and 1 reply address(es)",
        "purge: forgot 0 counted event id(s) of weeks long past (the counts stay)",
    ]
    # Tracker store: the idle conversation is gone, the recent one kept.
    assert await tracker_store.retrieve("wa-old") is None
    recent = await tracker_store.retrieve("wa-recent")
    assert recent is not None and recent.latest_message is not None and recent.latest_message.text == "vivo en Tapachula"
    # Handoff: the ticket closed long ago and its transcript are gone; recent and open ones stay.
    assert handoff_store.get_ticket(engine, ticket_id=closed_long_ago) is None
    assert handoff_store.ticket_messages(engine, ticket_id=closed_long_ago) == []
    assert handoff_store.get_ticket(engine, ticket_id=closed_lately) is not None
    assert handoff_store.get_ticket(engine, ticket_id=still_open) is not None
    # Channel: the old message, reply and phone number are gone; the recent ones stay.
    assert channel_store.get_conversation(engine, conversation_id="wa-old") is None
    assert channel_store.outbox_messages(engine, conversation_id="wa-old") == []
    assert channel_store.get_inbound(engine, message_sid="SMwa-old") is None
    assert channel_store.get_conversation(engine, conversation_id="wa-recent") is not None
    assert [m.body for m in channel_store.outbox_messages(engine, conversation_id="wa-recent")] == ["Gracias"]
