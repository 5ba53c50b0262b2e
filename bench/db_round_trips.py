"""Database round trips per inbound text on a messaging channel (the channel store, not Rasa's tracker).

Signed Twilio forms go through the WhatsApp (or SMS) channel's own webhook handler; a stub stands in
for Rasa and answers each message with one reply; the sender delivers it to a local stand-in of
Twilio's Messages API. Every SQL statement and every transaction on the channel store is counted,
by phase: the acknowledgement (the webhook), the turn (claim, handoff gate, reply queued, message
closed) and the delivery (the sender's claim and record). Printed per inbound text:

    db round trips per inbound text: statements=S transactions=T (ack A, turn U, delivery D)

On PostgreSQL each statement is a round trip and each transaction adds its BEGIN and COMMIT;
SQLite runs in-process. The figures depend only on the code, not on the machine: compare them
across commits (the README keeps the history).

    python bench/db_round_trips.py [--messages 200] [--people 40] [--channel whatsapp|sms] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from rasa.core.channels.channel import UserMessage
from twilio.request_validator import RequestValidator

from bot.channels.config import WhatsAppConfig
from bot.channels.sender import TwilioMessagesClient
from bot.channels.sms import SmsInput
from bot.channels.store import channel_engine
from bot.channels.whatsapp import WhatsAppInput
from bot.infodb.schema import migrate
from tests.channels.fake_twilio import FakeTwilio

ACCOUNT_SID = "AC" + "2" * 32
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"


class Counts:
    """Statements and transactions seen on an engine, by phase."""

    def __init__(self, engine: sa.engine.Engine) -> None:
        self.phase = "idle"
        self.statements: Counter[str] = Counter()
        self.transactions: Counter[str] = Counter()
        sa.event.listen(engine, "before_cursor_execute", self._statement)
        sa.event.listen(engine, "commit", self._transaction)
        sa.event.listen(engine, "rollback", self._transaction)

    def _statement(self, *_args: Any) -> None:
        self.statements[self.phase] += 1

    def _transaction(self, *_args: Any) -> None:
        self.transactions[self.phase] += 1

    @contextmanager
    def during(self, phase: str) -> Iterator[None]:
        previous, self.phase = self.phase, phase
        try:
            yield
        finally:
            self.phase = previous


async def _answer(message: UserMessage) -> None:
    await message.output_channel.send_text_message(message.sender_id, f"re: {message.text}")


def _database_url(args: argparse.Namespace, workdir: Path) -> str:
    if not args.postgres:
        return f"sqlite:///{workdir / 'round_trips.db'}"
    base = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with sa.create_engine(base, future=True).begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    return f"{base}?options=-csearch_path%3D{schema}"


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    """Count the round trips of `args.messages` texts; return per-text figures by phase."""
    url = _database_url(args, workdir)
    migrate(url)
    engine = channel_engine(url)
    twilio = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    await twilio.start()
    sms = args.channel == "sms"
    config = WhatsAppConfig(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        from_address="+14155238886" if sms else "whatsapp:+14155238886",
        webhook_url=f"https://desk.example.org/webhooks/{args.channel}/webhook",
        api_base_url=twilio.base_url,
        conversation_id_key="bench-conversation-id-key-0123456789",
    )
    channel_class = SmsInput if sms else WhatsAppInput
    channel = channel_class(
        config,
        engine=engine,
        messages_client=TwilioMessagesClient(config),
        language_of=lambda _cid: _none(),
        sender_options={"poll_interval": 3600.0},  # woken by each reply: no idle polling in the counts
    )
    channel.blueprint(_answer)
    counts = Counts(engine)
    validator = RequestValidator(AUTH_TOKEN)
    await channel.start()
    prefix = "" if sms else "whatsapp:"
    try:
        for n in range(args.messages):
            form = {
                "MessageSid": f"SM{uuid.uuid4().hex}",
                "From": f"{prefix}+5215500{n % args.people:05d}",
                "To": config.from_address,
                "Body": f"hola {n}",
                "NumMedia": "0",
                "AccountSid": ACCOUNT_SID,
            }
            body = urlencode(form).encode()
            with counts.during("ack"):
                response = await channel.receive(body, validator.compute_signature(config.webhook_url, form))
            assert response.status == 200, response.status
            with counts.during("turn"):
                await channel.drain()
            with counts.during("delivery"):
                while len(twilio.sent) < n + 1:
                    await asyncio.sleep(0.001)
                await asyncio.sleep(0.01)  # the sender records the send after the API answered
    finally:
        await channel.stop()
        await twilio.stop()
        engine.dispose()
        channel_engine.cache_clear()
    if len(twilio.sent) != args.messages:
        raise SystemExit(f"expected {args.messages} replies, the stand-in got {len(twilio.sent)}")
    phases = ("ack", "turn", "delivery")
    per = {phase: counts.statements[phase] / args.messages for phase in phases}
    per["statements"] = sum(counts.statements[phase] for phase in phases) / args.messages
    per["transactions"] = sum(counts.transactions[phase] for phase in phases) / args.messages
    return per


async def _none() -> str | None:
    return None


def _line(label: str, figures: dict[str, float]) -> str:
    return (
        f"{label}: statements={figures['statements']:.2f} transactions={figures['transactions']:.2f} "
        f"(ack {figures['ack']:.2f}, turn {figures['turn']:.2f}, delivery {figures['delivery']:.2f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--channel", choices=("whatsapp", "sms"), default="whatsapp")
    parser.add_argument("--postgres", action="store_true", help="count on a fresh PostgreSQL schema")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        figures = asyncio.run(run(args, Path(tmp)))
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{args.messages} texts from {args.people} people on {args.channel}, {database}")
    print(_line("db round trips per inbound text", figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
