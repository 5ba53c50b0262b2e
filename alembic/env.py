"""Alembic environment: migrate the database named by DATABASE_URL (or the -x url=... option)."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from bot.infodb.models import Base
from bot.infodb.session import engine_for
from bot.settings import get_settings

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

url = context.get_x_argument(as_dictionary=True).get("url") or get_settings().database_url

with engine_for(url).connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
