"""A local stand-in of LibreTranslate's HTTP API for tests: deterministic fake translations, no model.

``POST /translate`` answers ``{"translatedText": "[fr→es] <text>"}``; ``GET /languages`` lists the
configured codes, each translating into every other (by default without Haitian Creole, as many
LibreTranslate installations). ``mode`` makes it fail: ``"down"`` (HTTP 503), ``"slow"`` (answers after
the client's timeout), ``"garbage"`` (not a translation).
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

DEFAULT_LANGUAGES = ("en", "es", "fr", "pt")
NAMES = {"en": "English", "es": "Spanish", "fr": "French", "pt": "Portuguese", "ht": "Haitian Creole"}
# A fixed range keeps test servers apart from other services on a shared machine.
PORTS = range(58300, 58400)


def fake(text: str, source: str, target: str) -> str:
    """What the stand-in returns for a text."""
    return f"[{source}→{target}] {text}"


def _port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class StandIn:
    """The stand-in server's state: its languages, how it fails, and what it was asked."""

    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    api_key: str = ""
    mode: str = "ok"  # ok | down | slow | garbage
    slow_seconds: float = 3.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def translate_requests(self) -> list[dict[str, Any]]:
        """The bodies of the POST /translate requests."""
        return [r for r in self.requests if r.get("path") == "/translate"]

    async def _fail(self) -> web.Response | None:
        if self.mode == "down":
            return web.json_response({"error": "Service unavailable"}, status=503)
        if self.mode == "slow":  # past the client's timeout; woken at stop so no request is left pending
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=self.slow_seconds)
            except asyncio.TimeoutError:
                pass
        return None

    async def _languages(self, _request: web.Request) -> web.Response:
        self.requests.append({"path": "/languages"})
        failed = await self._fail()
        if failed is not None:
            return failed
        return web.json_response([
            {"code": code, "name": NAMES.get(code, code), "targets": [t for t in self.languages if t != code]}
            for code in self.languages
        ])

    async def _translate(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append({"path": "/translate", **body})
        failed = await self._fail()
        if failed is not None:
            return failed
        if self.api_key and body.get("api_key") != self.api_key:
            return web.json_response({"error": "Invalid API key"}, status=403)
        source, target = body.get("source"), body.get("target")
        for code in (source, target):
            if code not in self.languages:
                return web.json_response({"error": f"{code} is not supported"}, status=400)
        if self.mode == "garbage":
            return web.json_response({"detail": "nothing"})
        return web.json_response({"translatedText": fake(str(body["q"]), str(source), str(target))})

    async def start(self) -> str:
        """Serve on 127.0.0.1; return the base URL."""
        app = web.Application()
        app.router.add_get("/languages", self._languages)
        app.router.add_post("/translate", self._translate)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        port = _port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        """Stop serving."""
        self._stopping.set()
        if self._runner is not None:
            await asyncio.sleep(0.05)  # let a slow answer finish
            await self._runner.cleanup()
            self._runner = None
