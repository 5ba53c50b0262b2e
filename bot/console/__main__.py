"""Console commands.

    python -m bot.console serve                       run the console (CONSOLE_HOST:CONSOLE_PORT)
    python -m bot.console create-admin --username X   create an admin (password from the prompt
                                                      or VENTANILLA_ADMIN_PASSWORD)
    python -m bot.console messages                    add new message ids to the .po catalogues
                                                      (bot/console/locale/) and count the untranslated
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys

from bot.console import store
from bot.console.app import create_app
from bot.console.security import WeakPasswordError, hash_password
from bot.console.settings import load_console_settings
from bot.console.tables import ADMIN
from bot.console.web import Console, utc_now
from bot.infodb.session import engine_for
from bot.settings import SettingsError
from bot.translation.cache import Translations
from bot.translation.settings import load_translation_settings


def _password() -> str:
    from_env = os.environ.get("VENTANILLA_ADMIN_PASSWORD")
    if from_env:
        return from_env
    first = getpass.getpass("Password (12 characters or more): ")
    if first != getpass.getpass("Same password again: "):
        raise WeakPasswordError("the two passwords differ")
    return first


def main(argv: list[str] | None = None) -> int:
    """Run one console command."""
    parser = argparse.ArgumentParser(prog="python -m bot.console", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve")
    sub.add_parser("messages")
    admin = sub.add_parser("create-admin")
    admin.add_argument("--username", required=True)
    admin.add_argument("--name", default=None, help="name shown to colleagues (default: the username)")
    args = parser.parse_args(argv)
    if args.command == "messages":
        from bot.console.catalogue import update

        missing = update()
        for language, count in missing.items():
            print(f"{language}: {count} untranslated")
        return 1 if any(missing.values()) else 0
    try:
        settings = load_console_settings()
        load_translation_settings()
    except SettingsError as err:
        print(f"console: {err}", file=sys.stderr)
        return 2
    engine = engine_for(settings.database_url)
    if args.command == "create-admin":
        try:
            password_hash = hash_password(_password(), (args.username, args.name or ""))
            account = store.create_staff(engine, username=args.username, display_name=args.name or args.username,
                                         password_hash=password_hash, role=ADMIN, desk_id=None, now=utc_now())
        except (WeakPasswordError, store.StaffError) as err:
            print(f"create-admin: {err}", file=sys.stderr)
            return 1
        store.log(engine, action="staff_created", now=utc_now(), target=f"staff:{account.id}", detail="role=admin (command line)")
        print(f"admin account {account.username!r} created")
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    translation = load_translation_settings()
    translations = Translations.from_settings(translation) if translation is not None else None
    app = create_app(Console(settings=settings, engine=engine, translations=translations), name="ventanilla_console")
    app.run(host=settings.host, port=settings.port, access_log=False, workers=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
