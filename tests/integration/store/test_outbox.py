"""The outbox relay against real PostgreSQL and NATS JetStream."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg
import nats
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from structlog.testing import capture_logs

from aduan.adapters import bus
from aduan.domain.events import RECEIVED, Event, new_event
from aduan.store import outbox
from services.relay.main import Relay
from tests.support.waiting import wait_until


async def _published(js: JetStreamContext, complaint_ids: set[str]) -> list[Event]:
    """Every received event on the stream for these complaints, with duplicates if any."""
    sub = await js.pull_subscribe(
        RECEIVED, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, inactive_threshold=30)
    )
    found: list[Event] = []
    while True:
        try:
            batch = await sub.fetch(500, timeout=1)
        except (nats.errors.TimeoutError, TimeoutError):
            break
        for message in batch:
            event = Event.model_validate_json(message.data)
            if str(event.complaint_id) in complaint_ids:
                found.append(event)
            await message.ack()
    await sub.unsubscribe()
    return found


def _event() -> Event:
    return new_event("received", uuid.uuid4(), datetime.now(UTC), {"tracking_code": "ADU-TEST"})


async def test_a_later_committing_lower_id_is_not_skipped(
    pool: asyncpg.Pool, js: JetStreamContext
) -> None:
    slow_event, fast_event = _event(), _event()
    slow = await pool.acquire()
    transaction = slow.transaction()
    await transaction.start()
    await outbox.enqueue(slow, slow_event)  # takes the lower id, commits last
    async with pool.acquire() as fast:
        await outbox.enqueue(fast, fast_event)
    while await outbox.publish_batch(pool, js):
        pass
    await transaction.commit()
    await pool.release(slow)
    while await outbox.publish_batch(pool, js):
        pass

    published = await _published(js, {str(slow_event.complaint_id), str(fast_event.complaint_id)})
    assert sorted(str(e.id) for e in published) == sorted([str(slow_event.id), str(fast_event.id)])
    unsent = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE event_id = ANY($1::uuid[]) AND published_at IS NULL",
        [slow_event.id, fast_event.id],
    )
    assert unsent == 0


async def test_republishing_the_same_event_is_deduplicated(
    pool: asyncpg.Pool, js: JetStreamContext
) -> None:
    event = _event()
    assert await bus.publish(js, event) is False
    assert await bus.publish(js, event) is True  # e.g. relay died before marking the row
    assert len(await _published(js, {str(event.complaint_id)})) == 1


async def test_a_failed_publish_keeps_the_row_and_retries_with_the_same_id(
    pool: asyncpg.Pool, nats_url: str, js: JetStreamContext
) -> None:
    event = _event()
    async with pool.acquire() as connection:
        await outbox.enqueue(connection, event)
    closed = await bus.connect([nats_url], "closed")
    await closed.close()
    relay = Relay(pool, closed.jetstream(), poll_s=0.1)
    stop = asyncio.Event()
    with capture_logs() as logs:
        task = asyncio.create_task(relay.run(stop))
        await wait_until(
            lambda: any(entry["event"] == "relay.publish_failed" for entry in logs),
            what="the relay's failed publish",
        )
    assert (
        await pool.fetchval("SELECT published_at FROM outbox WHERE event_id = $1", event.id) is None
    )
    stop.set()
    await task

    relay = Relay(pool, js, poll_s=0.1)
    stop = asyncio.Event()
    with capture_logs() as logs:
        task = asyncio.create_task(relay.run(stop))

        async def marked() -> bool:
            return bool(
                await pool.fetchval("SELECT published_at FROM outbox WHERE event_id = $1", event.id)
            )

        await wait_until(marked, what="the row marked published")
        stop.set()
        await task
    published = await _published(js, {str(event.complaint_id)})
    assert [e.id for e in published] == [event.id]
    # Each replica's log says how much it published (tests/faults/test_replicas.py counts it).
    batches = [entry for entry in logs if entry["event"] == "relay.published"]
    assert batches and all(entry["log_level"] == "info" for entry in batches), batches
    assert sum(entry["count"] for entry in batches) >= 1
