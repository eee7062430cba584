"""Assignment by load in PostgreSQL: one unit's officers counted and chosen under a lock.

Routing calls `assign` before it publishes its decision. The choice is written to the
complaint at once, so the next complaint of the burst already counts it, and a redelivered
`received` event gets the officer chosen the first time.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

import asyncpg

from aduan.domain.assignment import Candidate, choose, weighted_load


async def assign(
    pool: asyncpg.Pool,
    complaint_id: uuid.UUID,
    unit: str,
    complaint_class: str,
    weights: Mapping[str, float],
    now: datetime,
) -> str | None:
    """The officer of `unit` who takes the complaint (written to it), or None when the unit
    assigns by hand or has nobody present."""
    async with pool.acquire() as connection, connection.transaction():
        # One assignment per unit at a time: two complaints chosen at once would both see
        # the same loads and go to the same officer.
        await connection.execute("SELECT pg_advisory_xact_lock(hashtext('assign:' || $1))", unit)
        current = await connection.fetchrow(
            "SELECT officer FROM complaints WHERE id = $1 FOR UPDATE", complaint_id
        )
        if current is None or current["officer"] is not None:
            return current["officer"] if current else None
        automatic = await connection.fetchval("SELECT auto_assign FROM units WHERE code = $1", unit)
        if automatic is False:
            return None
        rows = await connection.fetch(
            """SELECT a.username, a.last_assigned_at,
                   array_agg(c.complaint_class) FILTER (WHERE c.id IS NOT NULL) AS classes
            FROM staff_accounts a
            LEFT JOIN complaints c ON c.officer = a.username AND c.status <> 'closed'
            WHERE a.unit = $1 AND a.role = 'officer' AND a.active AND NOT a.away
            GROUP BY a.username, a.last_assigned_at""",
            unit,
        )
        chosen = choose(
            Candidate(
                r["username"],
                weighted_load(r["classes"] or [], weights),
                r["last_assigned_at"],
            )
            for r in rows
        )
        if chosen is None:
            return None
        # The class too, so that the next assignment weighs this complaint before the
        # lifecycle records it as routed (which writes the class it settles on).
        await connection.execute(
            """UPDATE complaints SET officer = $2, complaint_class = COALESCE(complaint_class, $3)
            WHERE id = $1""",
            complaint_id,
            chosen,
            complaint_class,
        )
        await connection.execute(
            "UPDATE staff_accounts SET last_assigned_at = $2 WHERE username = $1", chosen, now
        )
        return chosen


async def set_away(pool: asyncpg.Pool, username: str, away: bool) -> bool:
    """Mark an officer away (nothing is assigned to them) or back; False if no such account."""
    done = await pool.fetchval(
        "UPDATE staff_accounts SET away = $2 WHERE username = $1 RETURNING 1", username, away
    )
    return done is not None
