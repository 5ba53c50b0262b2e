"""Alert tests use the channel tests' databases, stand-ins and clock."""

from tests.channels.conftest import any_engine, clock, engine, telegram_api, twilio  # noqa: F401
