"""Reach a person through their own channel from outside a channel's turn (the desk console).

``output_for`` gives the channel's OutputChannel for a conversation; what it sends goes to that
channel's persistent outbox, and the channel's sender (in the Rasa process) delivers it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from rasa.core.channels.channel import OutputChannel
from sqlalchemy.engine import Engine

from bot.channels import registry
from bot.db import utc_now

T = TypeVar("T")


UnknownChannelError = registry.UnknownChannelError  # a channel the console cannot write to


class ThreadRunner:
    """Runs a channel-store function in a thread (the console has no StoreRunner of its own)."""

    def __init__(self, engine: Engine) -> None:
        """Run against this engine."""
        self.engine = engine

    async def __call__(self, function: Callable[..., T], /, *, priority: int = 1, **kwargs: Any) -> T:
        """Run ``function(engine, **kwargs)`` in a worker thread."""
        return await asyncio.to_thread(function, self.engine, **kwargs)


def output_for(
    channel: str, engine: Engine, *, conversation_id: str, source_ref: str, clock: Callable[[], datetime] = utc_now
) -> OutputChannel:
    """The output of `channel` for one conversation; `source_ref` makes a retried send idempotent."""
    channel_class = registry.get(channel).load()  # UnknownChannelError: not a messaging channel
    return channel_class.console_output(ThreadRunner(engine), conversation_id=conversation_id, source_ref=source_ref, clock=clock)
