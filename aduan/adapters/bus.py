"""NATS JetStream: the stream, publishing with retries, and durable pull consumers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import nats
import stamina
import structlog
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DiscardPolicy, StorageType, StreamConfig
from nats.js.errors import NoStreamResponseError, NotFoundError
from pydantic import ValidationError

from aduan.domain.events import STREAM, SUBJECTS, Consumer, Event

log = structlog.get_logger(__name__)

# Longer than any outbox retry, so a republished event is still recognised as a duplicate.
DUPLICATE_WINDOW_S = 24 * 3600.0
# What a leader election looks like from a publisher: nobody answers for a moment.
LEADERLESS = (TimeoutError, NoRespondersError, NatsTimeoutError, NoStreamResponseError)


class RetryLater(Exception):
    """A handler's effect could not be made durable now; redeliver after `delay` seconds."""

    def __init__(self, reason: str, delay: float = 5.0) -> None:
        super().__init__(reason)
        self.delay = delay


async def connect(servers: list[str], name: str) -> NATS:
    """Connect, and keep reconnecting for as long as the process lives."""
    return await nats.connect(
        servers=servers,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        allow_reconnect=True,
        connect_timeout=5,
    )


async def ensure_stream(js: JetStreamContext, replicas: int = 1) -> None:
    """Create or update the event stream (file storage, long duplicate window).

    No size or age limit: an event nobody consumed yet is never discarded. Should an operator
    set one, a full stream refuses new events (the outbox keeps them) rather than dropping
    old ones; intake's /metrics raises an alarm long before (ADUAN_STREAM_ALARM_BYTES)."""
    config = StreamConfig(
        name=STREAM,
        subjects=SUBJECTS,
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_S,
        num_replicas=replicas,
        discard=DiscardPolicy.NEW,
    )
    try:
        await js.stream_info(STREAM)
        await js.update_stream(config)
    except NotFoundError:
        await js.add_stream(config)


async def publish(
    js: JetStreamContext,
    event: Event,
    *,
    attempts: int = 5,
    subject: str | None = None,
    msg_id: str | None = None,
) -> bool:
    """Publish with Nats-Msg-Id = event id, retrying (nats-py does not); True if a duplicate.

    `subject` and `msg_id` override the event's own, to publish it again on purpose."""
    payload = event.model_dump_json().encode()
    # 0.4 s, 0.8 s, 1.6 s, then 3 s between tries (plus up to 0.2 s of jitter, so publishers
    # that lost the same leader do not all come back at once); the last error is raised.
    retries = stamina.retry_context(
        on=LEADERLESS,
        attempts=attempts,
        timeout=None,  # each try has its own 5 s
        wait_initial=0.4,
        wait_max=3.0,
        wait_jitter=0.2,
    )
    async for attempt in retries:
        with attempt:
            ack = await js.publish(
                subject or event.subject,
                payload,
                headers={"Nats-Msg-Id": msg_id or str(event.id)},
                timeout=5,
            )
            return bool(ack.duplicate)
    raise AssertionError("unreachable: the last attempt returns or raises")


Handler = Callable[[Event], Awaitable[None]]


async def consume(
    js: JetStreamContext,
    durable: str,
    subjects: list[str],
    handler: Handler,
    stop: asyncio.Event,
    *,
    batch: int = 16,
    ack_wait: float = 60.0,
    in_order: bool = True,
) -> None:
    """Feed each event to `handler`; ack after it returns, redeliver if it raises.

    Events not acked within `ack_wait` seconds (the process died) are delivered again; while
    a handler works, its event's ack wait is extended every `ack_wait / 3` seconds. With
    `in_order=False` a fetched batch is handled concurrently: for handlers whose events do
    not depend on one another's order (routing, the bridge)."""
    await js.add_consumer(
        STREAM,
        ConsumerConfig(
            durable_name=durable,
            filter_subjects=subjects,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=ack_wait,
            max_ack_pending=1000,
        ),
    )
    subscription = await js.pull_subscribe_bind(durable=durable, stream=STREAM)
    log.info("consumer.started", consumer=durable, subjects=subjects)
    while not stop.is_set():
        try:
            messages = await subscription.fetch(batch, timeout=1)
        except (TimeoutError, NatsTimeoutError):
            continue  # idle
        except Exception as exc:  # connection lost: the client reconnects by itself
            # Polling, not a retry with backoff: the loop goes on until `stop` and the client
            # reconnects every second, so look again after as long.
            log.warning("consumer.fetch_failed", consumer=durable, error=str(exc))
            await asyncio.sleep(1)
            continue
        if in_order:
            for message in messages:
                # The ack_wait clock of a message queued behind slow ones restarts here, so
                # another replica does not get it while it is still waiting its turn.
                await message.in_progress()
                await _handle(message, handler, durable, ack_wait)
        else:
            await asyncio.gather(
                *(_handle(message, handler, durable, ack_wait) for message in messages)
            )
    await subscription.unsubscribe()


@asynccontextmanager
async def _in_progress(message: Msg, every: float, durable: str) -> AsyncIterator[None]:
    """While the block runs, tell JetStream every `every` seconds that `message` is in work."""

    async def beat() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await message.in_progress()
            except Exception as exc:  # connection lost: try again; at worst, a redelivery
                log.warning("consumer.in_progress_failed", consumer=durable, error=str(exc))

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.wait([task])  # no beat after the ack or nak that follows


async def _handle(message: Msg, handler: Handler, durable: str, ack_wait: float) -> None:
    try:
        event = Event.model_validate_json(message.data)
    except ValidationError:
        log.error("consumer.poison_message", consumer=durable, subject=message.subject)
        await message.term()
        return
    bound = structlog.contextvars.bound_contextvars(
        event_id=str(event.id), complaint_id=str(event.complaint_id), event_type=event.type
    )
    with bound:
        try:
            # A handler slower than the ack wait (a slow SMTP peer) must not see its event
            # redelivered to another replica while it is still working on it.
            async with _in_progress(message, ack_wait / 3, durable):
                await handler(event)
        except RetryLater as exc:
            log.warning("consumer.retry_later", consumer=durable, reason=str(exc))
            await message.nak(delay=exc.delay)
            return
        except Exception:
            log.exception("consumer.handler_failed", consumer=durable)
            await message.nak(delay=5)
            return
        try:
            await message.ack_sync()
        except (nats.errors.Error, TimeoutError) as exc:
            # Nobody answers while the consumer's leader is elected again (a lost node). The
            # effect is durable: the event comes back after the ack wait to a handler that
            # does nothing twice. Raising would end the process, the batch's other events too.
            log.warning("consumer.ack_failed", consumer=durable, error=type(exc).__name__)


@dataclass(frozen=True)
class Backlog:
    """A durable consumer's work not yet done: not delivered yet, and delivered unacked."""

    pending: int
    ack_pending: int


WATCH_TIMEOUT_S = 5.0


async def consumer_backlogs(servers: list[str]) -> dict[str, Backlog] | None:
    """Each durable consumer's backlog, by name; None when NATS does not answer within
    WATCH_TIMEOUT_S (a page shows that rather than waiting)."""

    async def read() -> dict[str, Backlog]:
        nc = await nats.connect(
            servers=servers, name="aduan-watch", allow_reconnect=False, connect_timeout=2
        )
        try:
            return await backlogs(nc.jetstream())
        finally:
            await nc.close()

    try:
        return await asyncio.wait_for(read(), WATCH_TIMEOUT_S)
    except (TimeoutError, OSError, nats.errors.Error, nats.js.errors.Error):
        return None


async def backlogs(
    js: JetStreamContext, consumers: Iterable[str] = tuple(Consumer)
) -> dict[str, Backlog]:
    """Each durable consumer's backlog, by name, over an open connection; a consumer whose
    process has not started yet is left out."""
    found: dict[str, Backlog] = {}
    for consumer in consumers:
        try:
            info = await js.consumer_info(STREAM, consumer)
        except NotFoundError:
            continue
        found[consumer] = Backlog(info.num_pending or 0, info.num_ack_pending or 0)
    return found


async def unacked_floor(
    js: JetStreamContext, stream: str = STREAM, consumers: Iterable[str] = tuple(Consumer)
) -> int | None:
    """The lowest stream sequence some durable consumer has not acknowledged yet (its ack
    floor + 1); None while no consumer exists (nobody has passed anything)."""
    floors: list[int] = []
    for consumer in consumers:
        try:
            info = await js.consumer_info(stream, consumer)
        except NotFoundError:
            continue
        acked = info.ack_floor.stream_seq if info.ack_floor else None
        floors.append((acked or 0) + 1)
    return min(floors) if floors else None


async def first_sequence_since(js: JetStreamContext, moment: datetime, stream: str = STREAM) -> int:
    """The sequence of the stream's first message stored at or after `moment` (one past the
    last when none): a binary search over the sequences, gaps included."""
    state = (await js.stream_info(stream)).state
    low, high = state.first_seq, state.last_seq + 1
    while low < high:
        middle = (low + high) // 2
        try:
            found = await js.get_msg(stream, seq=middle, subject=">", next=True)
        except NotFoundError:
            high = middle  # nothing stored at or after it
            continue
        if found.time is not None and found.time < moment and found.seq is not None:
            low = found.seq + 1
        else:
            high = middle
    return low


async def purge_before(js: JetStreamContext, sequence: int, stream: str = STREAM) -> int:
    """Delete every message of the stream below `sequence`; how many went."""
    state = (await js.stream_info(stream)).state
    if sequence <= max(state.first_seq, 1):
        # Nothing below it; and purge_stream without a sequence would purge everything.
        return 0
    before = state.messages
    await js.purge_stream(stream, seq=sequence)
    after = (await js.stream_info(stream)).state.messages
    return before - after
