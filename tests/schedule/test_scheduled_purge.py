"""The daily purge removes old audit entries as well as old conversations, and the console starts it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.console import store as console_store
from bot.infodb.session import engine_for


def test_audit_retention_removes_only_old_entries(database_url: str) -> None:
    engine = engine_for(database_url)
    console_store.log(engine, action="sign_in", now=datetime.utcnow() - timedelta(days=400))
    console_store.log(engine, action="sign_in", now=datetime.utcnow() - timedelta(days=2))
    removed = console_store.purge_audit_before(engine, cutoff=datetime.utcnow() - timedelta(days=365))
    assert removed == 1
    assert len(console_store.audit_entries(engine)) == 1


def test_the_console_reads_the_schedule_from_the_environment() -> None:
    from bot.console.settings import load_console_settings

    env = {"CONSOLE_SECRET": "x" * 32, "SCHEDULE_POLL_SECONDS": "30"}
    assert load_console_settings(env).schedule_poll_seconds == 30
    assert load_console_settings({"CONSOLE_SECRET": "x" * 32}).schedule_poll_seconds == 600
    with pytest.raises(Exception, match="SCHEDULE_POLL_SECONDS"):
        load_console_settings({"CONSOLE_SECRET": "x" * 32, "SCHEDULE_POLL_SECONDS": "soon"})
