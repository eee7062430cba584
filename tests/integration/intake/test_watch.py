"""The figures ops are alerted on (deploy/k8s/alerts.yaml), as intake's /metrics reads them
from real PostgreSQL and JetStream: the outbox, the consumers' backlogs, dead deliveries and
deadlines no lifecycle step marked."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest_asyncio
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig
from prometheus_client import REGISTRY

from aduan.adapters.attachments import AttachmentStore
from aduan.config import Settings
from aduan.domain.events import STREAM
from aduan.store import db
from aduan.store import watch as figures
from services.intake import watch
from tests.support.complaints import new_unit, unit_complaint
from tests.support.databases import empty_database

MINUTES_AGO_10 = timedelta(minutes=-10)


@pytest_asyncio.fixture
async def empty_db(pg_dsn: str) -> AsyncIterator[tuple[str, asyncpg.Pool]]:
    """A database of this test's own: the session's holds every other test's rows."""
    dsn = await empty_database(pg_dsn, "aduan_watch")
    pool = await db.create_pool(dsn)
    yield dsn, pool
    await pool.close()


async def _fill(pool: asyncpg.Pool) -> None:
    """Five complaints (each with its outbox row), one of them stuck, and deliveries."""
    unit = new_unit()
    await unit_complaint(pool, unit, due={"first_response": MINUTES_AGO_10})  # stuck
    await unit_complaint(pool, unit, due={"resolution": timedelta(minutes=-1)})  # not yet
    await unit_complaint(
        pool, unit, due={"first_response": MINUTES_AGO_10}, met=("first_response",)
    )
    await unit_complaint(pool, unit, status="closed", due={"resolution": MINUTES_AGO_10})
    await unit_complaint(pool, unit, due={"confirm": MINUTES_AGO_10})  # no legal deadline
    await pool.execute(
        "UPDATE outbox SET created_at = now() - interval '10 minutes'"
        " WHERE id = (SELECT min(id) FROM outbox)"
    )
    await pool.execute(
        "UPDATE outbox SET published_at = now() WHERE id = (SELECT max(id) FROM outbox)"
    )
    for status in ("dead", "dead", "sent"):
        await pool.execute(
            """INSERT INTO deliveries (event_id, recipient_role, channel, status)
            VALUES ($1, 'complainant', 'email', $2)""",
            uuid.uuid4(),
            status,
        )


async def test_the_alarm_figures_count_what_waits_and_what_is_stuck(
    empty_db: tuple[str, asyncpg.Pool],
) -> None:
    _, pool = empty_db
    now = datetime.now(UTC)
    assert await figures.alarms(pool, now) == figures.Alarms(0, None, 0, 0)
    await _fill(pool)
    alarms = await figures.alarms(pool, datetime.now(UTC))
    assert (alarms.outbox_pending, alarms.dead_deliveries, alarms.stuck_deadlines) == (4, 2, 1)
    assert alarms.outbox_oldest is not None
    assert timedelta(minutes=9) < now - alarms.outbox_oldest < timedelta(minutes=11)


async def test_intake_metrics_carry_the_figures_and_each_consumer_backlog(
    empty_db: tuple[str, asyncpg.Pool], store: AttachmentStore, js: JetStreamContext
) -> None:
    dsn, pool = empty_db
    await _fill(pool)
    # A durable and subject of this test's own: the session's stream holds every other
    # test's events, and the real consumers' backlogs move while other tests run.
    durable, subject = f"watch-{uuid.uuid4().hex[:8]}", f"aduan.test.watch.{uuid.uuid4().hex}"
    await js.add_consumer(
        STREAM,
        ConsumerConfig(durable_name=durable, filter_subject=subject, ack_policy=AckPolicy.EXPLICIT),
    )
    try:
        for _ in range(3):
            await js.publish(subject, b"{}")
        began = time.time()
        await watch.refresh(store, pool, Settings(database_url=dsn), consumers=[durable])
    finally:
        await js.delete_consumer(STREAM, durable)

    def sample(name: str, **labels: str) -> float | None:
        return REGISTRY.get_sample_value(name, labels)

    assert sample("aduan_outbox_pending") == 4
    assert 540 < (sample("aduan_outbox_oldest_age_seconds") or 0) < 660
    assert sample("aduan_deliveries_dead") == 2
    assert sample("aduan_deadlines_stuck") == 1
    assert sample("aduan_consumer_pending", consumer=durable) == 3
    assert sample("aduan_consumer_ack_pending", consumer=durable) == 0
    assert began <= (sample("aduan_watch_refreshed_timestamp_seconds") or 0) <= time.time()
