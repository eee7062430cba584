"""Field checks as the desk lists them: read from the timeline, where the lifecycle records
each scheduling and each set of findings (no table of their own to keep in step)."""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg

from aduan.domain.events import EventType


async def visits(pool: asyncpg.Pool, inspector: str, day: date) -> list[asyncpg.Record]:
    """The visits `inspector` has on `day`: the latest scheduling of each complaint still
    open, not yet followed by findings or another scheduling, earliest scheduled first."""
    rows: list[asyncpg.Record] = await pool.fetch(
        """SELECT c.id, c.tracking_code, c.status, c.unit, c.category, c.location,
               c.complainant, c.account_ref, s.data->>'scope' AS scope, s.occurred_at
        FROM timeline s JOIN complaints c ON c.id = s.complaint_id
        WHERE s.event_type = $3 AND s.data->>'inspector' = $1 AND s.data->>'date' = $2
          AND c.status <> 'closed'
          AND NOT EXISTS (SELECT 1 FROM timeline later
              WHERE later.complaint_id = s.complaint_id AND later.id > s.id
                AND later.event_type = ANY($4::text[]))
        ORDER BY s.occurred_at""",
        inspector,
        day.isoformat(),
        EventType.FIELD_CHECK_SCHEDULED.value,
        [EventType.FIELD_CHECK_SCHEDULED.value, EventType.FIELD_CHECK_RECORDED.value],
    )
    return rows


async def pending(pool: asyncpg.Pool, complaint_id: uuid.UUID) -> asyncpg.Record | None:
    """The complaint's field check scheduled and not yet recorded, if any."""
    row: asyncpg.Record | None = await pool.fetchrow(
        """SELECT s.event_type, s.data, s.occurred_at FROM timeline s
        WHERE s.complaint_id = $1 AND s.event_type = ANY($2::text[])
        ORDER BY s.id DESC LIMIT 1""",
        complaint_id,
        [EventType.FIELD_CHECK_SCHEDULED.value, EventType.FIELD_CHECK_RECORDED.value],
    )
    if row is None or row["event_type"] == EventType.FIELD_CHECK_RECORDED:
        return None
    return row
