"""Content commands for desk administrators.

    python -m bot.infodb migrate                   create or upgrade the database (Alembic)
    python -m bot.infodb import [DIR]              import content/ (YAML), all or nothing, re-runnable
    python -m bot.infodb import-csv FILE           import answers from CSV, all or nothing
    python -m bot.infodb export-csv FILE           export every answer text to CSV
    python -m bot.infodb stale [--months 12]       list content not verified for that long
    python -m bot.infodb coverage [DIR]            facts cited per topic and country; fails on an OK fact
                                                   neither cited nor in content/coverage_exclusions.yml
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

from bot.infodb.content import (
    ContentBundle,
    ContentError,
    export_answers_csv,
    import_bundle,
    load_answers_csv,
    load_bundle,
    load_facts,
)
from bot.infodb.schema import CONTENT_DIR, migrate
from bot.infodb.session import session_scope
from bot.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    """Run one content command."""
    parser = argparse.ArgumentParser(prog="python -m bot.infodb", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate")
    imp = sub.add_parser("import")
    imp.add_argument("directory", nargs="?", default=str(CONTENT_DIR))
    imp.add_argument("--if-empty", action="store_true", help="seed only: do nothing when the database holds answers")
    imp_csv = sub.add_parser("import-csv")
    imp_csv.add_argument("file")
    exp = sub.add_parser("export-csv")
    exp.add_argument("file")
    stale_parser = sub.add_parser("stale")
    stale_parser.add_argument("--months", type=int, default=12)
    cov = sub.add_parser("coverage")
    cov.add_argument("directory", nargs="?", default=str(CONTENT_DIR))
    args = parser.parse_args(argv)

    try:
        if args.command == "migrate":
            migrate(get_settings().database_url)
            print("database is at the newest schema")
        elif args.command == "import":
            if args.if_empty:
                from bot.infodb.queries import has_answers

                with session_scope() as session:
                    if has_answers(session):
                        print("content already imported: kept as it is (edits made in the console stay)")
                        return 0
            bundle = load_bundle(Path(args.directory))
            with session_scope() as session:
                counts = import_bundle(session, bundle)
            print("imported " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
        elif args.command == "import-csv":
            facts = load_facts(CONTENT_DIR / "facts.yml")
            bundle = ContentBundle(facts=facts, answers=load_answers_csv(Path(args.file), facts))
            with session_scope() as session:
                counts = import_bundle(session, bundle)
            print(f"imported {counts['answers']} answers from {args.file}")
        elif args.command == "export-csv":
            with session_scope() as session:
                rows = export_answers_csv(session, Path(args.file))
            print(f"exported {rows} rows to {args.file}")
        elif args.command == "stale":
            from bot.infodb.queries import stale_content

            cutoff = date.today() - timedelta(days=round(args.months * 30.44))
            with session_scope() as session:
                stale = stale_content(session, verified_before=cutoff)
            for kind, key, verified in stale:
                print(f"{verified.isoformat() if verified else 'never':<10}  {kind:<10}  {key}")
            print(f"{len(stale)} item(s) never checked by a person or not since {cutoff.isoformat()}")
        elif args.command == "coverage":
            return _coverage(Path(args.directory))
    except ContentError as err:
        print(f"error: {err}", file=sys.stderr)
        if args.command.startswith("import"):
            print("nothing was imported", file=sys.stderr)
        return 2
    return 0


def _coverage(directory: Path) -> int:
    """Print which facts reach people; 1 when an OK fact is neither cited nor excluded."""
    from bot.infodb.coverage import EXCLUSIONS_FILE, coverage, format_report, load_exclusions

    bundle = load_bundle(directory, date.today())
    report = coverage(bundle, load_exclusions(directory / EXCLUSIONS_FILE))
    print("\n".join(format_report(report, bundle.facts)))
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
