"""The endpoint files load as Rasa reads them; production mode uses real PostgreSQL and Redis."""

from __future__ import annotations

import time
import uuid
from urllib.parse import urlparse

import pytest
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.settings import PROJECT_ROOT, get_settings
from bot.tracker_store import PrivacySQLTrackerStore
from tests.services import POSTGRES_URL, REDIS_URL, require


def test_development_endpoints_expand_the_action_server_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook")
    endpoints = AvailableEndpoints.read_endpoints(str(PROJECT_ROOT / "endpoints.yml"))
    assert endpoints.action.url == "http://127.0.0.1:5055/webhook"
    assert endpoints.tracker_store.type == "bot.tracker_store.PrivacySQLTrackerStore"
    assert endpoints.event_broker.type == "bot.evidence.sql_broker.SQLEventBroker"  # counted by bot.evidence consume


async def test_production_endpoints_use_postgresql_and_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    redis = urlparse(require(REDIS_URL))
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook")
    monkeypatch.setenv("REDIS_HOST", redis.hostname or "127.0.0.1")
    monkeypatch.setenv("REDIS_PORT", str(redis.port))
    monkeypatch.setenv("REDIS_DB", redis.path.strip("/") or "0")
    monkeypatch.setenv("TRACKER_DATABASE_URL", require(POSTGRES_URL))
    for name, value in (("RABBITMQ_HOST", "127.0.0.1"), ("RABBITMQ_PORT", "5672"), ("RABBITMQ_USERNAME", "guest"),
                        ("RABBITMQ_PASSWORD", "guest")):
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        endpoints = AvailableEndpoints.read_endpoints(str(PROJECT_ROOT / "endpoints.production.yml"))
        lock_store = LockStore.create(endpoints.lock_store)
        store = TrackerStore.create(endpoints.tracker_store, domain=Domain.empty())
    finally:
        get_settings.cache_clear()

    assert isinstance(lock_store, RedisLockStore)
    assert endpoints.event_broker.type == "pika" and endpoints.event_broker.kwargs["queues"] == ["ventanilla_evidence"]
    sender = f"prod-{uuid.uuid4()}"
    async with lock_store.lock(sender, wait_time_in_seconds=0.05):
        held = lock_store.get_lock(sender)  # read back from Redis
        assert held is not None and held.now_serving is not None

    inner = getattr(store, "_tracker_store", store)
    assert isinstance(inner, PrivacySQLTrackerStore) and inner.engine.dialect.name == "postgresql"
    tracker = DialogueStateTracker(sender, slots=[])
    tracker.update(ActionExecuted("action_listen", timestamp=time.time()))
    tracker.update(UserUttered("hola", {"name": "greet"}))
    await store.save(tracker)
    again = await store.retrieve(sender)
    assert again is not None and again.latest_message.text == "hola"
    inner.delete_conversation(sender)
