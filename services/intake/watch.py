"""What ops are alerted on, in intake's /metrics: the storage that JetStream's disk holds
(a full disk stops the relay), the outbox, the consumers' backlogs, dead deliveries and
deadlines no lifecycle step marked. Intake watches them because it runs whatever else is
down: a relay or a consumer that died cannot report its own backlog.

The alert rules reading these are deploy/k8s/alerts.yaml."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime

import asyncpg
import structlog
from prometheus_client import Gauge

from aduan.adapters import bus
from aduan.adapters.attachments import AttachmentStore
from aduan.config import Settings
from aduan.domain.events import STREAM, Consumer
from aduan.store import watch as figures

log = structlog.get_logger(__name__)
INTERVAL_S = 15.0
STREAM_BYTES = Gauge(
    "aduan_event_stream_bytes", "Bytes kept in the event stream", multiprocess_mode="mostrecent"
)
STREAM_ALARM = Gauge(
    "aduan_event_stream_alarm",
    "1 once the event stream is over ADUAN_STREAM_ALARM_BYTES",
    multiprocess_mode="mostrecent",
)
OUTBOX_PENDING = Gauge(
    "aduan_outbox_pending",
    "Events in the outbox not yet published to JetStream",
    multiprocess_mode="mostrecent",
)
OUTBOX_AGE = Gauge(
    "aduan_outbox_oldest_age_seconds",
    "Age of the oldest event not yet published to JetStream; 0 when none waits",
    multiprocess_mode="mostrecent",
)
CONSUMER_PENDING = Gauge(
    "aduan_consumer_pending",
    "Events in the stream a durable consumer has not been given yet",
    ["consumer"],
    multiprocess_mode="mostrecent",
)
CONSUMER_ACK_PENDING = Gauge(
    "aduan_consumer_ack_pending",
    "Events given to a durable consumer and not acknowledged yet",
    ["consumer"],
    multiprocess_mode="mostrecent",
)
DEAD_DELIVERIES = Gauge(
    "aduan_deliveries_dead",
    "Notification deliveries dead after their last attempt, waiting for a replay",
    multiprocess_mode="mostrecent",
)
STUCK_DEADLINES = Gauge(
    "aduan_deadlines_stuck",
    "Legal deadlines of open complaints past due over 5 minutes that no step marked",
    multiprocess_mode="mostrecent",
)
REFRESHED = Gauge(
    "aduan_watch_refreshed_timestamp_seconds",
    "When the figures above were last read in full (Unix time)",
    multiprocess_mode="mostrecent",
)


async def refresh(
    store: AttachmentStore,
    pool: asyncpg.Pool,
    settings: Settings,
    consumers: Iterable[str] = tuple(Consumer),
) -> None:
    """Read every watched figure into its gauge (the backlogs of `consumers`)."""
    js = await store.jetstream()
    state = (await js.stream_info(STREAM)).state
    STREAM_BYTES.set(state.bytes)
    STREAM_ALARM.set(int(state.bytes >= settings.stream_alarm_bytes))
    await store.used_bytes()
    for consumer, backlog in (await bus.backlogs(js, consumers)).items():
        CONSUMER_PENDING.labels(consumer).set(backlog.pending)
        CONSUMER_ACK_PENDING.labels(consumer).set(backlog.ack_pending)
    now = datetime.now(UTC)
    alarms = await figures.alarms(pool, now)
    OUTBOX_PENDING.set(alarms.outbox_pending)
    oldest = alarms.outbox_oldest
    OUTBOX_AGE.set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
    DEAD_DELIVERIES.set(alarms.dead_deliveries)
    STUCK_DEADLINES.set(alarms.stuck_deadlines)
    REFRESHED.set(now.timestamp())


async def watch(store: AttachmentStore, pool: asyncpg.Pool, settings: Settings) -> None:
    """Refresh the gauges every INTERVAL_S until cancelled; NATS or PostgreSQL away only
    skips a round (the refresh time then stops moving, which is alerted on)."""
    while True:
        await asyncio.sleep(INTERVAL_S)
        try:
            await asyncio.wait_for(refresh(store, pool, settings), INTERVAL_S)
        except Exception as exc:  # a gauge a round late is better than a dead intake
            log.warning("watch.unreadable", error=type(exc).__name__)
