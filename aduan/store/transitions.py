"""Recording a lifecycle transition: status, timeline row, deadlines and event, atomically."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
from pydantic import BaseModel, Field

from aduan.domain.events import new_event
from aduan.store import outbox


class DeadlineChange(BaseModel):
    """Set a deadline (started_at + due_at), or mark one met or missed."""

    kind: str
    started_at: datetime | None = None
    due_at: datetime | None = None
    met_at: datetime | None = None
    missed_at: datetime | None = None


class Transition(BaseModel):
    """One step of a lifecycle; `step` is unique per complaint, so recording twice is a no-op."""

    complaint_id: uuid.UUID
    step: str
    event_type: str
    status: str
    escalation_level: str
    occurred_at: datetime
    public: bool = True
    outcome: str | None = None
    unit: str | None = None
    officer: str | None = None
    reassigned: bool = False  # unit and officer are replaced, a missing officer included
    complaint_class: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    deadlines: list[DeadlineChange] = Field(default_factory=list)


async def record(pool: asyncpg.Pool, t: Transition) -> bool:
    """Write the transition once; False if this step was already recorded."""
    return (await record_all(pool, [t]))[0]


async def record_all(pool: asyncpg.Pool, batch: Sequence[Transition]) -> list[bool]:
    """Write transitions of one instant in one database transaction, in order, each once;
    for each, False if its step was already recorded."""
    async with pool.acquire() as connection, connection.transaction():
        return [await _record(connection, t) for t in batch]


async def _record(connection: asyncpg.Connection, t: Transition) -> bool:
    inserted = await connection.fetchval(
        """INSERT INTO timeline (complaint_id, step, event_type, status, escalation_level,
               public, data, occurred_at)
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
        ON CONFLICT (complaint_id, step) DO NOTHING RETURNING id""",
        t.complaint_id,
        t.step,
        t.event_type,
        t.status,
        t.escalation_level,
        t.public,
        t.data,
        t.occurred_at,
    )
    if inserted is None:
        return False
    await connection.execute(
        """UPDATE complaints SET status = $2, escalation_level = $3,
               outcome = COALESCE($4, outcome), unit = COALESCE($5, unit),
               officer = CASE WHEN $9 THEN $6 ELSE COALESCE($6, officer) END,
               complaint_class = COALESCE($7, complaint_class), updated_at = $8
        WHERE id = $1""",
        t.complaint_id,
        t.status,
        t.escalation_level,
        t.outcome,
        t.unit,
        t.officer,
        t.complaint_class,
        t.occurred_at,
        t.reassigned,
    )
    for change in t.deadlines:
        await _apply_deadline(connection, t.complaint_id, change)
    data = {
        **t.data,
        "status": t.status,
        "escalation_level": t.escalation_level,
        "outcome": t.outcome,
        "unit": t.unit,
        "public": t.public,
    }
    await outbox.enqueue(
        connection, new_event(t.event_type, t.complaint_id, t.occurred_at, data, step=t.step)
    )
    return True


async def _apply_deadline(
    connection: asyncpg.Connection, complaint_id: uuid.UUID, change: DeadlineChange
) -> None:
    if change.due_at is not None:
        await connection.execute(
            """INSERT INTO deadlines (complaint_id, kind, started_at, due_at)
            VALUES ($1, $2, $3, $4) ON CONFLICT (complaint_id, kind)
            DO UPDATE SET started_at = EXCLUDED.started_at, due_at = EXCLUDED.due_at,
                met_at = NULL, missed_at = NULL""",  # a deadline set anew is open again
            complaint_id,
            change.kind,
            change.started_at or change.due_at,
            change.due_at,
        )
    if change.met_at is not None or change.missed_at is not None:
        await connection.execute(
            """UPDATE deadlines SET met_at = COALESCE($3, met_at),
                   missed_at = COALESCE($4, missed_at)
            WHERE complaint_id = $1 AND kind = $2""",
            complaint_id,
            change.kind,
            change.met_at,
            change.missed_at,
        )
