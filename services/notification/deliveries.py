"""The delivery log: one row per (event, recipient role, channel), so redelivery never resends."""

from __future__ import annotations

import uuid
from enum import StrEnum

import asyncpg

# A failed delivery is retried after a delay that doubles with each attempt, up to a cap.
RETRY_BASE_S = 2.0
RETRY_MAX_S = 300.0


class Role(StrEnum):
    """Who a notification is for."""

    COMPLAINANT = "complainant"
    SUPERVISOR = "supervisor"
    OMBUDSMAN = "ombudsman"


class DeliveryChannel(StrEnum):
    """How it is delivered."""

    EMAIL = "email"
    HTTP = "http"


class DeliveryFailed(Exception):
    """A delivery did not go through; `reason` is safe to log and store (no personal data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def retry_delay(attempts: int) -> float:
    """Seconds to wait before the next attempt, after `attempts` failed ones."""
    return min(RETRY_BASE_S * 2.0 ** max(attempts - 1, 0), RETRY_MAX_S)


async def is_sent(
    pool: asyncpg.Pool, *, event_id: uuid.UUID, role: Role, channel: DeliveryChannel
) -> bool:
    """True when this event already reached this recipient on this channel."""
    status = await pool.fetchval(
        """SELECT status FROM deliveries
        WHERE event_id = $1 AND recipient_role = $2 AND channel = $3""",
        event_id, role.value, channel.value,
    )
    return bool(status == "sent")


async def record_attempt(
    pool: asyncpg.Pool, *, event_id: uuid.UUID, role: Role, channel: DeliveryChannel,
    sent: bool, error: str | None = None,
) -> int:
    """Log one attempt (sent or failed); returns how many attempts this delivery has had."""
    attempts: int = await pool.fetchval(
        """INSERT INTO deliveries (event_id, recipient_role, channel, status, attempts,
               last_error, updated_at)
        VALUES ($1, $2, $3, $4, 1, $5, now())
        ON CONFLICT (event_id, recipient_role, channel) DO UPDATE
        SET status = EXCLUDED.status, attempts = deliveries.attempts + 1,
            last_error = EXCLUDED.last_error, updated_at = now()
        RETURNING attempts""",
        event_id, role.value, channel.value, "sent" if sent else "failed", error,
    )
    return attempts
