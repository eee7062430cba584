"""Complaints stored as intake stores them, for tests that start further down the path."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from aduan.store import complaints


async def insert_complaint(pool: asyncpg.Pool, **fields: object) -> uuid.UUID:
    """Store a complaint as intake would, with a `received` event in the outbox."""
    values: dict[str, object] = {
        "description": "Tagihan air saya naik dua kali lipat bulan ini",
        "channel": "api",
        "received_at": datetime.now(UTC),
        "request_hash": uuid.uuid4().hex,
        "complainant": {"name": "Siti", "email": "siti@example.id"},
    }
    values.update(fields)
    created = await complaints.create(pool, complaints.NewComplaint(**values))  # type: ignore[arg-type]
    return created.id


async def tracking_code(pool: asyncpg.Pool, complaint_id: uuid.UUID) -> str:
    """The tracking code the complainant was given."""
    code: str = await pool.fetchval(
        "SELECT tracking_code FROM complaints WHERE id = $1", complaint_id
    )
    return code


def new_unit() -> str:
    """A unit code no other test uses."""
    return f"unit-{uuid.uuid4().hex[:8]}"


async def unit_complaint(
    pool: asyncpg.Pool,
    unit: str | None,
    *,
    status: str = "routed",
    level: str = "none",
    complaint_class: str = "standard",
    due: dict[str, timedelta] | None = None,
    met: tuple[str, ...] = (),
    **fields: Any,
) -> str:
    """A complaint of `unit` as a running lifecycle would leave it; `due` is relative to now."""
    now = datetime.now(UTC)
    complaint_id = await insert_complaint(pool, **fields)
    await pool.execute(
        """UPDATE complaints SET unit = $2, status = $3, escalation_level = $4,
               complaint_class = $5, officer = 'budi' WHERE id = $1""",
        complaint_id,
        unit,
        status,
        level,
        complaint_class,
    )
    for kind, offset in (due or {}).items():
        await pool.execute(
            """INSERT INTO deadlines (complaint_id, kind, started_at, due_at, met_at)
            VALUES ($1, $2, $3, $4, $5)""",
            complaint_id,
            kind,
            now - timedelta(days=1),
            now + offset,
            now if kind in met else None,
        )
    return str(complaint_id)
