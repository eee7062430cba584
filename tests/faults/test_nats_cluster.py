"""The production NATS shape (deploy/nats/): kill the stream leader under load, lose nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from aduan.adapters import bus
from aduan.domain.events import RECEIVED, Event, new_event
from tests.support.nats_cluster import Cluster, ensure_replicated_stream, stream_leader
from tests.support.waiting import wait_until

pytestmark = pytest.mark.faults
EVENTS = 300


async def _publish_until_acked(js: nats.js.JetStreamContext, event: Event) -> None:
    """What the relay does: the same event, same Nats-Msg-Id, until JetStream acknowledges."""
    while True:
        try:
            await bus.publish(js, event)
            return
        except Exception:  # leader election in progress: no responders, timeouts
            await asyncio.sleep(0.2)  # the relay's pause before it publishes again


async def test_killing_the_stream_leader_under_load_loses_and_duplicates_nothing(
    cluster: Cluster,
) -> None:
    client = await bus.connect(cluster.urls, "cluster-test")
    js = client.jetstream()

    await ensure_replicated_stream(js)
    events = [
        new_event("received", uuid.uuid4(), datetime.now(UTC), {"n": n}) for n in range(EVENTS)
    ]
    for event in events[: EVENTS // 3]:
        await _publish_until_acked(js, event)

    leader = await stream_leader(cluster.urls)
    assert leader in cluster.processes
    cluster.kill(leader)
    # An event the old leader may have stored but not acknowledged is sent again, as the
    # relay would: the duplicate window must drop it.
    await _publish_until_acked(js, events[EVENTS // 3 - 1])
    for event in events[EVENTS // 3 :]:
        await _publish_until_acked(js, event)
    cluster.start(leader)  # the killed node comes back and catches up

    async def subscribed() -> JetStreamContext.PullSubscription | None:
        try:
            return await js.pull_subscribe(
                RECEIVED, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, num_replicas=1)
            )
        except (nats.errors.Error, TimeoutError):  # the cluster is still taking its node back
            return None

    sub = await wait_until(subscribed, timeout=60, interval=0.5, what="a consumer on the cluster")
    seen: list[str] = []
    while len(seen) < EVENTS + 5:
        try:
            batch = await sub.fetch(100, timeout=3)
        except (nats.errors.TimeoutError, TimeoutError):
            break
        for message in batch:
            seen.append(str(Event.model_validate_json(message.data).id))
            await message.ack()
    await client.close()
    assert len(seen) == len(set(seen)), "an event was stored twice"
    assert set(seen) == {str(e.id) for e in events}, "an acknowledged event was lost"
