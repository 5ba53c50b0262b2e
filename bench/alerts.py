"""Alerts benchmark: one approved alert to N subscribers, with a restart in the middle of the send.

Most subscribers are on Telegram, a few on WhatsApp (half of them inside their 24-hour window, half
outside, where only the approved template may go). The Telegram and Twilio stand-ins run in their own
processes and keep their own log of what arrived; every figure is read from those logs:

- reached: distinct people who received the alert (Telegram chats and WhatsApp numbers);
- seconds: from the approval to the last arrival;
- duplicates: arrivals beyond the first per person (a stop and a new instance at `--restart-at`);
- freeform_outside_window: free-text WhatsApp alerts to someone whose window was closed (must be 0);
- max_per_second: the most Telegram arrivals in any one-second window (Telegram allows about 30).

    python bench/alerts.py --subscribers 10000 [--whatsapp 200] [--restart-at 0.4] [--database-url URL]

Target (issue 19): 10,000 reached in under 480 s, 0 duplicates, 0 free-form outside the window,
at most 30 a second. Exit status 0 when they hold.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot import i18n
from bot.alerts import store as alerts_store
from bot.channels import store as channel_store
from bot.channels.config import TelegramConfig, WhatsAppConfig
from bot.channels.sender import TwilioMessagesClient
from bot.channels.telegram import TelegramInput
from bot.channels.telegram_api import TelegramBotClient
from bot.channels.whatsapp import WhatsAppInput
from bot.infodb.schema import migrate
from tests.channels.fake_telegram import FakeTelegram
from tests.channels.fake_twilio import FakeTwilio

TOKEN = "7099999998:AAH-bench-token-0123456789abcdefghij"
ACCOUNT_SID, AUTH_TOKEN = "AC" + "b" * 32, "bench-auth-token-0123456789abcdef"
FIRST_CHAT = 5215600000000
KEY = "bench-key-" + "y" * 20
TEMPLATES = {language: f"HX{language}{'0' * 30}" for language in i18n.LANGUAGES}
TELEGRAM_LIMIT = 30
TARGET_SECONDS = 480


def _serve(kind: str, connection: Any) -> None:
    """Run one stand-in in its own process (it is not part of what is measured)."""

    async def serve() -> None:
        api: Any = FakeTelegram(TOKEN) if kind == "telegram" else FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
        await api.start()
        connection.send(api.base_url)
        await asyncio.Event().wait()

    asyncio.run(serve())


def _start_stand_in(kind: str) -> tuple[Any, str]:
    spawn = multiprocessing.get_context("spawn")
    parent, child = spawn.Pipe()
    process = spawn.Process(target=_serve, args=(kind, child), daemon=True)
    process.start()
    return process, str(parent.recv())


async def _log(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/_sent") as response:
        return dict(await response.json())


def _subscribe(engine: Any, telegram: int, whatsapp: int, now: datetime) -> set[str]:
    """Subscribe the people; return the WhatsApp numbers whose window is closed."""
    keep = timedelta(days=90)
    languages = list(i18n.LANGUAGES)
    outside: set[str] = set()
    for i in range(telegram):
        alerts_store.subscribe(engine, conversation_id=f"tg-bench-{i}", channel="telegram", address=str(FIRST_CHAT + i),
                               language=languages[i % len(languages)], country="HT", topic=None, now=now, keep_for=keep)
    for i in range(whatsapp):
        address = f"whatsapp:+5093{i:07d}"
        wrote = now - (timedelta(hours=1) if i % 2 == 0 else timedelta(hours=30))
        if i % 2:
            outside.add(address)
        message = channel_store.Inbound(f"SMbench{i:06d}", f"wa-bench-{i}", "text", "hola")
        channel_store.record_inbound(engine, message=message, address=address, opted_out=False, now=wrote)
        channel_store.finish_inbound(engine, message_sid=message.message_sid, status=channel_store.PROCESSED, now=wrote)
        alerts_store.subscribe(engine, conversation_id=f"wa-bench-{i}", channel="whatsapp", address=address,
                               language=languages[i % len(languages)], country="HT", topic=None, now=now, keep_for=keep)
    return outside


def _instance(engine: Any, telegram_url: str, twilio_url: str) -> list[Any]:
    """One process's channels: Telegram and WhatsApp, each with its outbox and alert senders."""
    telegram_config = TelegramConfig(TOKEN, "https://desk.example.org/webhooks/telegram/webhook", "bench-secret-0123456789",
                                     telegram_url, KEY)
    whatsapp_config = WhatsAppConfig(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_address="whatsapp:+15005550006",
                                     webhook_url="https://desk.example.org/webhooks/whatsapp/webhook",
                                     api_base_url=twilio_url, conversation_id_key=KEY)
    return [
        TelegramInput(telegram_config, engine=engine, messages_client=TelegramBotClient(telegram_config, timeout=5.0),
                      alert_options={"poll_interval": 0.5, "templates": TEMPLATES}),
        WhatsAppInput(whatsapp_config, engine=engine, messages_client=TwilioMessagesClient(whatsapp_config),
                      alert_options={"poll_interval": 0.5, "templates": TEMPLATES}),
    ]


def _sent_so_far(engine: Any, alert_id: int) -> int:
    return sum(line.counts.get("sent", 0) for line in alerts_store.report(engine, alert_id=alert_id))


def _busiest_second(times: list[float]) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


async def run(subscribers: int, whatsapp: int, restart_at: float, database_url: str | None) -> int:
    """Run the benchmark; print the figures' line; return 0 when the targets hold."""
    logging.basicConfig(level=logging.ERROR)
    url = database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='alerts-bench-')) / 'bench.db'}"
    migrate(url)
    engine = channel_store.channel_engine(url)
    telegram_process, telegram_url = _start_stand_in("telegram")
    twilio_process, twilio_url = _start_stand_in("twilio")
    telegram = subscribers - whatsapp
    outside = await asyncio.to_thread(_subscribe, engine, telegram, whatsapp, datetime.utcnow())
    texts = {language: f"[{language}] Hurricane: shelters in Jacmel are open." for language in i18n.LANGUAGES}
    alert_id = alerts_store.create_alert(engine, title="bench", texts=texts, fallback_language=None, country="HT",
                                         topic=None, channel=None, created_by=1, send_at=None, now=datetime.utcnow())
    channels = _instance(engine, telegram_url, twilio_url)
    started = time.monotonic()
    alerts_store.approve(engine, alert_id=alert_id, staff_id=2, now=datetime.utcnow())
    for channel in channels:
        await channel.start()
    restarted = False
    deadline = started + 3 * TARGET_SECONDS
    while time.monotonic() < deadline:
        await asyncio.sleep(1.0)
        # Progress from the database, not the stand-ins: asking them for their whole log every second
        # would stall them and bunch the arrivals they time.
        sent = await asyncio.to_thread(_sent_so_far, engine, alert_id)
        if not restarted and sent >= restart_at * subscribers:
            for channel in channels:  # a deploy in the middle of the alert: this process stops, a new one starts
                await channel.stop()
            channels = _instance(engine, telegram_url, twilio_url)
            for channel in channels:
                await channel.start()
            restarted = True
        alert = alerts_store.get_alert(engine, alert_id=alert_id)
        if alert is not None and alert.status == "sent":
            break
    await asyncio.sleep(3.0)  # late duplicates would show up here
    for channel in channels:
        await channel.stop()
    tg_log, wa_log = await _log(telegram_url), await _log(twilio_url)
    telegram_process.terminate()
    twilio_process.terminate()

    recipients = [chat for chat, _text in tg_log["sent"]] + [to for to, _body in wa_log["sent"]]
    reached = len(set(recipients))
    duplicates = len(recipients) - reached
    freeform_outside = sum(1 for to, body in wa_log["sent"] if to in outside and body)
    times = list(tg_log["times"])
    seconds = (max(times) - started) if times else 0.0
    per_second = _busiest_second(times)
    print(f"alerts: reached={reached} seconds={seconds:.1f} duplicates={duplicates} "
          f"freeform_outside_window={freeform_outside} max_per_second={per_second}")
    ok = (reached == subscribers and seconds < TARGET_SECONDS and duplicates == 0 and freeform_outside == 0
          and per_second <= TELEGRAM_LIMIT)
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--whatsapp", type=int, default=200, help="of the subscribers, how many are on WhatsApp")
    parser.add_argument("--restart-at", type=float, default=0.4, help="stop and replace the instance at this share")
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    args = parser.parse_args()
    return asyncio.run(run(args.subscribers, min(args.whatsapp, args.subscribers), args.restart_at, args.database_url))


if __name__ == "__main__":
    raise SystemExit(main())
