"""What ops watch, in figures: backlog, deadlines met and missed, work that looks stuck, the
outbox's age and dead notification deliveries. Read-only and aggregate, except the list of
stuck complaints (ids and tracking codes only: no text, no identity)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from aduan.domain.vocabulary import DeadlineKind, Status

_LEGAL = [str(k) for k in DeadlineKind if k.legal]
# A deadline the workflow has not marked missed this long after it fell due: its timer did
# not fire (no worker, a stuck lifecycle), or the step failed.
STUCK_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Watch:
    """The figures of the ops page."""

    backlog: list[asyncpg.Record]  # unit, status, n
    deadlines: list[asyncpg.Record]  # unit, complaint_class, met, missed
    stuck: list[asyncpg.Record]  # id, tracking_code, unit, kind, due_at
    outbox_waiting: int
    outbox_oldest: datetime | None
    dead_deliveries: int


@dataclass(frozen=True)
class Alarms:
    """The figures ops are alerted on (intake's /metrics): counts only, no complaint."""

    outbox_pending: int  # events not yet published to JetStream
    outbox_oldest: datetime | None  # when the oldest of them was written
    dead_deliveries: int
    stuck_deadlines: int  # legal deadlines past due by STUCK_AFTER that no step marked


async def alarms(pool: asyncpg.Pool, now: datetime) -> Alarms:
    """The alarm figures at `now`, from the partial indexes of unpublished outbox rows, dead
    deliveries and open deadlines (cheap enough for every intake replica to read often)."""
    outbox = await pool.fetchrow(
        "SELECT count(*) AS n, min(created_at) AS oldest FROM outbox WHERE published_at IS NULL"
    )
    dead = await pool.fetchval("SELECT count(*) FROM deliveries WHERE status = 'dead'")
    stuck = await pool.fetchval(
        """SELECT count(*) FROM deadlines d JOIN complaints c ON c.id = d.complaint_id
        WHERE d.kind = ANY($1::text[]) AND d.met_at IS NULL AND d.missed_at IS NULL
          AND d.due_at < $2 AND c.status <> $3""",
        _LEGAL,
        now - STUCK_AFTER,
        Status.CLOSED,
    )
    return Alarms(outbox["n"], outbox["oldest"], dead, stuck)


async def watch(pool: asyncpg.Pool, now: datetime, month_start: datetime) -> Watch:
    """Every figure at `now`; deadlines count from `month_start` (the provider's month)."""
    backlog = await pool.fetch(
        """SELECT COALESCE(unit, '') AS unit, status, count(*) AS n FROM complaints
        WHERE status <> $1 GROUP BY 1, 2 ORDER BY 1, 2""",
        Status.CLOSED,
    )
    deadlines = await pool.fetch(
        """SELECT COALESCE(c.unit, '') AS unit, COALESCE(c.complaint_class, '') AS complaint_class,
               count(*) FILTER (WHERE d.met_at IS NOT NULL AND d.missed_at IS NULL) AS met,
               count(*) FILTER (WHERE d.missed_at IS NOT NULL) AS missed
        FROM deadlines d JOIN complaints c ON c.id = d.complaint_id
        WHERE d.kind = ANY($1::text[]) AND d.due_at >= $2 AND d.due_at < $3
        GROUP BY 1, 2 ORDER BY 1, 2""",
        _LEGAL,
        month_start,
        now,
    )
    stuck = await pool.fetch(
        """SELECT c.id, c.tracking_code, c.unit, d.kind, d.due_at
        FROM deadlines d JOIN complaints c ON c.id = d.complaint_id
        WHERE d.kind = ANY($1::text[]) AND d.met_at IS NULL AND d.missed_at IS NULL
          AND d.due_at < $2 AND c.status <> $3
        ORDER BY d.due_at LIMIT 100""",
        _LEGAL,
        now - STUCK_AFTER,
        Status.CLOSED,
    )
    outbox = await pool.fetchrow(
        """SELECT count(*) AS n, min(created_at) AS oldest FROM outbox
        WHERE published_at IS NULL AND created_at < $1""",
        now - timedelta(minutes=1),
    )
    dead = await pool.fetchval("SELECT count(*) FROM deliveries WHERE status = 'dead'")
    return Watch(backlog, deadlines, stuck, outbox["n"], outbox["oldest"], dead)
