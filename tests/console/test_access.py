"""The console's role rules, one case per line."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from bot.console import access
from bot.console.store import Staff
from bot.handoff.store import CLOSED, QUEUED, WITH_STAFF, Ticket

NOW = datetime(2026, 11, 28, 12, 0)
AGENT = Staff(id=1, username="ana", display_name="Ana", role="agent", desk_id=10, active=True, failed_signins=0,
              locked_until=None, last_signin_at=None)
OTHER_AGENT = replace(AGENT, id=2, username="ben")
NO_DESK = replace(AGENT, id=3, desk_id=None)
SUPERVISOR = replace(AGENT, id=4, role="supervisor", desk_id=None)
ADMIN = replace(AGENT, id=5, role="admin", desk_id=None)
TICKET = Ticket(id=7, conversation_id="wa-x", channel="whatsapp", language="es", country="MX", reason="request_human",
                urgent=False, summary=[], desk_id=10, agent_id=None, state=QUEUED, created_at=NOW, updated_at=NOW,
                taken_at=None, closed_at=None, rating=None)
OTHER_DESK = replace(TICKET, desk_id=20)
HELD_BY_ANA = replace(TICKET, state=WITH_STAFF, agent_id=1)
CLOSED_BY_ANA = replace(HELD_BY_ANA, state=CLOSED)


@pytest.mark.parametrize(
    ("staff", "ticket", "view", "take", "reply", "manage"),
    [
        (AGENT, TICKET, True, True, False, False),
        (AGENT, OTHER_DESK, False, False, False, False),
        (AGENT, HELD_BY_ANA, True, False, True, True),
        (AGENT, CLOSED_BY_ANA, True, False, False, False),
        (OTHER_AGENT, HELD_BY_ANA, True, False, False, False),
        (NO_DESK, TICKET, False, False, False, False),
        (NO_DESK, replace(OTHER_DESK, state=WITH_STAFF, agent_id=3), True, False, True, True),
        (SUPERVISOR, OTHER_DESK, True, True, False, True),
        (SUPERVISOR, HELD_BY_ANA, True, False, False, True),
        (ADMIN, CLOSED_BY_ANA, True, False, False, False),
    ],
)
def test_rules(staff: Staff, ticket: Ticket, view: bool, take: bool, reply: bool, manage: bool) -> None:
    assert access.can_view(staff, ticket) is view
    assert access.can_take(staff, ticket) is take
    assert access.can_reply(staff, ticket) is reply
    assert access.can_manage(staff, ticket) is manage


def test_queue_desks_and_number_reveal() -> None:
    assert access.queue_desks(AGENT) == [10]
    assert access.queue_desks(NO_DESK) == []
    assert access.queue_desks(SUPERVISOR) is None and access.queue_desks(ADMIN) is None
    assert not access.can_reveal_number(AGENT)
    assert access.can_reveal_number(SUPERVISOR) and access.can_reveal_number(ADMIN)
