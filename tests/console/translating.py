"""Fixtures of the machine-translation tests: the LibreTranslate stand-in, and a console that uses it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.translation.cache import Translations
from bot.translation.settings import TranslationSettings
from tests.console.conftest import Served
from tests.translation_stand_in import StandIn

API_KEY = "desk-key"


@pytest.fixture
async def stand_in() -> AsyncIterator[StandIn]:
    """The stand-in server (English, Spanish, French, Portuguese; no Haitian Creole)."""
    server = StandIn(api_key=API_KEY)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def translating(console: Served, stand_in: StandIn) -> AsyncIterator[Served]:
    """The console with machine translation on, through the stand-in."""
    settings = TranslationSettings(url=stand_in.url, api_key=API_KEY, timeout_seconds=1.0)
    console.state.translations = Translations.from_settings(settings)
    yield console
    await console.state.translations.aclose()
