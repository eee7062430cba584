"""Worker entry point: runs ComplaintLifecycle, its activities, and the bridge consumer."""

from __future__ import annotations

import asyncio

import structlog
from temporalio.client import Client
from temporalio.worker import Worker

from aduan.adapters import bus
from aduan.adapters import temporal as temporal_client
from aduan.config import Settings
from aduan.domain.events import BRIDGE_CONSUMER, RECEIVED, ROUTING_DECIDED
from aduan.lifecycle.activities import LifecycleActivities
from aduan.lifecycle.workflow import ComplaintLifecycle
from aduan.store import db
from services.worker.bridge import Bridge

log = structlog.get_logger(__name__)


async def connect_temporal(settings: Settings) -> Client:
    """Connect to Temporal, waiting for it if it is not up yet."""
    delay = 0.5
    while True:
        try:
            return await temporal_client.connect(
                settings.temporal_target, settings.temporal_namespace
            )
        except Exception as exc:
            log.warning("temporal.unreachable", error=str(exc), retry_in_s=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10)


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Serve lifecycles and bridge events until `stop` is set."""
    pool = await db.create_pool(settings.dsn)
    client = await connect_temporal(settings)
    nc = await bus.connect(settings.nats_servers, "aduan-worker")
    activities = LifecycleActivities(pool, settings.sla_policy)
    worker = Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[ComplaintLifecycle],
        activities=activities.all(),
    )
    bridge = Bridge(client, settings.task_queue)
    async with worker:
        log.info("worker.started", task_queue=settings.task_queue)
        await bus.consume(
            nc.jetstream(),
            BRIDGE_CONSUMER,
            [RECEIVED, ROUTING_DECIDED],
            bridge.handle,
            stop,
            ack_wait=settings.consumer_ack_wait_s,
            # signal-with-start makes each event independent of the others
            batch=64,
            in_order=False,
        )
    await nc.drain()
    await pool.close()
