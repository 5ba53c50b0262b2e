"""Translations as the console uses them: checked against the server's language pairs, kept in memory.

A translation is kept in this process's memory only (keyed by a SHA-256 of the language pair and text,
so the key holds no text), for ``TRANSLATION_CACHE_MINUTES`` at most and ``cache_size`` entries at most:
a page that polls every second translates each message once, and nothing is written to a database
that the retention purge would have to find. A server that failed is not asked again for
``RETRY_SECONDS``, so a page polling every second does not wait for a dead server every second.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.translation.client import Language, PairUnsupportedError, TranslationError, TranslationUnavailableError, Translator
from bot.translation.settings import TranslationSettings

RETRY_SECONDS = 30.0
LANGUAGES_SECONDS = 600.0
CONCURRENCY = 4


@dataclass(frozen=True)
class Batch:
    """The translations of several texts: those done, and why the others are not (None: all done)."""

    translations: dict[str, str]
    problem: TranslationError | None = None


@dataclass
class Translations:
    """A translator with a language-pair check, an in-memory cache and a pause after a failure."""

    translator: Translator
    ttl_seconds: float = 720 * 60.0
    size: int = 2000
    clock: Callable[[], float] = time.monotonic
    _cache: OrderedDict[str, tuple[float, str]] = field(default_factory=OrderedDict)
    _languages: tuple[float, list[Language]] | None = None
    _down_until: float = 0.0
    calls: int = 0  # requests made to the server (tests and logs)

    @classmethod
    def from_settings(cls, settings: TranslationSettings) -> Translations:
        """The LibreTranslate client with the configured cache."""
        from bot.translation.client import LibreTranslate

        return cls(LibreTranslate(settings), ttl_seconds=settings.cache_minutes * 60.0, size=settings.cache_size)

    def _check_up(self) -> None:
        if self.clock() < self._down_until:
            raise TranslationUnavailableError("the server failed a moment ago")

    def _failed(self) -> None:
        self._down_until = self.clock() + RETRY_SECONDS

    async def languages(self) -> list[Language]:
        """The server's languages (asked at most every ten minutes)."""
        now = self.clock()
        if self._languages is not None and now - self._languages[0] < LANGUAGES_SECONDS:
            return self._languages[1]
        self._check_up()
        self.calls += 1
        try:
            found = await self.translator.languages()
        except TranslationUnavailableError:
            self._failed()
            raise
        self._languages = (now, found)
        return found

    async def supports(self, source: str, target: str) -> bool:
        """Whether the server translates `source` into `target` (raises TranslationUnavailableError)."""
        if source == target:
            return True
        return any(language.code == source and target in language.targets for language in await self.languages())

    def _key(self, text: str, source: str, target: str) -> str:
        return hashlib.sha256(f"{source}\0{target}\0{text}".encode()).hexdigest()

    def cached(self, text: str, *, source: str, target: str) -> str | None:
        """A translation made within the cache's lifetime, else None."""
        key = self._key(text, source, target)
        found = self._cache.get(key)
        if found is None:
            return None
        if found[0] < self.clock():
            del self._cache[key]
            return None
        self._cache.move_to_end(key)
        return found[1]

    async def translate(self, text: str, *, source: str, target: str) -> str:
        """The text in `target`: from the cache, else from the server (raises TranslationError)."""
        if source == target or not text.strip():
            return text
        found = self.cached(text, source=source, target=target)
        if found is not None:
            return found
        if not await self.supports(source, target):
            raise PairUnsupportedError(f"{source} -> {target}")
        self._check_up()
        self.calls += 1
        try:
            translated = await self.translator.translate(text, source=source, target=target)
        except TranslationUnavailableError:
            self._failed()
            raise
        self._cache[self._key(text, source, target)] = (self.clock() + self.ttl_seconds, translated)
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)
        return translated

    async def translate_all(self, texts: Iterable[str], *, source: str, target: str) -> Batch:
        """Each distinct text translated (a few at a time); on the first failure the rest are left as written."""
        wanted = list(dict.fromkeys(t for t in texts if t.strip()))
        done: dict[str, str] = {}
        problems: list[TranslationError] = []
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(text: str) -> None:
            async with gate:
                if problems:
                    return
                try:
                    done[text] = await self.translate(text, source=source, target=target)
                except TranslationError as err:
                    problems.append(err)

        await asyncio.gather(*(one(text) for text in wanted))
        return Batch(done, problems[0] if problems else None)

    async def aclose(self) -> None:
        """Close the server's client and forget every translation."""
        self._cache.clear()
        await self.translator.aclose()
