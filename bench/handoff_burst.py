"""Handoff benchmark: no message lost or answered by the bot while a conversation is with staff.

`--people` conversations ask for a person over the real WhatsApp channel (signed Twilio forms,
served by Sanic). Each person then sends a burst of `--burst` messages at once, 10% of them
re-delivered by "Twilio", while the escalating turn is still running (a stub stands in for Rasa and
takes 200 ms to escalate, as action_handoff does). Agents take every ticket and reply once. Prints
how many burst messages reached the desk's transcripts, how many the bot answered (target 0), how
many were lost (target 0), and how many staff replies reached the fake Twilio API.

    python bench/handoff_burst.py [--people 50] [--burst 10]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import socket
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import aiohttp
from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from twilio.request_validator import RequestValidator

from bot.channels.config import WhatsAppConfig
from bot.channels.sender import TwilioMessagesClient
from bot.channels.store import channel_engine
from bot.channels.whatsapp import WhatsAppInput
from bot.desk import staff
from bot.handoff import store
from bot.handoff.escalation import escalate, escalation_messages
from bot.infodb.schema import migrate
from tests.channels.fake_twilio import FakeTwilio

ACCOUNT_SID = "AC" + "2" * 32
AUTH_TOKEN = "bench-auth-token-handoff-0123456789"
WEBHOOK_URL = "https://desk.example.org/webhooks/whatsapp/webhook"
BOT_NUMBER = "whatsapp:+14155238886"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def run(people: int, burst: int, redeliver: float) -> int:
    """Run the benchmark; return 0 when nothing was lost or answered by the bot."""
    logging.basicConfig(level=logging.ERROR)
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='handoff-bench-')) / 'bench.db'}"
    migrate(url)
    engine = channel_engine(url)
    twilio = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    await twilio.start()
    config = WhatsAppConfig(ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER, WEBHOOK_URL, twilio.base_url, "bench-key-" + "h" * 20)
    channel = WhatsAppInput(
        config,
        engine=engine,
        messages_client=TwilioMessagesClient(config, timeout=2.0),
        sender_options={"base_delay": 0.02, "max_delay": 0.5, "poll_interval": 0.1},
    )
    bot_answers: list[str] = []

    async def bot(message: UserMessage) -> None:
        if message.text == "persona":
            await asyncio.sleep(0.2)
            result = await asyncio.to_thread(
                escalate,
                engine,
                conversation_id=message.sender_id,
                channel="whatsapp",
                language="es",
                country="MX",
                reason="request_human",
                summary=[],
                now=datetime.utcnow(),
            )
            for reply in escalation_messages(result, "es"):
                await message.output_channel.send_response(message.sender_id, dict(reply))
            return
        bot_answers.append(message.text or "")
        await message.output_channel.send_text_message(message.sender_id, f"bot: {message.text}")

    app = Sanic(f"handoff_bench_{uuid.uuid4().hex[:6]}")
    app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/whatsapp")
    port = _free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    endpoint = f"http://127.0.0.1:{port}/webhooks/whatsapp/webhook"
    validator = RequestValidator(AUTH_TOKEN)
    rng = random.Random(5)

    async def post(http: aiohttp.ClientSession, address: str, body: str) -> None:
        form = {"MessageSid": f"SM{uuid.uuid4().hex}", "From": address, "To": BOT_NUMBER, "Body": body, "NumMedia": "0"}
        headers = {"X-Twilio-Signature": validator.compute_signature(WEBHOOK_URL, form)}
        for _ in range(2 if rng.random() < redeliver else 1):
            async with http.post(endpoint, data=form, headers=headers) as response:
                assert response.status == 200, response.status

    async def person(http: aiohttp.ClientSession, number: int) -> None:
        address = f"whatsapp:+52166{number:06d}"
        await post(http, address, "persona")
        await asyncio.gather(*(post(http, address, f"p{number}-m{i}") for i in range(burst)))

    started = time.perf_counter()
    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(person(http, n) for n in range(people)))
    await channel.drain()
    tickets = store.list_tickets(engine)
    for agent, ticket in enumerate(tickets, start=1):
        await staff.take(engine, ticket_id=ticket.id, agent_id=agent, now=datetime.utcnow())
        await staff.reply(engine, ticket_id=ticket.id, agent_id=agent, text=f"staff to {ticket.id}", now=datetime.utcnow())
    deadline = time.monotonic() + 60
    while (
        sum(body.startswith("staff to") for body in (s.body for s in twilio.sent)) < len(tickets) and time.monotonic() < deadline
    ):
        await asyncio.sleep(0.2)
    elapsed = time.perf_counter() - started

    expected = {f"p{n}-m{i}" for n in range(people) for i in range(burst)}
    recorded = [m.body for t in tickets for m in store.ticket_messages(engine, ticket_id=t.id) if m.kind == store.PERSON]
    at_desk = set(recorded) & expected
    lost = len(expected - at_desk - set(bot_answers))
    duplicated = len(recorded) - len(set(recorded))
    staff_delivered = sum(s.body.startswith("staff to") for s in twilio.sent)
    print(f"people={people} burst={burst} redelivered~{redeliver:.0%} tickets={len(tickets)} seconds={elapsed:.1f}")
    print(
        f"burst messages: at the desk={len(at_desk)}/{len(expected)} answered by the bot={len(bot_answers)} (target 0) "
        f"lost={lost} (target 0) recorded twice={duplicated} (target 0)"
    )
    print(f"staff replies delivered to the Messages API: {staff_delivered}/{len(tickets)}")

    await server.before_stop()
    server.close()
    await server.wait_closed()
    await server.after_stop()
    await twilio.stop()
    ok = not bot_answers and lost == 0 and duplicated == 0 and staff_delivered == len(tickets) == people
    print(f"targets (0 answered by the bot, 0 lost, 0 twice, every staff reply delivered): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


def main() -> int:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--burst", type=int, default=10)
    parser.add_argument("--redeliver", type=float, default=0.1)
    args = parser.parse_args()
    return asyncio.run(run(args.people, args.burst, args.redeliver))


if __name__ == "__main__":
    raise SystemExit(main())
