"""Subscriptions, approval and the fan-out on SQLite and PostgreSQL: each person gets an alert once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from bot.alerts import store
from bot.alerts.tables import APPROVED, DRAFT, NO_TEXT, OPTED_OUT, PENDING, SENDING
from tests.alerts.factories import KEEP, approved_alert, person

NOW = datetime(2026, 12, 4, 12, 0)


def _deliveries(engine: Engine, alert_id: int) -> dict[str, tuple[str, str | None]]:
    claimed = store.claim_deliveries(engine, channel="telegram", owner="t", now=NOW + timedelta(hours=1), limit=1000)
    return {d.conversation_id: (d.language, d.text) for d in claimed if d.alert_id == alert_id}


def test_asking_again_renews_one_subscription_and_stopping_ends_it(any_engine: Engine) -> None:
    person(any_engine, "tg-1", address="101", now=NOW)
    renewed = person(any_engine, "tg-1", address="101", language="fr", now=NOW + timedelta(days=30))
    active = store.active_subscriptions(any_engine, conversation_id="tg-1", now=NOW + timedelta(days=31))
    assert [s.id for s in active] == [renewed.id]
    assert active[0].language == "fr" and active[0].expires_at == NOW + timedelta(days=30) + KEEP
    assert store.stop(any_engine, conversation_id="tg-1", now=NOW + timedelta(days=32)) == 1
    assert store.active_subscriptions(any_engine, conversation_id="tg-1", now=NOW + timedelta(days=32)) == []
    assert store.stop(any_engine, conversation_id="tg-1", now=NOW + timedelta(days=33)) == 0  # nothing left to stop
    person(any_engine, "tg-1", address="101", now=NOW + timedelta(days=40))  # asking again starts it again
    assert len(store.active_subscriptions(any_engine, conversation_id="tg-1", now=NOW + timedelta(days=40))) == 1


def test_a_subscription_expires_after_the_retention_period_unless_renewed(any_engine: Engine) -> None:
    person(any_engine, "tg-old", address="1", now=NOW - KEEP - timedelta(days=1))
    person(any_engine, "tg-new", address="2", now=NOW)
    assert store.active_subscriptions(any_engine, conversation_id="tg-old", now=NOW) == []
    assert store.purge_expired(any_engine, now=NOW, stopped_before=NOW - KEEP) == 1
    assert len(store.active_subscriptions(any_engine, conversation_id="tg-new", now=NOW)) == 1


def test_the_author_cannot_approve_their_own_alert(any_engine: Engine) -> None:
    alert_id = store.create_alert(any_engine, title="t", texts={"es": "x"}, fallback_language=None, country="GT",
                                  topic=None, channel=None, created_by=7, send_at=None, now=NOW)
    assert not store.approve(any_engine, alert_id=alert_id, staff_id=7, now=NOW)
    assert store.start_due(any_engine, now=NOW) == []  # a draft never goes out
    assert store.get_alert(any_engine, alert_id=alert_id).status == DRAFT  # type: ignore[union-attr]
    assert store.approve(any_engine, alert_id=alert_id, staff_id=8, now=NOW)
    assert not store.approve(any_engine, alert_id=alert_id, staff_id=9, now=NOW)  # once
    assert store.get_alert(any_engine, alert_id=alert_id).status == APPROVED  # type: ignore[union-attr]


def test_the_fan_out_reaches_each_matching_person_once_in_their_language(any_engine: Engine) -> None:
    person(any_engine, "tg-es", address="1", language="es", now=NOW)
    person(any_engine, "tg-es", address="1", language="es", topic="ask_asylum", now=NOW)  # two matching choices
    person(any_engine, "tg-ht", address="2", language="ht", now=NOW)
    person(any_engine, "tg-pt", address="3", language="pt", now=NOW)  # no Portuguese text
    person(any_engine, "tg-mx", address="4", language="es", country="MX", now=NOW)  # another country
    person(any_engine, "tg-labour", address="5", language="es", topic="ask_labor_rights", now=NOW)  # another topic
    person(any_engine, "tg-stopped", address="6", language="es", now=NOW)
    store.stop(any_engine, conversation_id="tg-stopped", now=NOW)
    alert_id = approved_alert(any_engine, {"es": "Alerta", "ht": "Alèt"}, topic="ask_asylum", now=NOW)
    assert store.start_due(any_engine, now=NOW) == [alert_id]
    assert store.start_due(any_engine, now=NOW) == []  # run again (another instance): nobody added twice
    assert store.get_alert(any_engine, alert_id=alert_id).status == SENDING  # type: ignore[union-attr]
    assert _deliveries(any_engine, alert_id) == {"tg-es": ("es", "Alerta"), "tg-ht": ("ht", "Alèt")}
    lines = {(line.language, line.channel): line.counts for line in store.report(any_engine, alert_id=alert_id)}
    assert lines[("pt", "telegram")] == {NO_TEXT: 1}


def test_a_chosen_fallback_text_reaches_languages_without_one(any_engine: Engine) -> None:
    person(any_engine, "tg-pt", address="3", language="pt", now=NOW)
    alert_id = approved_alert(any_engine, {"es": "Alerta"}, fallback_language="es", now=NOW)
    store.start_due(any_engine, now=NOW)
    assert _deliveries(any_engine, alert_id) == {"tg-pt": ("pt", "Alerta")}


def test_a_scheduled_alert_waits_for_its_time(any_engine: Engine) -> None:
    person(any_engine, "tg-1", address="1", now=NOW)
    alert_id = approved_alert(any_engine, {"es": "Alerta"}, now=NOW, send_at=NOW + timedelta(hours=2))
    assert store.start_due(any_engine, now=NOW + timedelta(hours=1)) == []
    assert store.start_due(any_engine, now=NOW + timedelta(hours=2)) == [alert_id]


def test_stopping_before_the_send_cancels_the_pending_delivery(any_engine: Engine) -> None:
    person(any_engine, "tg-1", address="1", now=NOW)
    alert_id = approved_alert(any_engine, {"es": "Alerta"}, now=NOW)
    store.start_due(any_engine, now=NOW)
    store.stop(any_engine, conversation_id="tg-1", now=NOW + timedelta(minutes=1))
    assert _deliveries(any_engine, alert_id) == {}
    counts = store.report(any_engine, alert_id=alert_id)[0].counts
    assert counts == {OPTED_OUT: 1, "opted_out_since": 1}
    assert store.finish_alerts(any_engine, now=NOW) == 1


def test_delete_my_data_erases_subscriptions_and_deliveries(any_engine: Engine) -> None:
    person(any_engine, "tg-1", address="1", now=NOW)
    alert_id = approved_alert(any_engine, {"es": "Alerta"}, now=NOW)
    store.start_due(any_engine, now=NOW)
    assert store.forget_conversation(any_engine, conversation_id="tg-1") == 1
    assert store.report(any_engine, alert_id=alert_id) == []
    assert store.active_subscriptions(any_engine, conversation_id="tg-1", now=NOW) == []


def test_a_crashed_senders_claims_are_never_sent_again(any_engine: Engine) -> None:
    person(any_engine, "tg-1", address="1", now=NOW)
    approved_alert(any_engine, {"es": "Alerta"}, now=NOW)
    store.start_due(any_engine, now=NOW)
    assert len(store.claim_deliveries(any_engine, channel="telegram", owner="crashed", now=NOW)) == 1
    assert store.abandon_stale_claims(any_engine, channel="telegram", stale_before=NOW + timedelta(minutes=5)) == 1
    assert store.claim_deliveries(any_engine, channel="telegram", owner="next", now=NOW + timedelta(minutes=6)) == []
    assert PENDING not in store.report(any_engine, alert_id=1)[0].counts
