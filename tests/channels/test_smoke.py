"""Smoke."""

from __future__ import annotations

from tests.channels.conftest import Harness, eventually


async def test_text_roundtrip(harness: Harness) -> None:
    response = await harness.send("whatsapp:+5215512345678", "hola")
    assert response.status_code == 200, response.text
    assert "<Response/>" in response.text
    await eventually(lambda: harness.twilio.sent)
    assert harness.twilio.sent[0].body == "echo: hola"
