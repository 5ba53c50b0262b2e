"""Fixtures of the console tests: a migrated database, the console served on a local port, browsers."""

from __future__ import annotations

import asyncio
import re
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from sanic import Sanic
from sqlalchemy.engine import Engine

from bot.console import store
from bot.console.app import create_app
from bot.console.security import hash_password
from bot.console.settings import ConsoleSettings
from bot.console.web import Console
from bot.desk import staff as _staff  # noqa: F401  (imports Rasa before the policy reset)
from tests.infodb_fixtures import migrated, postgres_url, sqlite_url

Sanic.test_mode = True
# Importing Rasa's channel modules switches asyncio to uvloop's policy, which has no loop outside
# a running one; pytest-asyncio expects the default policy.
asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())
PASSWORD = "correct horse battery"
SECRET = "console-test-secret-0123456789abcdef"


class Clock:
    """A UTC clock the tests can move forward."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.utcnow() + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_settings(database_url: str, **overrides: Any) -> ConsoleSettings:
    values: dict[str, Any] = dict(
        host="127.0.0.1", port=0, secret=SECRET, secure_cookies=False, idle_timeout_minutes=30, max_failed_signins=5,
        lockout_minutes=15, rasa_url="http://127.0.0.1:9/webhooks/rest/webhook", database_url=database_url,
        tracker_database_url=database_url, poll_interval_ms=200, default_language="en",
    )
    values.update(overrides)
    return ConsoleSettings(**values)


@dataclass
class Served:
    """The console on a local port, with its state (to reach the database and the clock)."""

    state: Console
    url: str
    clock: Clock
    server: Any
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    @property
    def engine(self) -> Engine:
        return self.state.engine

    def add_staff(self, username: str, role: str = "agent", desk_id: int | None = None, password: str = PASSWORD) -> store.Staff:
        return store.create_staff(self.engine, username=username, display_name=username.title(),
                                  password_hash=hash_password(password), role=role, desk_id=desk_id, now=self.clock())

    def browser(self) -> Browser:
        client = httpx.AsyncClient(base_url=self.url, timeout=10)
        self.clients.append(client)
        return Browser(client)


CSRF = re.compile(r'(?:name="csrf" value|data-csrf)="([0-9a-f]+)"')


@dataclass
class Browser:
    """An HTTP client that keeps cookies and fills in CSRF tokens as the pages' forms do."""

    http: httpx.AsyncClient
    csrf: str | None = None

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        response = await self.http.get(path, **kwargs)
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    async def post(self, path: str, data: dict[str, str] | None = None, csrf: bool = True, **kwargs: Any) -> httpx.Response:
        form = dict(data or {})
        if csrf:
            if self.csrf is None:
                await self.get("/signin")
            form["csrf"] = self.csrf or ""
        response = await self.http.post(path, data=form, **kwargs)
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    async def sign_in(self, username: str, password: str = PASSWORD) -> httpx.Response:
        await self.get("/signin")
        response = await self.post("/signin", {"username": username, "password": password})
        if response.status_code == 302:
            await self.get("/queue")
        return response


async def serve(state: Console) -> tuple[Any, str]:
    port = free_port()
    app = create_app(state, name=f"console_test_{uuid.uuid4().hex[:8]}")
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    return server, f"http://127.0.0.1:{port}"


async def stop(served: Served) -> None:
    for client in served.clients:
        await client.aclose()
    await asyncio.sleep(0.05)  # let the server see the clients' connections close
    await served.server.before_stop()
    served.server.close()
    await served.server.wait_closed()
    await served.server.after_stop()
    await asyncio.sleep(0.05)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    url = sqlite_url(tmp_path)
    migrated(url, seed=True)
    return url


@pytest.fixture
def pg_database_url() -> Iterator[str]:
    for url in postgres_url():
        migrated(url, seed=True)
        yield url


@pytest.fixture
async def console(database_url: str) -> AsyncIterator[Served]:
    from bot.infodb.session import engine_for

    clock = Clock()
    state = Console(settings=make_settings(database_url), engine=engine_for(database_url), clock=clock)
    server, url = await serve(state)
    served = Served(state, url, clock, server)
    yield served
    await stop(served)


@pytest.fixture
async def fake_rasa(console: Served) -> AsyncIterator[list[dict[str, str]]]:
    received: list[dict[str, str]] = []

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        received.append(body)
        if body["message"] == "hola":
            return web.json_response([{"recipient_id": body["sender"], "text": "¡Hola! ¿Qué necesitas?",
                                       "buttons": [{"title": "Ayuda", "payload": "/find_help_point"}]}])
        return web.json_response([{"recipient_id": body["sender"], "text": "ok"}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    console.state.settings = console.state.settings.__class__(
        **{**console.state.settings.__dict__, "rasa_url": f"http://127.0.0.1:{port}/webhooks/rest/webhook"})
    yield received
    await runner.cleanup()
