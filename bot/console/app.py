"""The console application: the web layer (``bot.console.web``) and its views, put together.

Views import the web layer; only this module imports the views, so there is no import cycle.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import (
    i18n,
    views_account,
    views_admin,
    views_alerts,
    views_auth,
    views_chat,
    views_desk,
    views_evidence,
)
from bot.console.web import HERE, MAX_FORM_BYTES, Console, after_response, before_request, too_large_message
from bot.privacy.purge import scheduled_purge
from bot.schedule.daily import DailyJob

logger = logging.getLogger(__name__)


def create_app(state: Console, name: str | None = None) -> Sanic:
    """The console application over a shared state (one per process; tests make several)."""
    app = Sanic(name or f"console_{uuid.uuid4().hex[:8]}")
    app.config.REQUEST_MAX_SIZE = MAX_FORM_BYTES
    app.config.PROXIES_COUNT = state.settings.proxies_count
    app.ctx.console = state
    app.register_middleware(before_request, "request")
    app.register_middleware(after_response, "response")
    app.static("/static", str(HERE / "static"), name="static")
    for module in (views_auth, views_account, views_admin, views_alerts, views_chat, views_desk, views_evidence):
        app.blueprint(module.blueprint)

    jobs: list[asyncio.Task[None]] = []

    async def _start_jobs(_app: Sanic, _loop: Any) -> None:
        # The console runs once per deployment and is supervised: it runs the daily jobs. The claim in the
        # database keeps them to once a day even when several consoles run.
        if state.settings.schedule_poll_seconds > 0:
            purge = DailyJob(state.engine, "retention_purge", scheduled_purge)
            jobs.append(asyncio.create_task(purge.run_forever(state.settings.schedule_poll_seconds)))

    async def _close(_app: Sanic, _loop: Any) -> None:
        for task in jobs:
            task.cancel()
        if state.http is not None:
            await state.http.aclose()
            state.http = None
        if state.translations is not None:
            await state.translations.aclose()
        closing = getattr(state._throttle.store, "close", None) if state._throttle is not None else None
        if closing is not None:
            await closing()
            state._throttle = None

    app.register_listener(_start_jobs, "after_server_start")
    app.register_listener(_close, "after_server_stop")

    @app.exception(Exception)
    async def _error(request: Request, exception: Exception) -> HTTPResponse:
        status = getattr(exception, "status_code", 500)
        if isinstance(exception, IsADirectoryError):  # "/static/": the folder is not a page
            status = 404
        if status >= 500:
            logger.error("console error: %s", type(exception).__name__)
        i18n.use(getattr(request.ctx, "language", None) or i18n.negotiate(request.headers.get("accept-language"),
                                                                           state.settings.default_language))
        if status == 413:
            message = too_large_message()
        elif status == 404:
            message = i18n.gettext("Not found.")
        else:
            message = i18n.gettext("Something went wrong.")
        return response.text(message, status=status)

    return app
