"""The access log in PostgreSQL: rows appended, read newest first by complaint or by staff
member. The table refuses UPDATE, DELETE and TRUNCATE itself (migration 0015)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg

from aduan.domain.access_log import Detail

PAGE_MAX = 500


@dataclass(frozen=True)
class Entry:
    """One row to append: who (user, role, unit), what, on which complaint, from where."""

    username: str
    role: str
    unit: str | None
    action: str
    complaint_id: uuid.UUID | None = None
    identity_shown: bool = False
    source: str | None = None
    user_agent: str | None = None
    detail: Detail = field(default_factory=dict)


async def append(pool: asyncpg.Pool, entries: Sequence[Entry]) -> None:
    """Append `entries` in one statement: all of them are written, or none."""
    if not entries:
        return
    await pool.execute(
        """INSERT INTO access_log (username, role, unit, action, complaint_id, identity_shown,
            source, user_agent, detail)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[],
            $6::boolean[], $7::text[], $8::text[], $9::jsonb[])""",
        [e.username for e in entries],
        [e.role for e in entries],
        [e.unit for e in entries],
        [e.action for e in entries],
        [e.complaint_id for e in entries],
        [e.identity_shown for e in entries],
        [e.source for e in entries],
        [e.user_agent for e in entries],
        [e.detail for e in entries],
    )


async def entries(
    pool: asyncpg.Pool,
    *,
    complaint_id: uuid.UUID | None = None,
    username: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[asyncpg.Record]:
    """Rows of one complaint and/or one staff member (all without either), newest first;
    `before` an id: the page after the one that ended there. Each with its tracking code."""
    conditions, args = [], []
    for clause, value in (
        ("a.complaint_id = ${}", complaint_id),
        ("a.username = ${}", username),
        ("a.id < ${}", before),
    ):
        if value is not None:
            args.append(value)
            conditions.append(clause.format(len(args)))
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    args.append(min(limit, PAGE_MAX))
    rows: list[asyncpg.Record] = await pool.fetch(
        f"""SELECT a.id, a.at, a.username, a.role, a.unit, a.action, a.complaint_id,
            c.tracking_code, a.identity_shown, a.source, a.user_agent, a.detail
        FROM access_log a LEFT JOIN complaints c ON c.id = a.complaint_id
        {where} ORDER BY a.id DESC LIMIT ${len(args)}""",
        *args,
    )
    return rows
