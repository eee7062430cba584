"""Worker entry point: runs ComplaintLifecycle, its activities, and the bridge consumer."""

from __future__ import annotations

import asyncio

import stamina
import structlog
from temporalio.client import Client
from temporalio.worker import Worker

from aduan.adapters import bus, temporal
from aduan.adapters.attachments import AttachmentStore
from aduan.config import Settings
from aduan.domain.events import READS, Consumer
from aduan.domain.policy import load_policy
from aduan.lifecycle.activities import LifecycleActivities
from aduan.lifecycle.retention_activities import RetentionActivities, ensure_schedule
from aduan.lifecycle.retention_workflow import SCHEDULE_ID, RetentionRun
from aduan.lifecycle.runner import workflow_runner
from aduan.lifecycle.workflow import ComplaintLifecycle
from aduan.store import db
from services.worker.bridge import Bridge

log = structlog.get_logger(__name__)


async def connect_temporal(settings: Settings) -> Client:
    """Connect to Temporal, waiting for it if it is not up yet: tries again for as long as it
    takes, 0.5 s then doubling up to 10 s apart (no jitter: the log says the exact wait)."""
    retries = stamina.retry_context(
        on=Exception, attempts=None, timeout=None, wait_initial=0.5, wait_max=10.0, wait_jitter=0.0
    )
    async for attempt in retries:
        with attempt:
            try:
                return await temporal.connect(settings)
            except Exception as exc:
                log.warning("temporal.unreachable", error=str(exc), retry_in_s=attempt.next_wait)
                raise
    raise AssertionError("unreachable: retried until it returns")


async def _schedule_retention(client: Client, settings: Settings) -> None:
    """The daily retention Schedule, created once; a failure is logged, never fatal (the
    lifecycles matter more, and `aduan retention run` does the same by hand)."""
    try:
        created = await ensure_schedule(
            client, settings.task_queue, load_policy(settings.sla_policy).timezone
        )
    except Exception as exc:
        log.warning("retention.schedule_failed", error=type(exc).__name__)
        return
    if created:
        log.info("retention.scheduled", schedule=SCHEDULE_ID)


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Serve lifecycles and bridge events until `stop` is set."""
    pool = await db.create_pool(settings.dsn)
    client = await connect_temporal(settings)
    nc = await bus.connect(settings.nats_servers, "aduan-worker")
    activities = LifecycleActivities(pool, settings.sla_policy)
    store = AttachmentStore.from_settings(settings)
    kept = RetentionActivities(pool, store, settings.nats_servers, settings.sla_policy)
    worker = Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[ComplaintLifecycle, RetentionRun],
        workflow_runner=workflow_runner(),
        max_cached_workflows=settings.worker_cached_workflows,
        max_concurrent_workflow_task_polls=settings.worker_workflow_task_polls,
        activities=[*activities.all(), *kept.all()],
    )
    bridge = Bridge(client, settings.task_queue)
    async with worker:
        log.info("worker.started", task_queue=settings.task_queue)
        await _schedule_retention(client, settings)
        await bus.consume(
            nc.jetstream(),
            Consumer.BRIDGE,
            READS[Consumer.BRIDGE],
            bridge.handle,
            stop,
            ack_wait=settings.consumer_ack_wait_s,
            # signal-with-start makes each event independent of the others
            batch=64,
            in_order=False,
        )
    await nc.drain()
    await store.close()
    await pool.close()
