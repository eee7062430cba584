"""The relay process: publishes the transactional outbox to JetStream, in one or more replicas."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg
import structlog
from nats.js import JetStreamContext

from aduan.adapters import bus
from aduan.config import Settings
from aduan.store import db
from aduan.store.outbox import CHANNEL, publish_batch

log = structlog.get_logger(__name__)


class Relay:
    """Publishes the outbox to JetStream until stopped; safe to run in several replicas."""

    def __init__(self, pool: asyncpg.Pool, js: JetStreamContext, *, poll_s: float = 1.0) -> None:
        self.pool, self.js, self.poll_s = pool, js, poll_s
        self._wake = asyncio.Event()

    def _notified(self, *_: Any) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Loop: publish what is pending, then sleep until notified or the poll interval."""
        listener = await self.pool.acquire()
        await listener.add_listener(CHANNEL, self._notified)
        backoff = 0.5
        try:
            while not stop.is_set():
                try:
                    count = await publish_batch(self.pool, self.js)
                    backoff = 0.5
                except Exception as exc:  # NATS or PostgreSQL away: keep the rows, retry
                    log.warning("relay.publish_failed", error=str(exc), retry_in_s=backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
                if count:
                    log.debug("relay.published", count=count)
                    continue
                self._wake.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_s)
        finally:
            with contextlib.suppress(Exception):
                await listener.remove_listener(CHANNEL, self._notified)
            await self.pool.release(listener)


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Publish the outbox to JetStream until stopped."""
    pool = await db.create_pool(settings.dsn, min_size=1, max_size=4)
    nc = await bus.connect(settings.nats_servers, "aduan-relay")
    await Relay(pool, nc.jetstream()).run(stop)
    await nc.drain()
    await pool.close()
