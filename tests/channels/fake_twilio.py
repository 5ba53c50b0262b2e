"""A local stand-in for the part of Twilio's Messages API the channel uses, able to fail on demand."""

from __future__ import annotations

import asyncio
import base64
import random
import socket
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Sent:
    """One message the fake API accepted."""

    sid: str
    from_: str
    to: str
    body: str
    status_callback: str
    content_sid: str = ""  # an approved template (what may go outside WhatsApp's 24-hour window)
    content_variables: str = ""


@dataclass
class FakeTwilio:
    """Messages API at http://127.0.0.1:<port>; `failures` is a queue of 429, 500 or 'timeout'."""

    account_sid: str
    auth_token: str
    sent: list[Sent] = field(default_factory=list)
    failures: list[int | str] = field(default_factory=list)
    calls: int = 0
    hang_seconds: float = 2.0
    failure_rate: float = 0.0
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    port: int = 0
    address_prefix: str = "whatsapp:"  # how the channel under test writes addresses ("" for SMS)
    _runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        """The API base URL to configure the channel with."""
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, *failures: int | str) -> None:
        """Fail the next calls, in order (429, 500, 503 or 'timeout')."""
        self.failures.extend(failures)

    def bodies_to(self, address: str) -> list[str]:
        """What was delivered to one person, in order (`address` in WhatsApp's or SMS's form)."""
        expected = self.address_prefix + address.removeprefix("whatsapp:")
        return [message.body for message in self.sent if message.to == expected]

    async def _messages(self, request: web.Request) -> web.Response:
        self.calls += 1
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return web.json_response({"code": 20003, "message": "Authenticate"}, status=401)
        if request.match_info["sid"] != self.account_sid:
            return web.json_response({"code": 20404}, status=404)
        if self.failures:
            failure = self.failures.pop(0)
            if failure == "timeout":
                await asyncio.sleep(self.hang_seconds)
                return web.json_response({"code": 20500}, status=500)
            return web.json_response({"code": int(failure)}, status=int(failure))
        if self.failure_rate and self.rng.random() < self.failure_rate:
            return web.json_response({"code": 20500}, status=self.rng.choice([429, 500, 503]))
        form = await request.post()
        missing = [name for name in ("From", "To") if not form.get(name)]
        if not form.get("Body") and not form.get("ContentSid"):  # Twilio: a message needs a Body or a ContentSid
            missing.append("Body")
        if missing:
            return web.json_response({"code": 21602, "missing": missing}, status=400)
        sid = f"SM{len(self.sent):032x}"
        self.sent.append(Sent(sid, str(form["From"]), str(form["To"]), str(form.get("Body", "")),
                              str(form.get("StatusCallback", "")), str(form.get("ContentSid", "")),
                              str(form.get("ContentVariables", ""))))
        return web.json_response({"sid": sid, "status": "queued"}, status=201)

    async def _report(self, _request: web.Request) -> web.Response:
        return web.json_response({"calls": self.calls, "sent": [[m.to, m.body] for m in self.sent],
                                  "templates": [m.content_sid for m in self.sent]})

    async def start(self) -> None:
        """Serve on a free local port (GET /_sent reports what was accepted, for benchmarks)."""
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._messages)
        app.router.add_get("/_sent", self._report)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
