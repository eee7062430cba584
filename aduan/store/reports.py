"""What the monthly SLA report reads: the complaints received in a span, with their legal
deadlines, escalations and extensions. Handling facts only: no complainant, no complaint text
(docs/reports.md)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

import asyncpg

from aduan.domain.events import EventType
from aduan.domain.reports import (
    REPORTED,
    ComplaintFacts,
    DeadlineFacts,
    EscalationFacts,
    ExtensionFacts,
)
from aduan.domain.vocabulary import DeadlineKind, EscalationLevel, Status

# The complaints of the span, restricted to one unit when $3 is not null; every query below
# joins the same set, so one round trip each whatever the month's size.
_RECEIVED = """c.received_at >= $1 AND c.received_at < $2 AND ($3::text IS NULL OR c.unit = $3)"""


async def received_between(
    pool: asyncpg.Pool, start: datetime, end: datetime, unit: str | None = None
) -> list[ComplaintFacts]:
    """The facts of every complaint received in [start, end), of `unit` if given."""
    # One snapshot for the three reads: a transition recorded meanwhile shows in all or none.
    async with (
        pool.acquire() as connection,
        connection.transaction(isolation="repeatable_read", readonly=True),
    ):
        complaints = await connection.fetch(
            f"""SELECT c.id, c.tracking_code, c.received_at, c.status, c.unit, c.complaint_class,
                   c.channel, c.outcome, c.escalation_level,
                   COALESCE((SELECT t.data->>'category' FROM timeline t
                             WHERE t.complaint_id = c.id AND t.event_type = $4
                             ORDER BY t.occurred_at DESC, t.id DESC LIMIT 1),
                            c.category) AS category,
                   (SELECT max(t.occurred_at) FROM timeline t
                    WHERE t.complaint_id = c.id AND t.event_type = $5) AS closed_at
            FROM complaints c WHERE {_RECEIVED} ORDER BY c.received_at, c.tracking_code""",
            start,
            end,
            unit,
            EventType.ROUTED,
            EventType.CLOSED,
        )
        deadlines = await connection.fetch(
            f"""SELECT d.complaint_id, d.kind, d.due_at, d.met_at, d.missed_at
            FROM deadlines d JOIN complaints c ON c.id = d.complaint_id
            WHERE {_RECEIVED} AND d.kind = ANY($4::text[])""",
            start,
            end,
            unit,
            [str(kind) for kind in REPORTED],
        )
        steps = await connection.fetch(
            f"""SELECT t.complaint_id, t.event_type, t.data, t.occurred_at
            FROM timeline t JOIN complaints c ON c.id = t.complaint_id
            WHERE {_RECEIVED} AND t.event_type = ANY($4::text[])
            ORDER BY t.occurred_at, t.id""",
            start,
            end,
            unit,
            [EventType.ESCALATED, EventType.EXTENDED],
        )
    by_complaint: dict[uuid.UUID, list[DeadlineFacts]] = defaultdict(list)
    for d in deadlines:
        by_complaint[d["complaint_id"]].append(
            DeadlineFacts(DeadlineKind(d["kind"]), d["due_at"], d["met_at"], d["missed_at"])
        )
    escalations: dict[uuid.UUID, list[EscalationFacts]] = defaultdict(list)
    extensions: dict[uuid.UUID, list[ExtensionFacts]] = defaultdict(list)
    for step in steps:
        data: dict[str, Any] = step["data"] or {}
        if step["event_type"] == EventType.ESCALATED:
            escalations[step["complaint_id"]].append(
                EscalationFacts(
                    EscalationLevel(data["level"]), step["occurred_at"], data.get("deadline")
                )
            )
        else:
            due = data.get("due_at")
            extensions[step["complaint_id"]].append(
                ExtensionFacts(
                    step["occurred_at"],
                    str(data.get("by", "")),
                    str(data.get("reason", "")),
                    datetime.fromisoformat(due) if due else None,
                )
            )
    return [
        ComplaintFacts(
            tracking_code=c["tracking_code"],
            received_at=c["received_at"],
            status=Status(c["status"]),
            unit=c["unit"],
            complaint_class=c["complaint_class"],
            category=c["category"],
            channel=c["channel"],
            outcome=c["outcome"],
            escalation_level=EscalationLevel(c["escalation_level"]),
            closed_at=c["closed_at"],
            deadlines=tuple(by_complaint[c["id"]]),
            escalations=tuple(escalations[c["id"]]),
            extensions=tuple(extensions[c["id"]]),
        )
        for c in complaints
    ]
