"""Persistence of daily job runs: one row per job and day, the primary key makes the claim exclusive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

metadata = sa.MetaData()

job_runs = sa.Table(
    "job_runs",
    metadata,
    sa.Column("job", sa.String(64), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("outcome", sa.String(200)),
)


@dataclass(frozen=True)
class JobRun:
    """One day's run of a job."""

    job: str
    day: date
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None


def claim(engine: Engine, *, job: str, day: date, now: datetime) -> bool:
    """Claim the job's run for the day; False when another instance already has it."""
    try:
        with engine.begin() as connection:
            connection.execute(sa.insert(job_runs).values(job=job, day=day, started_at=now))
    except IntegrityError:
        return False
    return True


def finish(engine: Engine, *, job: str, day: date, now: datetime, outcome: str) -> None:
    """Record how the day's run ended (a short, non-personal summary)."""
    with engine.begin() as connection:
        connection.execute(
            sa.update(job_runs).where(job_runs.c.job == job, job_runs.c.day == day).values(finished_at=now, outcome=outcome[:200])
        )


def runs(engine: Engine, *, job: str) -> list[JobRun]:
    """Every recorded run of a job, oldest first."""
    query = sa.select(job_runs).where(job_runs.c.job == job).order_by(job_runs.c.day)
    with engine.connect() as connection:
        return [JobRun(r.job, r.day, r.started_at, r.finished_at, r.outcome) for r in connection.execute(query)]
