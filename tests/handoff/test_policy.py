"""The handoff policy table: reasons from intents and media, urgency, and the ticket's transitions."""

from __future__ import annotations

from datetime import datetime

import pytest
import yaml
from sqlalchemy.engine import Engine

from bot.handoff import policy, store
from bot.infodb.session import engine_for
from bot.settings import PROJECT_ROOT


@pytest.fixture
def engine(database_url: str) -> Engine:
    return engine_for(database_url)


def test_a_reason_comes_from_media_first_then_the_intent_else_a_plain_request() -> None:
    assert policy.reason_for("report_emergency") == policy.EMERGENCY
    assert policy.reason_for("report_emergency", media=True) == policy.MEDIA
    assert policy.reason_for("report_labor_abuse") == policy.LABOR_ABUSE
    assert policy.reason_for("nlu_fallback") == policy.NOT_UNDERSTOOD
    assert policy.reason_for("ask_asylum") == policy.REQUEST_HUMAN
    assert policy.reason_for(None) == policy.REQUEST_HUMAN


def test_only_an_emergency_jumps_the_queue() -> None:
    assert [code for code in policy.REASONS if policy.is_urgent(code)] == [policy.EMERGENCY]


def test_every_intent_of_the_policy_is_one_the_assistant_knows() -> None:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    known = set(domain["intents"]) | {"nlu_fallback"}
    assert {intent for reason in policy.REASON_TABLE for intent in reason.intents} <= known


def test_the_store_moves_a_ticket_only_along_the_policy(engine: Engine) -> None:
    now = datetime(2026, 12, 4, 12, 0)
    ticket, _ = store.open_ticket(engine, conversation_id="wa-policy", channel="whatsapp", language="es", country="MX",
                                  reason=policy.REQUEST_HUMAN, urgent=False, summary=[], desk_id=None, now=now)
    assert store.close_ticket(engine, ticket_id=ticket.id, actor="agent:1", now=now) is not None
    # closed: no transition starts from CLOSED
    assert all(policy.CLOSED not in starts for starts, _ in policy.TRANSITIONS.values())
    assert store.take_ticket(engine, ticket_id=ticket.id, agent_id=1, now=now) is None
    assert store.close_ticket(engine, ticket_id=ticket.id, actor="agent:1", now=now) is None
    moves = [(t.from_state, t.to_state) for t in store.transitions_of(engine, ticket_id=ticket.id)]
    assert moves == [(policy.BOT, policy.QUEUED), (policy.QUEUED, policy.CLOSED)]
