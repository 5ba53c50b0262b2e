"""Try the assistant: a web chat that talks to Rasa's REST channel through the console.

The browser never names its conversation: the console gives each browser a random sender id in an
HttpOnly cookie and forwards to ``RASA_URL`` on localhost, so the REST channel (which trusts any
``sender``) is not exposed. Message texts are never logged.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import httpx
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.i18n import gettext as _
from bot.console.web import console, render, set_cookie

logger = logging.getLogger(__name__)
blueprint = Blueprint("chat")
CHAT_COOKIE = "vc_chat"
MAX_MESSAGE = 1000


@blueprint.get("/try")
async def try_page(request: Request) -> HTTPResponse:
    """The web chat page (open to anyone who can reach the console)."""
    resp = render(request, "try.html")
    if not request.cookies.get(CHAT_COOKIE):
        set_cookie(request, resp, CHAT_COOKIE, "try-" + secrets.token_hex(12))
    return resp


@blueprint.post("/api/try")
async def try_message(request: Request) -> HTTPResponse:
    """Forward one message to Rasa as this browser's conversation; return the bot's replies."""
    state = console(request)
    sender = request.cookies.get(CHAT_COOKIE)
    if not sender or not sender.startswith("try-"):
        return response.json({"error": _("reload the page to start a conversation")}, status=400)
    body = request.json if isinstance(request.json, dict) else {}
    offered: dict[str, list[str]] = state.extras.setdefault("try_buttons", {})
    payload = str(body.get("payload") or "")
    if payload:
        # Only a button the bot offered this browser becomes an intent payload.
        if payload not in offered.get(sender, []):
            return response.json({"error": _("that button has expired")}, status=400)
        text = payload
    else:
        # Typed text that starts with "/" would be read as an intent with entities (see the pitfalls note).
        text = str(body.get("message") or "").strip().lstrip("/").strip()[:MAX_MESSAGE]
    if not text:
        return response.json({"error": _("empty message")}, status=400)
    try:
        reply = await state.client().post(state.settings.rasa_url, json={"sender": sender, "message": text})
        reply.raise_for_status()
        messages = reply.json()
    except (httpx.HTTPError, ValueError) as err:
        logger.warning("try the assistant: Rasa did not answer (%s)", type(err).__name__)
        return response.json({"error": _("the assistant is not answering right now")}, status=502)
    out: list[dict[str, Any]] = [
        {"text": str(m.get("text", "")), "buttons": [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                                                     for b in m.get("buttons") or []]}
        for m in messages if isinstance(m, dict) and (m.get("text") or m.get("buttons"))
    ]
    if len(offered) > 10_000:
        offered.clear()
    offered[sender] = [b["payload"] for m in out for b in m["buttons"] if b["payload"]]
    return response.json({"messages": out})
