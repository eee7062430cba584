"""Durable consumers against real NATS JetStream: a slow handler keeps its event, an ack
nobody answers does not end the consumer."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
from nats.js import JetStreamContext
from structlog.testing import capture_logs

from aduan.adapters import bus
from aduan.domain.events import STREAM, Event, new_event
from tests.support.waiting import wait_until

ACK_WAIT_S = 1.0
WORK_S = 2.5 * ACK_WAIT_S  # each handling outlasts the ack wait more than twice


async def _settled(
    js: JetStreamContext, durable: str, done: Counter[uuid.UUID], events: list[Event]
) -> None:
    """Wait until every event was handled and the consumer holds nothing unacked."""
    deadline = time.monotonic() + 30
    while True:
        if all(done[e.id] for e in events):  # so the replicas have made the consumer
            info = await js.consumer_info(STREAM, durable)
            if info.num_pending == 0 and info.num_ack_pending == 0:
                return
        assert time.monotonic() < deadline, f"not settled: handled {dict(done)}"
        await asyncio.sleep(0.1)


@pytest.mark.parametrize(
    ("in_order", "count"), [(True, 1), (False, 3)], ids=["in-order", "concurrent"]
)
async def test_a_handler_slower_than_the_ack_wait_is_not_redelivered_to_a_replica(
    js: JetStreamContext, in_order: bool, count: int
) -> None:
    # Its own subject and durable: the session's stream holds every other test's events.
    subject = f"aduan.test.{uuid.uuid4().hex}"
    durable = f"slow-{uuid.uuid4().hex[:8]}"
    events = [new_event("received", uuid.uuid4(), datetime.now(UTC), {}) for _ in range(count)]
    started: Counter[uuid.UUID] = Counter()
    done: Counter[uuid.UUID] = Counter()

    async def slow(event: Event) -> None:
        started[event.id] += 1
        await asyncio.sleep(WORK_S)  # the work itself: a slow SMTP peer, say
        done[event.id] += 1

    # Published first, so that the first fetch takes them all. (A message a lingering pull
    # brings in while the loop is busy waits unwatched in the client; the notifier's
    # delivery lease covers that case, tests/integration/notification/test_replicas.py.)
    for event in events:
        await bus.publish(js, event, subject=subject)
    stop = asyncio.Event()
    # Two replicas on one durable consumer, as two notification processes run.
    replicas = [
        asyncio.create_task(
            bus.consume(js, durable, [subject], slow, stop, ack_wait=ACK_WAIT_S, in_order=in_order)
        )
        for _ in range(2)
    ]
    try:
        await _settled(js, durable, done, events)
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*replicas), timeout=30)
        await js.delete_consumer(STREAM, durable)

    assert started == Counter({e.id: 1 for e in events})


async def test_an_ack_nobody_answers_is_left_to_redelivery_and_the_consumer_goes_on(
    js: JetStreamContext,
) -> None:
    subject = f"aduan.test.{uuid.uuid4().hex}"
    durable = f"leaderless-{uuid.uuid4().hex[:8]}"
    event = new_event("received", uuid.uuid4(), datetime.now(UTC), {})
    await bus.publish(js, event, subject=subject)
    handled: list[uuid.UUID] = []

    async def handler(arrived: Event) -> None:
        handled.append(arrived.id)
        # The ack then finds no responder, as while a lost node's consumer elects a leader.
        await js.delete_consumer(STREAM, durable)

    stop = asyncio.Event()
    with capture_logs() as logs:
        consumer = asyncio.create_task(bus.consume(js, durable, [subject], handler, stop))
        await wait_until(
            lambda: any(entry["event"] == "consumer.ack_failed" for entry in logs),
            what="the failed ack logged",
        )
        assert not consumer.done(), "the failed ack ended the consumer"
        stop.set()
        await asyncio.wait_for(consumer, timeout=30)  # ends when told, raising nothing
    assert handled == [event.id]
