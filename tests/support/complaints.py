"""Complaints stored as intake stores them, for tests that start further down the path."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

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
