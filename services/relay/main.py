"""The relay process: publishes the transactional outbox to JetStream, in one or more replicas."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any, TypeVar

import asyncpg
import stamina
import structlog
from nats.js import JetStreamContext

from aduan.adapters import bus
from aduan.config import Settings
from aduan.store import db
from aduan.store.outbox import CHANNEL, publish_batch

log = structlog.get_logger(__name__)
T = TypeVar("T")


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
        try:
            while not stop.is_set():
                count = await _unless_stopped(stop, self._publish_pending())
                if count is None:
                    break
                if count:
                    # Info, not debug: with several replicas, each one's log says how much
                    # of the outbox it published (SKIP LOCKED splits the rows between them).
                    log.info("relay.published", count=count)
                    continue
                self._wake.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_s)
        finally:
            with contextlib.suppress(Exception):
                await listener.remove_listener(CHANNEL, self._notified)
            await self.pool.release(listener)

    async def _publish_pending(self) -> int:
        """Publish a batch; while NATS or PostgreSQL is away keep the rows and try again, for
        as long as it takes: 0.5 s, then doubling up to 10 s between tries."""
        # No jitter: one loop per replica, and the log says exactly how long it waits.
        retries = stamina.retry_context(
            on=Exception,
            attempts=None,
            timeout=None,
            wait_initial=0.5,
            wait_max=10.0,
            wait_jitter=0.0,
        )
        async for attempt in retries:
            with attempt:
                try:
                    return await publish_batch(self.pool, self.js)
                except Exception as exc:
                    log.warning(
                        "relay.publish_failed", error=str(exc), retry_in_s=attempt.next_wait
                    )
                    raise
        raise AssertionError("unreachable: retried until it returns")


async def _unless_stopped(stop: asyncio.Event, work: Awaitable[T]) -> T | None:
    """The result of `work`, or None if `stop` is set first: then `work` is cancelled (a
    batch cut short keeps its rows, published again later under the same event ids)."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        if not task.done():
            task.cancel()
        await asyncio.wait({task, stopped})
    return None if task.cancelled() else task.result()


async def run(settings: Settings, stop: asyncio.Event) -> None:
    """Publish the outbox to JetStream until stopped."""
    pool = await db.create_pool(settings.dsn, min_size=1, max_size=4)
    nc = await bus.connect(settings.nats_servers, "aduan-relay")
    await Relay(pool, nc.jetstream()).run(stop)
    await nc.drain()
    await pool.close()
