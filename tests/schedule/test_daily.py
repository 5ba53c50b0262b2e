"""Daily jobs run once per day across instances, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import sqlalchemy as sa

from bot.schedule import store
from bot.schedule.daily import DailyJob


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _instances(url: str, clock: Clock, ran: list[str], count: int = 3) -> list[DailyJob]:
    # Each instance has its own engine (its own connections), as separate processes would.
    return [
        DailyJob(sa.create_engine(url, future=True), "retention_purge", lambda i=i: ran.append(f"instance-{i}"), clock)
        for i in range(count)
    ]


async def _tick_all(jobs: list[DailyJob]) -> list[bool]:
    return list(await asyncio.gather(*(job.tick() for job in jobs)))


def test_three_instances_run_the_job_once_a_day(database_url: str) -> None:
    clock = Clock(datetime(2026, 12, 3, 2, 0))
    ran: list[str] = []
    jobs = _instances(database_url, clock, ran)
    assert sum(asyncio.run(_tick_all(jobs))) == 1
    clock.now += timedelta(hours=20)  # still the same day, checked again and again
    for _ in range(3):
        assert sum(asyncio.run(_tick_all(jobs))) == 0
    assert len(ran) == 1
    clock.now += timedelta(hours=3)  # the next day
    assert sum(asyncio.run(_tick_all(jobs))) == 1
    assert len(ran) == 2
    recorded = store.runs(jobs[0].engine, job="retention_purge")
    assert [r.day.isoformat() for r in recorded] == ["2026-12-03", "2026-12-04"]
    assert all(r.finished_at is not None and (r.outcome or "").startswith("ok") for r in recorded)


def test_a_failing_run_is_recorded_and_the_next_day_runs_again(database_url: str) -> None:
    clock = Clock(datetime(2026, 12, 3, 2, 0))
    calls: list[int] = []

    def job() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database busy")

    daily = DailyJob(sa.create_engine(database_url, future=True), "retention_purge", job, clock)
    assert asyncio.run(daily.tick()) is True
    assert store.runs(daily.engine, job="retention_purge")[0].outcome == "failed: RuntimeError"
    clock.now += timedelta(days=1)
    assert asyncio.run(daily.tick()) is True
    assert len(calls) == 2


def test_the_scheduler_survives_a_database_that_is_down(tmp_path: object) -> None:
    ran: list[int] = []
    broken = DailyJob(sa.create_engine("postgresql://nobody@127.0.0.1:1/none", future=True), "x", lambda: ran.append(1))

    async def run_briefly() -> None:
        task = asyncio.create_task(broken.run_forever(0.01))
        await asyncio.sleep(0.2)
        assert not task.done()  # still checking, not crashed
        task.cancel()

    asyncio.run(run_briefly())
    assert ran == []
