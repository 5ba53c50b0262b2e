"""``python -m bot.privacy purge``: run the retention purge once and say what it removed."""

from __future__ import annotations

import argparse
import sys

from bot.privacy.purge import purge
from bot.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bot.privacy")
    parser.add_argument("command", choices=["purge"])
    parser.parse_args(argv)
    days = get_settings().retention_days
    report = purge(days)
    print(f"purge: removed {report.conversations} conversation(s) idle for more than {days} days")
    print(f"purge: removed {report.tickets} handoff ticket(s) closed more than {days} days ago")
    print(f"purge: removed channel messages older than {days} days and {report.addresses} reply address(es)")
    print(f"purge: forgot {report.evidence_ids} counted event id(s) of weeks long past (the counts stay)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
