"""The delivery log: one row per (event, recipient, channel), and one row per attempt.

A row is `sending` (claimed, first attempt under way), `sent`, `failed` (to be retried),
`dead` (attempts exhausted; kept with its event for `aduan notifications retry`) or
`replaying` (published again, not yet tried). A replica claims a row (a lease: `claimed_by`,
`claimed_until`) before sending, so two replicas handling one event never both send; the
attempt is recorded and the lease released in one transaction. Nothing here holds a message
body or an address: `last_error` is a reason safe to show anyone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg

from aduan.domain.events import Event

RETRY_MAX_S = 300.0  # the longest wait between two attempts of one delivery


class Recipient(StrEnum):
    """Who a notification is for (integrators get `integrator:<endpoint hash>`)."""

    COMPLAINANT = "complainant"
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    OMBUDSMAN = "ombudsman"
    INTEGRATOR = "integrator"


class DeliveryChannel(StrEnum):
    """How it is delivered."""

    EMAIL = "email"
    HTTP = "http"  # the Ombudsman's endpoint
    SMS = "sms"
    WHATSAPP = "whatsapp"
    WEBHOOK = "webhook"


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DEAD = "dead"
    REPLAYING = "replaying"


class DeliveryFailed(Exception):
    """A delivery did not go through; `reason` is safe to log and store (no personal data).

    `permanent`: trying again cannot help (a channel not configured), so it is dead at once."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True)
class DeliveryRow:
    """One delivery as ops see it."""

    id: int
    event_id: uuid.UUID
    complaint_id: uuid.UUID | None
    event_type: str | None
    recipient: str
    channel: str
    status: str
    attempts: int
    last_error: str | None
    updated_at: datetime


@dataclass(frozen=True)
class Claim:
    """What claiming a delivery found: ours to send, already settled, or another's lease."""

    ours: bool
    settled: DeliveryStatus | None = None  # sent or dead: nothing is left to send
    held_for: float = 0.0  # seconds the other replica's lease still runs


def delivery_key(event_id: uuid.UUID, recipient: str, channel: str) -> str:
    """The idempotency key a provider sees: the same delivery always has the same key."""
    return f"{event_id}.{recipient}.{channel}"


def retry_delay(attempts: int, base: float) -> float:
    """Seconds to wait before the next attempt, after `attempts` failed ones."""
    # Kept by hand, not stamina: no process waits here. The attempt count lives in PostgreSQL
    # and the wait is JetStream's redelivery delay (nak), so the next try may run in another
    # replica or after a restart, which an in-process retry helper cannot schedule.
    return min(base * 2.0 ** max(attempts - 1, 0), RETRY_MAX_S)


async def status_of(
    pool: asyncpg.Pool, *, event_id: uuid.UUID, recipient: str, channel: DeliveryChannel
) -> DeliveryStatus | None:
    """Where this delivery stands; None if it was never tried."""
    status = await pool.fetchval(
        """SELECT status FROM deliveries
        WHERE event_id = $1 AND recipient_role = $2 AND channel = $3""",
        event_id,
        recipient,
        channel.value,
    )
    return DeliveryStatus(status) if status is not None else None


async def claim(
    pool: asyncpg.Pool,
    *,
    event: Event,
    recipient: str,
    channel: DeliveryChannel,
    holder: str,
    lease_s: float,
) -> Claim:
    """Lease this delivery to `holder` for `lease_s` seconds, unless it is settled or leased.

    A lease that ran out (its holder died while sending) is taken over."""
    async with pool.acquire() as connection:
        # One statement: of two replicas claiming at once, exactly one gets the row.
        ours = await connection.fetchval(
            """INSERT INTO deliveries AS d (event_id, recipient_role, channel, status,
                   attempts, complaint_id, event_type, claimed_by, claimed_until, updated_at)
            VALUES ($1, $2, $3, 'sending', 0, $4, $5, $6, now() + make_interval(secs => $7),
                    now())
            ON CONFLICT (event_id, recipient_role, channel) DO UPDATE
            SET claimed_by = EXCLUDED.claimed_by, claimed_until = EXCLUDED.claimed_until
            WHERE d.status NOT IN ('sent', 'dead')
              AND (d.claimed_until IS NULL OR d.claimed_until <= now())
            RETURNING true""",
            event.id,
            recipient,
            channel.value,
            event.complaint_id,
            event.type,
            holder,
            lease_s,
        )
        if ours:
            return Claim(ours=True)
        row = await connection.fetchrow(
            """SELECT status, EXTRACT(EPOCH FROM claimed_until - now())::float8 AS held_for
            FROM deliveries WHERE event_id = $1 AND recipient_role = $2 AND channel = $3""",
            event.id,
            recipient,
            channel.value,
        )
    status = DeliveryStatus(row["status"])
    if status in (DeliveryStatus.SENT, DeliveryStatus.DEAD):
        return Claim(ours=False, settled=status)
    # At least a second: a lease released just now is claimable on the next try.
    return Claim(ours=False, held_for=max(row["held_for"] or 0.0, 1.0))


async def record_attempt(
    pool: asyncpg.Pool,
    *,
    event: Event,
    recipient: str,
    channel: DeliveryChannel,
    error: str | None,
    dead_after: int,
    holder: str,
) -> tuple[DeliveryStatus, int]:
    """Log one attempt (error None: sent) and release `holder`'s lease; returns the new
    status and the attempt count.

    A failure that reaches `dead_after` attempts makes the delivery dead, keeping its event."""
    async with pool.acquire() as connection, connection.transaction():
        # A lease another replica took over after ours ran out stays theirs.
        row = await connection.fetchrow(
            """INSERT INTO deliveries (event_id, recipient_role, channel, status, attempts,
                   last_error, complaint_id, event_type, updated_at)
            VALUES ($1, $2, $3, $4, 1, $5, $6, $7, now())
            ON CONFLICT (event_id, recipient_role, channel) DO UPDATE
            SET status = EXCLUDED.status, attempts = deliveries.attempts + 1,
                last_error = EXCLUDED.last_error, complaint_id = EXCLUDED.complaint_id,
                event_type = EXCLUDED.event_type, updated_at = now(),
                claimed_by = NULLIF(deliveries.claimed_by, $8),
                claimed_until = CASE WHEN deliveries.claimed_by = $8 THEN NULL
                                     ELSE deliveries.claimed_until END
            RETURNING id, attempts""",
            event.id,
            recipient,
            channel.value,
            DeliveryStatus.SENT if error is None else DeliveryStatus.FAILED,
            error,
            event.complaint_id,
            event.type,
            holder,
        )
        status = DeliveryStatus.SENT if error is None else DeliveryStatus.FAILED
        if error is not None and row["attempts"] >= dead_after:
            status = DeliveryStatus.DEAD
            await connection.execute(
                "UPDATE deliveries SET status = $2, event = $3 WHERE id = $1",
                row["id"],
                status.value,
                event.model_dump(mode="json"),
            )
        await connection.execute(
            """INSERT INTO delivery_attempts (delivery_id, attempt, outcome, error)
            VALUES ($1, $2, $3, $4)""",
            row["id"],
            row["attempts"],
            "sent" if error is None else "failed",
            error,
        )
        return status, int(row["attempts"])


async def list_deliveries(
    pool: asyncpg.Pool, *, dead_only: bool = False, limit: int = 50
) -> list[DeliveryRow]:
    """The latest deliveries (or only the dead ones and those being replayed), newest first."""
    rows = await pool.fetch(
        """SELECT id, event_id, complaint_id, event_type, recipient_role, channel, status,
               attempts, last_error, updated_at FROM deliveries
        WHERE NOT $1 OR status IN ('dead', 'replaying')
        ORDER BY updated_at DESC, id DESC LIMIT $2""",
        dead_only,
        limit,
    )
    return [_row(r) for r in rows]


async def attempts_of(pool: asyncpg.Pool, *, delivery_id: int) -> list[tuple[str, str | None]]:
    """Every attempt of one delivery, in order: (outcome, error)."""
    rows = await pool.fetch(
        "SELECT outcome, error FROM delivery_attempts WHERE delivery_id = $1 ORDER BY id",
        delivery_id,
    )
    return [(r["outcome"], r["error"]) for r in rows]


async def start_replay(
    pool: asyncpg.Pool, *, ids: list[int] | None
) -> list[tuple[int, dict[str, Any]]]:
    """Mark dead deliveries (all, or those of `ids`) as replaying with fresh attempts.

    Returns (id, event) for each; rows already replaying are taken again, so a replay whose
    publication was lost is never stuck. The outbox is the fallback for the event."""
    rows = await pool.fetch(
        """UPDATE deliveries d SET status = 'replaying', attempts = 0, updated_at = now()
        FROM (SELECT d2.id, COALESCE(d2.event, o.payload) AS payload FROM deliveries d2
              LEFT JOIN outbox o ON o.event_id = d2.event_id
              WHERE d2.status IN ('dead', 'replaying')
                AND ($1::bigint[] IS NULL OR d2.id = ANY($1::bigint[]))
                AND COALESCE(d2.event, o.payload) IS NOT NULL
              FOR UPDATE OF d2) AS src
        WHERE d.id = src.id RETURNING d.id, src.payload""",
        ids,
    )
    return [(int(r["id"]), dict(r["payload"])) for r in rows]


async def back_to_dead(pool: asyncpg.Pool, *, ids: list[int], reason: str) -> None:
    """Undo `start_replay` for deliveries whose event could not be published."""
    await pool.execute(
        """UPDATE deliveries SET status = 'dead', last_error = $2, updated_at = now()
        WHERE id = ANY($1::bigint[]) AND status = 'replaying'""",
        ids,
        reason,
    )


def _row(r: asyncpg.Record) -> DeliveryRow:
    return DeliveryRow(
        id=r["id"],
        event_id=r["event_id"],
        complaint_id=r["complaint_id"],
        event_type=r["event_type"],
        recipient=r["recipient_role"],
        channel=r["channel"],
        status=r["status"],
        attempts=r["attempts"],
        last_error=r["last_error"],
        updated_at=r["updated_at"],
    )
