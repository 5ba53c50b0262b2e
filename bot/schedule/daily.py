"""Run a job once per (UTC) day across instances: check every few minutes, run when this instance claims the day."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from bot.db import utc_now
from bot.schedule import store

logger = logging.getLogger(__name__)


class DailyJob:
    """A job (a blocking function) run at most once per day by whichever instance claims the day first."""

    def __init__(self, engine: Engine, name: str, job: Callable[[], Any], clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.name = name
        self.job = job
        self.clock = clock

    async def tick(self) -> bool:
        """Run the job if this instance claims today's run; True when it ran here."""
        now = self.clock()
        day = now.date()
        if not await asyncio.to_thread(store.claim, self.engine, job=self.name, day=day, now=now):
            return False
        try:
            result = await asyncio.to_thread(self.job)
            outcome = f"ok: {result}"
        except Exception as err:
            logger.error("daily job %s failed (%s)", self.name, type(err).__name__)
            outcome = f"failed: {type(err).__name__}"
        await asyncio.to_thread(store.finish, self.engine, job=self.name, day=day, now=self.clock(), outcome=outcome)
        logger.info("daily job %s ran for %s", self.name, day.isoformat())
        return True

    async def run_forever(self, poll_seconds: float) -> None:
        """Check every ``poll_seconds`` until cancelled; a database that is down is retried next time."""
        while True:
            try:
                await self.tick()
            except Exception as err:
                logger.warning("daily job %s not checked (%s); retrying", self.name, type(err).__name__)
            await asyncio.sleep(poll_seconds)
