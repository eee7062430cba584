"""The transactional outbox: events written with the change, published by the relay."""

from __future__ import annotations

import asyncpg
import structlog
from nats.js import JetStreamContext

from aduan.adapters import bus
from aduan.domain.events import Event

log = structlog.get_logger(__name__)
CHANNEL = "aduan_outbox"


async def enqueue(connection: asyncpg.Connection, event: Event) -> None:
    """Add an event to the outbox inside the caller's transaction; duplicates are ignored."""
    await connection.execute(
        "INSERT INTO outbox (event_id, subject, payload) VALUES ($1, $2, $3)"
        " ON CONFLICT (event_id) DO NOTHING",
        event.id,
        event.subject,
        event.model_dump(mode="json"),
    )
    # Delivered at commit: a hint that wakes the relay, never the source of truth.
    await connection.execute("SELECT pg_notify($1, '')", CHANNEL)


async def publish_batch(pool: asyncpg.Pool, js: JetStreamContext, limit: int = 100) -> int:
    """Claim unpublished rows (SKIP LOCKED), publish each, mark them after the acks.

    If a publish fails, the rows published before it are still marked (committed) and the
    error is raised; the rest stay unpublished and are retried with the same event ids."""
    failure: Exception | None = None
    async with pool.acquire() as connection, connection.transaction():
        rows = await connection.fetch(
            "SELECT id, payload FROM outbox WHERE published_at IS NULL"
            " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
            limit,
        )
        published: list[int] = []
        for row in rows:
            try:
                await bus.publish(js, Event.model_validate(row["payload"]))
            except Exception as exc:  # NATS away: stop here, keep what was acknowledged
                failure = exc
                break
            published.append(row["id"])
        if published:
            await connection.execute(
                "UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])", published
            )
    if failure is not None:
        raise failure
    return len(published)
