"""Retention in PostgreSQL: anonymise closed complaints past their period, drop their
attachments, delete sent outbox rows and old deliveries (docs/privacy.md "Retention").

Every step works in batches, one transaction each, and each batch is idempotent (an
anonymised complaint is marked `anonymised_at` and never selected again), so a run that
stops anywhere is resumed by running it again."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import nats
import structlog
from nats.js import JetStreamContext

from aduan.adapters import bus
from aduan.adapters.attachments import AttachmentStore
from aduan.domain.attachments import AttachmentRef
from aduan.domain.events import STREAM, Consumer
from aduan.domain.retention import (
    ERASED_COMPLAINANT,
    ERASED_TEXT,
    KEPT_LOCATION_KEYS,
    KEPT_TIMELINE_KEYS,
    Cutoffs,
    stream_cut,
)

log = structlog.get_logger(__name__)

BATCH = 500
KINDS = ("closed_complaints", "attachments", "outbox_sent", "deliveries", "stream_events")
Progress = Callable[[str, int], None]  # kind, rows done in the batch just committed

# When a complaint closed: its last `closed` event, else its last change.
_CLOSED_AT = """coalesce((SELECT max(t.occurred_at) FROM timeline t
    WHERE t.complaint_id = c.id AND t.event_type = 'closed'), c.updated_at)"""
_DUE_COMPLAINTS = f"""FROM complaints c WHERE c.status = 'closed' AND c.anonymised_at IS NULL
    AND {_CLOSED_AT} < $1"""
_DUE_ATTACHMENTS = f"""FROM complaints c WHERE c.status = 'closed' AND c.attachments <> '[]'
    AND {_CLOSED_AT} < $1"""


@dataclass
class Tally:
    """Rows per kind: what would go (dry run) or what went."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    def add(self, kind: str, n: int) -> None:
        """Count `n` more rows of `kind`."""
        self.counts[kind] += n


def _refs(raw: object) -> list[AttachmentRef]:
    items = raw if isinstance(raw, list) else []
    return [AttachmentRef.model_validate(item) for item in items if isinstance(item, dict)]


async def discard_objects(store: AttachmentStore | None, refs: Sequence[AttachmentRef]) -> None:
    """Delete each object on its own, so one already gone does not keep the others."""
    if store is None:
        return
    for ref in refs:
        await store.discard([ref])


async def anonymise(
    connection: asyncpg.Connection, ids: Sequence[uuid.UUID], now: datetime
) -> list[AttachmentRef]:
    """Blank every personal field of these complaints and the words of their timeline, in
    the caller's transaction; give back their attachments, whose objects are to be deleted.
    Category, unit, class, dates, deadlines, outcome, escalation and scores stay."""
    rows = await connection.fetch(
        "SELECT attachments FROM complaints WHERE id = ANY($1) FOR UPDATE", list(ids)
    )
    refs = [ref for row in rows for ref in _refs(row["attachments"])]
    await connection.execute(
        """UPDATE complaints SET complainant = $2, account_ref = NULL, subject = NULL,
            description = $3, answers = '{}', channel_data = '{}', external_ref = NULL,
            idempotency_key = NULL, request_hash = 'anonymised', attachments = '[]',
            location = CASE WHEN jsonb_typeof(location) = 'object' THEN
                (SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb)
                 FROM jsonb_each(location) WHERE key = ANY($4)) END,
            anonymised_at = coalesce(anonymised_at, $5)
        WHERE id = ANY($1)""",
        list(ids),
        ERASED_COMPLAINANT,
        ERASED_TEXT,
        sorted(KEPT_LOCATION_KEYS),
        now,
    )
    await connection.execute(
        """UPDATE timeline SET data = (SELECT coalesce(jsonb_object_agg(key, value), '{}'::jsonb)
            FROM jsonb_each(data) WHERE key = ANY($2))
        WHERE complaint_id = ANY($1) AND jsonb_typeof(data) = 'object'""",
        list(ids),
        sorted(KEPT_TIMELINE_KEYS),
    )
    # A delivery's error may quote an address; the delivery log of the complaint goes.
    await connection.execute(
        """DELETE FROM delivery_attempts WHERE delivery_id IN
            (SELECT id FROM deliveries WHERE complaint_id = ANY($1))""",
        list(ids),
    )
    await connection.execute("DELETE FROM deliveries WHERE complaint_id = ANY($1)", list(ids))
    return refs


async def count_due(pool: asyncpg.Pool, cutoffs: Cutoffs) -> Tally:
    """What a run would remove now, per kind (the dry run)."""
    tally = Tally()
    tally.add(
        "closed_complaints",
        await pool.fetchval(f"SELECT count(*) {_DUE_COMPLAINTS}", cutoffs.closed_complaints),
    )
    tally.add(
        "attachments",
        await pool.fetchval(
            f"SELECT coalesce(sum(jsonb_array_length(c.attachments)), 0) {_DUE_ATTACHMENTS}",
            cutoffs.attachments,
        ),
    )
    tally.add(
        "outbox_sent",
        await pool.fetchval(
            "SELECT count(*) FROM outbox WHERE published_at < $1", cutoffs.outbox_sent
        ),
    )
    tally.add(
        "deliveries",
        await pool.fetchval(
            "SELECT count(*) FROM deliveries WHERE updated_at < $1", cutoffs.deliveries
        ),
    )
    return tally


async def _complaints_batch(
    pool: asyncpg.Pool, store: AttachmentStore | None, cutoff: datetime, now: datetime, size: int
) -> int:
    async with pool.acquire() as connection, connection.transaction():
        ids = [
            row["id"]
            for row in await connection.fetch(
                f"SELECT c.id {_DUE_COMPLAINTS} ORDER BY c.id LIMIT $2 FOR UPDATE SKIP LOCKED",
                cutoff,
                size,
            )
        ]
        if not ids:
            return 0
        refs = await anonymise(connection, ids, now)
        # Objects go inside the transaction: a crash before the commit leaves the rows to
        # the next run, which deletes what is left (a missing object is no error).
        await discard_objects(store, refs)
    return len(ids)


async def _attachments_batch(
    pool: asyncpg.Pool, store: AttachmentStore | None, cutoff: datetime, size: int
) -> int:
    async with pool.acquire() as connection, connection.transaction():
        rows = await connection.fetch(
            f"SELECT c.id, c.attachments {_DUE_ATTACHMENTS}"
            " ORDER BY c.id LIMIT $2 FOR UPDATE SKIP LOCKED",
            cutoff,
            size,
        )
        if not rows:
            return 0
        refs = [ref for row in rows for ref in _refs(row["attachments"])]
        await connection.execute(
            "UPDATE complaints SET attachments = '[]' WHERE id = ANY($1)",
            [row["id"] for row in rows],
        )
        await discard_objects(store, refs)
    return len(refs)


async def _outbox_batch(pool: asyncpg.Pool, cutoff: datetime, size: int) -> int:
    status: str = await pool.execute(
        """DELETE FROM outbox WHERE id IN
            (SELECT id FROM outbox WHERE published_at < $1 ORDER BY id LIMIT $2)""",
        cutoff,
        size,
    )
    return int(status.split()[-1])


async def _deliveries_batch(pool: asyncpg.Pool, cutoff: datetime, size: int) -> int:
    async with pool.acquire() as connection, connection.transaction():
        ids = [
            row["id"]
            for row in await connection.fetch(
                "SELECT id FROM deliveries WHERE updated_at < $1 ORDER BY id LIMIT $2"
                " FOR UPDATE SKIP LOCKED",
                cutoff,
                size,
            )
        ]
        if not ids:
            return 0
        await connection.execute("DELETE FROM delivery_attempts WHERE delivery_id = ANY($1)", ids)
        await connection.execute("DELETE FROM deliveries WHERE id = ANY($1)", ids)
    return len(ids)


async def run(
    pool: asyncpg.Pool,
    store: AttachmentStore | None,
    cutoffs: Cutoffs,
    now: datetime,
    *,
    size: int = BATCH,
    progress: Progress | None = None,
) -> Tally:
    """Apply retention until nothing is due; each batch commits on its own."""
    tally = Tally()
    steps: dict[str, Callable[[], Any]] = {
        "closed_complaints": lambda: _complaints_batch(
            pool, store, cutoffs.closed_complaints, now, size
        ),
        "attachments": lambda: _attachments_batch(pool, store, cutoffs.attachments, size),
        "outbox_sent": lambda: _outbox_batch(pool, cutoffs.outbox_sent, size),
        "deliveries": lambda: _deliveries_batch(pool, cutoffs.deliveries, size),
    }
    for kind, step in steps.items():
        while done := await step():
            tally.add(kind, done)
            if progress:
                progress(kind, done)
    return tally


async def trim_stream(
    js: JetStreamContext,
    cutoff: datetime,
    *,
    dry_run: bool,
    stream: str = STREAM,
    consumers: Sequence[str] = tuple(Consumer),
) -> int:
    """Purge the event stream's messages older than `cutoff` that every durable consumer has
    acknowledged; how many went (dry run: at most how many would)."""
    floor = await bus.unacked_floor(js, stream, consumers)  # None too without the stream
    if floor is None:
        return 0
    cut = stream_cut(floor, await bus.first_sequence_since(js, cutoff, stream))
    if cut is None:
        return 0
    if dry_run:
        state = (await js.stream_info(stream)).state
        return min(state.messages, max(0, cut - state.first_seq))
    return await bus.purge_before(js, cut, stream)


async def trim_configured(
    servers: Sequence[str],
    cutoff: datetime,
    *,
    dry_run: bool,
    warn: Callable[[str], object] | None = None,
) -> int:
    """`trim_stream` on its own short-lived connection; NATS away leaves the stream as it
    is (0, and `warn` told why) so the rest of a run goes on."""
    try:
        client = await nats.connect(
            servers=list(servers), name="aduan-retention", allow_reconnect=False, connect_timeout=5
        )
    except (OSError, nats.errors.Error) as exc:
        log.warning("retention.stream_unreachable", error=type(exc).__name__)
        if warn:
            warn(f"aduan retention run: NATS does not answer ({exc}); stream left as it is")
        return 0
    try:
        return await trim_stream(client.jetstream(), cutoff, dry_run=dry_run)
    finally:
        await client.close()
