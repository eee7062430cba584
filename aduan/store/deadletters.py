"""Dead deliveries, for ops: list them, and replay them through the notification consumer.

A replay marks the deliveries `replaying` with fresh attempts, then publishes their event
again on the replay subject, which only the notification consumer reads. The consumer
skips what was already sent, so a replay delivers each dead message once, and only it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import asyncpg
from nats.js import JetStreamContext

from aduan.adapters import bus
from aduan.config import Settings
from aduan.domain.events import NOTIFICATION_REPLAY, Event
from aduan.store import db, deliveries
from aduan.store.deliveries import DeliveryRow


@dataclass
class ReplayResult:
    """Which deliveries went back to the consumer, and which could not be published."""

    replayed: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


async def replay(
    pool: asyncpg.Pool, js: JetStreamContext, *, ids: list[int] | None = None
) -> ReplayResult:
    """Publish the event of each dead delivery (all of them, or those of `ids`) again."""
    taken = await deliveries.start_replay(pool, ids=ids)
    by_event: dict[uuid.UUID, tuple[Event, list[int]]] = {}
    for delivery_id, payload in taken:
        event = Event.model_validate(payload)
        by_event.setdefault(event.id, (event, []))[1].append(delivery_id)
    result = ReplayResult()
    for event, delivery_ids in by_event.values():
        # A fresh message id: JetStream would drop the event's own id as a duplicate.
        try:
            await bus.publish(
                js, event, subject=NOTIFICATION_REPLAY, msg_id=f"{event.id}/replay/{uuid.uuid4()}"
            )
        except Exception as exc:  # NATS away: the deliveries stay dead, to replay later
            await deliveries.back_to_dead(
                pool, ids=delivery_ids, reason=f"replay not published: {type(exc).__name__}"
            )
            result.failed += delivery_ids
            continue
        result.replayed += delivery_ids
    return result


async def list_configured(settings: Settings, *, dead_only: bool, limit: int) -> list[DeliveryRow]:
    """`aduan notifications list`: the latest deliveries in the configured database."""
    pool = await db.create_pool(settings.dsn, min_size=1, max_size=2)
    try:
        return await deliveries.list_deliveries(pool, dead_only=dead_only, limit=limit)
    finally:
        await pool.close()


async def replay_configured(settings: Settings, *, ids: list[int] | None) -> ReplayResult:
    """`aduan notifications retry`: replay through the configured database and NATS."""
    pool = await db.create_pool(settings.dsn, min_size=1, max_size=2)
    try:
        nc = await bus.connect(settings.nats_servers, "aduan-notifications-retry")
        try:
            return await replay(pool, nc.jetstream(), ids=ids)
        finally:
            await nc.drain()
    finally:
        await pool.close()
