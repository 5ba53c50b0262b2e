"""The retention purge: conversations, closed handoff tickets, channel messages and alert subscriptions past the
retention period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Counted event ids are kept this long past the retention period.
EVIDENCE_ID_MARGIN_DAYS = 14


@dataclass(frozen=True)
class PurgeReport:
    """What one purge removed."""

    retention_days: int
    conversations: int
    tickets: int
    addresses: int
    audit_entries: int = 0
    evidence_ids: int = 0
    subscriptions: int = 0


def purge(retention_days: int, audit_retention_days: int | None = None) -> PurgeReport:
    """Delete what is older than ``retention_days`` on the configured databases (and audit entries older
    than ``audit_retention_days``, when given)."""
    from bot.alerts import store as alerts_store
    from bot.channels import store as channel_store
    from bot.console import store as console_store
    from bot.evidence import store as evidence_store
    from bot.handoff import store as handoff_store
    from bot.infodb.session import default_engine
    from bot.tracker_store import PrivacySQLTrackerStore

    conversations = PrivacySQLTrackerStore().purge_older_than(retention_days)
    cutoff = datetime.utcnow() - timedelta(days=retention_days)
    tickets = handoff_store.purge_closed_before(default_engine(), cutoff=cutoff)
    addresses = channel_store.purge_before(default_engine(), cutoff=cutoff)
    # Events that old are no longer redelivered; their ids only kept them from being counted twice.
    seen_week = (cutoff - timedelta(days=EVIDENCE_ID_MARGIN_DAYS)).date()
    evidence_ids = evidence_store.forget_seen_before(default_engine(), week=seen_week - timedelta(days=seen_week.weekday()))
    # Expired subscriptions (not renewed within the retention period) and those stopped that long ago.
    subscriptions = alerts_store.purge_expired(default_engine(), now=datetime.utcnow(), stopped_before=cutoff)
    audit_entries = 0
    if audit_retention_days is not None:
        audit_cutoff = datetime.utcnow() - timedelta(days=audit_retention_days)
        audit_entries = console_store.purge_audit_before(default_engine(), cutoff=audit_cutoff)
    return PurgeReport(retention_days, conversations, tickets, addresses, audit_entries, evidence_ids, subscriptions)


def scheduled_purge() -> PurgeReport:
    """The daily job: the retention purge and audit-log retention with the environment's settings."""
    from bot.settings import get_settings

    settings = get_settings()
    return purge(settings.retention_days, settings.audit_retention_days)
