"""Privacy rules shared by the action server and the Rasa server.

Run ``python -m bot.privacy purge`` to delete conversations older than the retention period
(``RETENTION_DAYS``, 90 by default; the privacy notice promises that figure). ``make run`` runs it
at every start.
"""

from __future__ import annotations

import argparse
import logging
import sys

# A conversation whose new events include this action is erased by the tracker store.
DELETE_ACTION = "action_delete_my_data"

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bot.privacy")
    parser.add_argument("command", choices=["purge"])
    args = parser.parse_args(argv)
    from bot.settings import get_settings
    from bot.tracker_store import PrivacySQLTrackerStore

    settings = get_settings()
    if args.command == "purge":
        store = PrivacySQLTrackerStore()
        removed = store.purge_older_than(settings.retention_days)
        print(f"purge: removed {removed} conversation(s) idle for more than {settings.retention_days} days")
        from datetime import datetime, timedelta

        from bot.handoff import store as handoff_store
        from bot.infodb.session import default_engine

        cutoff = datetime.utcnow() - timedelta(days=settings.retention_days)
        tickets = handoff_store.purge_closed_before(default_engine(), cutoff=cutoff)
        print(f"purge: removed {tickets} handoff ticket(s) closed more than {settings.retention_days} days ago")
        from bot.channels import store as channel_store

        addresses = channel_store.purge_before(default_engine(), cutoff=cutoff)
        print(f"purge: removed channel messages older than {settings.retention_days} days and {addresses} reply address(es)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
