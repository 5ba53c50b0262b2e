"""Desk set-up from the command line: ``python -m bot.handoff desk-add|desk-list``.

Example: ``python -m bot.handoff desk-add --code tapachula --name "Ventanilla Tapachula"
--timezone America/Mexico_City --hours "mon-fri 09:00-17:00" --countries MX --languages es,ht``.
Empty ``--countries`` or ``--languages`` serve all. Without ``--hours`` the desk is never said
to be closed.
"""

from __future__ import annotations

import argparse
import sys

from bot.handoff import hours, store
from bot.infodb.session import default_engine


def _list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bot.handoff")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("desk-add", help="create or update a desk")
    add.add_argument("--code", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--timezone", required=True, help="an IANA time zone, e.g. America/Mexico_City")
    add.add_argument("--hours", default="", help='e.g. "mon-fri 09:00-17:00; sat 09:00-12:00"')
    add.add_argument("--countries", default="", help="ISO codes, comma-separated (empty: all)")
    add.add_argument("--languages", default="", help="es,en,fr,ht,pt (empty: all)")
    add.add_argument("--inactive", action="store_true")
    commands.add_parser("desk-list", help="list the desks")
    args = parser.parse_args(argv)
    engine = default_engine()
    if args.command == "desk-add":
        try:
            opening = hours.parse_hours(args.hours)
            hours.validate(opening, args.timezone)
        except hours.HoursError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        desk_id = store.upsert_desk(
            engine,
            code=args.code,
            name=args.name,
            timezone=args.timezone,
            hours=opening,
            countries=_list(args.countries),
            languages=_list(args.languages),
            active=not args.inactive,
        )
        print(f"desk {args.code} saved (id {desk_id})")
    else:
        for desk in store.list_desks(engine):
            print(
                f"{desk.id}\t{desk.code}\t{desk.name}\t{desk.timezone}\t{desk.hours}\t{desk.countries or 'all'}\t"
                f"{desk.languages or 'all'}\t{'active' if desk.active else 'inactive'}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
