"""The desk: the live queue and the conversation pages (built on bot.handoff.store)."""

from __future__ import annotations

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.web import render, signed_in

blueprint = Blueprint("desk")


@blueprint.get("/queue")
@signed_in()
async def queue_page(request: Request) -> HTTPResponse:
    """The queue page (its rows come from /api/queue)."""
    return render(request, "queue.html")
