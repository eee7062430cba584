"""Storage alarms in intake's /metrics: the event stream and the attachment store share
JetStream's disk, and a full disk stops the relay; ops must see it coming."""

from __future__ import annotations

import asyncio

import structlog
from prometheus_client import Gauge

from aduan.adapters.attachments import AttachmentStore
from aduan.config import Settings
from aduan.domain.events import STREAM

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


async def refresh(store: AttachmentStore, settings: Settings) -> None:
    """Read the stream's and the store's sizes into their gauges."""
    js = await store.jetstream()
    state = (await js.stream_info(STREAM)).state
    STREAM_BYTES.set(state.bytes)
    STREAM_ALARM.set(int(state.bytes >= settings.stream_alarm_bytes))
    await store.used_bytes()


async def watch(store: AttachmentStore, settings: Settings) -> None:
    """Refresh the gauges every INTERVAL_S until cancelled; NATS away only skips a round."""
    while True:
        await asyncio.sleep(INTERVAL_S)
        try:
            await asyncio.wait_for(refresh(store, settings), INTERVAL_S)
        except Exception as exc:  # a gauge a round late is better than a dead intake
            log.warning("watch.storage_unreadable", error=type(exc).__name__)
