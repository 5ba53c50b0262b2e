"""Where the content lives and how a database gets the newest schema (Alembic)."""

from __future__ import annotations

import argparse

from bot.settings import PROJECT_ROOT

CONTENT_DIR = PROJECT_ROOT / "content"


def migrate(url: str | None = None) -> None:
    """Upgrade the database to the newest schema."""
    from alembic.config import Config

    from alembic import command

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    if url:
        config.cmd_opts = argparse.Namespace(x=[f"url={url}"])
    command.upgrade(config, "head")
