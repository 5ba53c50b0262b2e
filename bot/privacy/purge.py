"""The retention purge: conversations, closed handoff tickets and channel messages past the retention period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class PurgeReport:
    """What one purge removed."""

    retention_days: int
    conversations: int
    tickets: int
    addresses: int


def purge(retention_days: int) -> PurgeReport:
    """Delete what is older than ``retention_days`` on the configured databases."""
    from bot.channels import store as channel_store
    from bot.handoff import store as handoff_store
    from bot.infodb.session import default_engine
    from bot.tracker_store import PrivacySQLTrackerStore

    conversations = PrivacySQLTrackerStore().purge_older_than(retention_days)
    cutoff = datetime.utcnow() - timedelta(days=retention_days)
    tickets = handoff_store.purge_closed_before(default_engine(), cutoff=cutoff)
    addresses = channel_store.purge_before(default_engine(), cutoff=cutoff)
    return PurgeReport(retention_days, conversations, tickets, addresses)
