"""The smaller holes: an unknown desk is a clear refusal, /static/ is not an error, a Telegram chat
id is never revealed, only the holder or a supervisor closes (in the handoff layer itself)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.desk import staff as desk_actions
from bot.handoff import store as handoff
from tests.console.conftest import Served
from tests.console.test_desk import desk, ticket


async def test_an_unknown_desk_is_refused_plainly(console: Served) -> None:
    console.add_staff("root", role="admin")
    ana = console.add_staff("ana")
    admin = console.browser()
    await admin.sign_in("root")
    created = await admin.post("/admin/staff", {"username": "ben", "password": "a long password 42", "role": "agent",
                                                "desk_id": "999"})
    assert created.status_code == 400 and "That desk does not exist." in created.text
    changed = await admin.post(f"/admin/staff/{ana.id}", {"role": "agent", "desk_id": "999"})
    assert changed.status_code == 400 and "That desk does not exist." in changed.text


async def test_the_static_folder_itself_is_not_found_not_an_error(console: Served) -> None:
    browser = console.browser()
    for path in ("/static/", "/static"):
        assert (await browser.get(path)).status_code in (403, 404)
    assert (await browser.get("/static/console.css")).status_code == 200


async def test_a_telegram_chat_id_is_never_revealed(console: Served) -> None:
    north = desk(console, "north", ["MX"])
    console.add_staff("sofia", role="supervisor", desk_id=north)
    created, _ = handoff.open_ticket(console.engine, conversation_id="tg-0123456789abcdef", channel="telegram",
                                     language="es", country="MX", reason="request_human", urgent=False, summary=[],
                                     desk_id=north, now=datetime.utcnow())
    browser = console.browser()
    await browser.sign_in("sofia")
    await browser.get(f"/tickets/{created.id}")
    response = await browser.post(f"/tickets/{created.id}/reveal")
    assert response.status_code == 404 and 'id="revealed-number"' not in response.text


async def test_only_the_holder_or_a_supervisor_closes_even_outside_the_console(console: Served) -> None:
    north = desk(console, "north", ["MX"])
    opened = ticket(console, north, channel="telegram", conversation_id="tg-00000000000001")
    await desk_actions.take(console.engine, ticket_id=opened.id, agent_id=1, now=datetime.utcnow())
    with pytest.raises(desk_actions.HandoffError):
        await desk_actions.close(console.engine, ticket_id=opened.id, agent_id=2, now=datetime.utcnow())
    assert handoff.get_ticket(console.engine, ticket_id=opened.id).state == handoff.WITH_STAFF
    await desk_actions.close(console.engine, ticket_id=opened.id, agent_id=2, supervisor=True,
                             now=datetime.utcnow())
    assert handoff.get_ticket(console.engine, ticket_id=opened.id).state == handoff.CLOSED
