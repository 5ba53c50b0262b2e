"""Evidence commands.

    python -m bot.evidence consume [--until-idle]     count what Rasa's event broker carries (EVIDENCE_BROKER:
                                                      sql, the table of `make run`, or pika, RabbitMQ) and the
                                                      handoff waits and ratings of closed tickets
    python -m bot.evidence export --format csv|hxl [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--out FILE]
                                                      the protected counts (small counts hidden), as CSV or
                                                      as CSV with a row of HXL hashtags
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import logging
import sys
from datetime import date

from bot.evidence import consumer, hxl_check, report
from bot.infodb.session import default_engine, engine_for
from bot.settings import SettingsError


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from err


def main(argv: list[str] | None = None) -> int:
    """Run one evidence command."""
    parser = argparse.ArgumentParser(prog="python -m bot.evidence", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    consume = sub.add_parser("consume")
    consume.add_argument("--until-idle", action="store_true", help="stop once every waiting event is counted")
    consume.add_argument("--poll-seconds", type=float, default=2.0)
    export = sub.add_parser("export")
    export.add_argument("--format", choices=("csv", "hxl"), default="csv")
    export.add_argument("--since", type=_day)
    export.add_argument("--until", type=_day)
    export.add_argument("--out", help="file to write (default: standard output)")
    args = parser.parse_args(argv)
    engine = default_engine()
    if args.command == "export":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(
            report.export(engine, filters=report.period(args.since, args.until), hxl=args.format == "hxl"))
        wrong = hxl_check.problems(buffer.getvalue()) if args.format == "hxl" else []
        if wrong:
            sys.stderr.write("The HXL export does not validate (libhxl):\n" + "\n".join(wrong[:20]) + "\n")
            return 1
        if args.out:
            with open(args.out, "w", encoding="utf-8", newline="") as out:
                out.write(buffer.getvalue())
        else:
            sys.stdout.write(buffer.getvalue())
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = consumer.load_broker_settings()
    except SettingsError as err:
        print(f"evidence: {err}", file=sys.stderr)
        return 2
    if settings.kind == "pika":
        counted = asyncio.run(consumer.consume_pika(engine, settings, until_idle=args.until_idle,
                                                    poll_seconds=args.poll_seconds))
    else:
        counted = consumer.consume_sql(engine, engine_for(settings.events_url), until_idle=args.until_idle,
                                       poll_seconds=args.poll_seconds)
    print(f"evidence: read {counted} broker event(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
