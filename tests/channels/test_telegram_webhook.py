"""Telegram webhook mode's own: registration, the secret token, update ids, privacy (the rest: test_every_channel.py)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.channels import store
from tests.channels.conftest import eventually
from tests.channels.fake_telegram import text_update
from tests.channels.telegram_harness import SECRET, WEBHOOK_URL, TelegramHarness

CHAT = 5512345678


async def test_the_webhook_is_registered_with_the_secret_at_start(tg: TelegramHarness) -> None:
    await eventually(lambda: tg.api.webhook)
    assert tg.api.webhook["url"] == WEBHOOK_URL
    assert tg.api.webhook["secret_token"] == SECRET
    assert set(tg.api.webhook["allowed_updates"]) == {"message", "callback_query"}


@pytest.mark.parametrize("secret", [None, "", "wrong-secret-0123456789", SECRET + "x", SECRET[:-1]])
async def test_a_missing_or_wrong_secret_gets_403_and_stores_nothing(tg: TelegramHarness, secret: str | None) -> None:
    response = await tg.post(text_update(CHAT, "hola"), secret=secret if secret is not None else False)
    assert response.status_code == 403
    await asyncio.sleep(0.2)
    assert store.count_inbound(tg.engine) == 0
    assert tg.bot.received == []
    assert tg.api.sent == []
    assert store.get_conversation(tg.engine, conversation_id=tg.cid(CHAT)) is None


async def test_update_ids_are_per_bot(tg: TelegramHarness) -> None:
    update = text_update(CHAT, "hola")
    await tg.post(update)
    await eventually(lambda: tg.api.sent)
    stored = store.get_inbound(tg.engine, message_sid=f"tg:{tg.api.bot_id}:{update['update_id']}")
    assert stored is not None and stored.kind == "text"


async def test_chat_ids_names_and_texts_stay_out_of_logs(tg: TelegramHarness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    tg.api.fail_next(429)
    update = text_update(CHAT, "me llamo Rosa y vivo en la calle 5")
    await tg.post(update)
    await tg.post(update)
    await tg.post(text_update(CHAT, "x"), secret="wrong-secret-0123456789")
    await eventually(lambda: tg.api.sent, timeout=5)
    sid = f"tg:{tg.api.bot_id}:{update['update_id']}"
    await eventually(lambda: store.inbound_status(tg.engine, message_sid=sid) == store.PROCESSED)
    assert caplog.records  # something was logged (so the checks below can fail)
    assert str(CHAT) not in caplog.text
    assert "Rosa" not in caplog.text and "Pérez" not in caplog.text
    assert "calle" not in caplog.text
    assert tg.channel.config.bot_token not in caplog.text
    assert tg.channel.config.bot_token.split(":")[1] not in caplog.text
    stored = store.get_inbound(tg.engine, message_sid=sid)
    assert stored is not None and stored.body is None  # erased once processed
    assert str(CHAT) not in stored.conversation_id


@pytest.mark.parametrize("body", [b"{not json", b'"a string"', b"[1, 2]", b'{"update_id": "x", "message": 5}'])
async def test_an_unreadable_body_with_the_secret_is_refused_and_stores_nothing(tg: TelegramHarness, body: bytes) -> None:
    response = await tg.http.post(
        f"{tg.url}/webhooks/telegram/webhook", content=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
    )
    assert response.status_code == 400
    assert store.count_inbound(tg.engine) == 0


async def test_updates_the_channel_does_not_read_are_acknowledged(tg: TelegramHarness) -> None:
    blocked = {
        "update_id": 1,
        "my_chat_member": {
            "chat": {"id": CHAT, "type": "private", "first_name": "Rosa"},
            "from": {"id": CHAT, "is_bot": False, "first_name": "Rosa"},
            "date": 1,
            "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True, "first_name": "V"}},
            "new_chat_member": {"status": "kicked", "until_date": 0, "user": {"id": 1, "is_bot": True, "first_name": "V"}},
        },
    }
    response = await tg.post(blocked)
    assert response.status_code == 200  # a 500 here makes Telegram retry it forever
    assert store.count_inbound(tg.engine) == 0


async def test_an_update_the_store_cannot_take_is_not_acknowledged(
    tg: TelegramHarness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = store.record_inbound_many

    def down(engine: object, *, items: list[store.NewInbound]) -> list[bool]:
        raise RuntimeError("disk I/O error")

    update = text_update(CHAT, "hola")
    monkeypatch.setattr(store, "record_inbound_many", down)
    refused = await tg.post(update)
    assert refused.status_code == 503  # Telegram keeps it and delivers it again
    monkeypatch.setattr(store, "record_inbound_many", real)
    again = await tg.post(update)
    assert again.status_code == 200
    await eventually(lambda: tg.api.sent)
    assert tg.api.texts_to(CHAT) == ["echo: hola"]
    assert "hola" not in caplog.text
