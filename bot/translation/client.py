"""A client of LibreTranslate's HTTP API, the one self-hosted translation servers speak.

``GET /languages`` lists ``{"code", "name", "targets"}``; ``POST /translate`` takes
``{"q", "source", "target", "format": "text", "api_key"}`` and answers ``{"translatedText"}``.
Any other server can be plugged in by implementing ``Translator``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from bot.translation.settings import TranslationSettings

logger = logging.getLogger(__name__)


class TranslationError(Exception):
    """No translation: the message says why (for logs; the console words it for staff)."""


class TranslationUnavailableError(TranslationError):
    """The server is down, timed out, refused the key or gave an answer that is not a translation."""


class PairUnsupportedError(TranslationError):
    """The server cannot translate from this language into that one."""


@dataclass(frozen=True)
class Language:
    """A language the server reads, and the languages it translates it into."""

    code: str
    name: str
    targets: tuple[str, ...]


class Translator(Protocol):
    """A machine-translation server."""

    async def languages(self) -> list[Language]:
        """The languages the server offers."""

    async def translate(self, text: str, *, source: str, target: str) -> str:
        """The text translated (raises TranslationError)."""

    async def aclose(self) -> None:
        """Release the connections."""


class LibreTranslate:
    """LibreTranslate's API over httpx (the client made on first use, never at import)."""

    def __init__(self, settings: TranslationSettings, http: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self._http = http

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(base_url=self.settings.url, timeout=self.settings.timeout_seconds)
        return self._http

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = await self._client().request(method, f"{self.settings.url}{path}", json=body)
        except httpx.HTTPError as err:  # refused, timed out, reset
            raise TranslationUnavailableError(f"{path}: {type(err).__name__}") from err
        if response.status_code != 200:
            raise TranslationUnavailableError(f"{path}: HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as err:
            raise TranslationUnavailableError(f"{path}: not JSON") from err

    async def languages(self) -> list[Language]:
        """The server's languages, each with the codes it translates into."""
        found = await self._call("GET", "/languages")
        if not isinstance(found, list):
            raise TranslationUnavailableError("/languages: not a list")
        return [
            Language(code=str(item["code"]), name=str(item.get("name", item["code"])),
                     targets=tuple(str(code) for code in item.get("targets", [])))
            for item in found if isinstance(item, dict) and "code" in item
        ]

    async def translate(self, text: str, *, source: str, target: str) -> str:
        """The text in the target language (plain text, never HTML)."""
        body: dict[str, Any] = {"q": text, "source": source, "target": target, "format": "text"}
        if self.settings.api_key:
            body["api_key"] = self.settings.api_key
        answer = await self._call("POST", "/translate", body)
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(translated, str) or (text.strip() and not translated.strip()):
            raise TranslationUnavailableError("/translate: no translatedText")
        return translated

    async def aclose(self) -> None:
        """Close the HTTP client."""
        if self._http is not None:
            await self._http.aclose()
            self._http = None
