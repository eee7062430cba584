"""Complaint records in PostgreSQL: creation with its event, transitions, reads."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from aduan import outbox
from aduan.domain import DeadlineKind, Status
from aduan.events import new_event

_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U


class IdempotencyConflict(Exception):
    """An Idempotency-Key was reused for a different request."""


def new_tracking_code() -> str:
    """A short code a complainant can read out on the phone, e.g. ADU-7KX2-M9QP."""
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"ADU-{chars[:4]}-{chars[4:]}"


def access_token(secret: str, complaint_id: uuid.UUID) -> str:
    """The complainant's secret: derived, not stored, so a retried submission gets it again."""
    digest = hmac.new(secret.encode(), str(complaint_id).encode(), hashlib.sha256).hexdigest()
    return digest[:32]


def token_matches(secret: str, complaint_id: uuid.UUID, token: str) -> bool:
    """Constant-time check of a complainant's token."""
    return hmac.compare_digest(access_token(secret, complaint_id), token)


@dataclass
class NewComplaint:
    """A validated complaint as intake hands it to the store."""

    description: str
    channel: str
    received_at: datetime
    request_hash: str
    language: str = "id"
    subject: str | None = None
    category: str | None = None
    complaint_class: str | None = None
    complainant: dict[str, Any] = field(default_factory=dict)
    account_ref: str | None = None
    location: dict[str, Any] | None = None
    external_ref: str | None = None
    idempotency_key: str | None = None


@dataclass
class Created:
    """What a submission answers; `created` is False for a recognised retry."""

    id: uuid.UUID
    tracking_code: str
    status: str
    received_at: datetime
    created: bool


_RETURNING = "id, tracking_code, status, received_at, request_hash, idempotency_key"


async def create(pool: asyncpg.Pool, new: NewComplaint) -> Created:
    """Store the complaint and its `received` event in one transaction, or find the original."""
    for _ in range(3):  # a random tracking code may collide; try another
        complaint_id = uuid.uuid4()
        async with pool.acquire() as connection, connection.transaction():
            row = await connection.fetchrow(
                f"""INSERT INTO complaints (id, tracking_code, idempotency_key, request_hash,
                    channel, external_ref, subject, description, category, complaint_class,
                    language, complainant, account_ref, location, received_at, updated_at)
                VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$15)
                ON CONFLICT DO NOTHING RETURNING {_RETURNING}""",
                complaint_id, new_tracking_code(), new.idempotency_key, new.request_hash,
                new.channel, new.external_ref, new.subject, new.description, new.category,
                new.complaint_class, new.language, new.complainant, new.account_ref,
                new.location, new.received_at,
            )
            if row is not None:
                await outbox.enqueue(connection, new_event(
                    "received", complaint_id, new.received_at, _received_data(row, new),
                    step="received",
                ))
                return _created(row, created=True)
        existing = await pool.fetchrow(
            f"""SELECT {_RETURNING} FROM complaints
            WHERE idempotency_key = $1 OR (channel = $2 AND external_ref = $3)""",
            new.idempotency_key, new.channel, new.external_ref,
        )
        if existing is not None:
            if new.idempotency_key and existing["idempotency_key"] == new.idempotency_key \
                    and existing["request_hash"] != new.request_hash:
                raise IdempotencyConflict("this Idempotency-Key was used for another request")
            return _created(existing, created=False)
    raise RuntimeError("could not allocate a unique tracking code")


def _created(row: asyncpg.Record, *, created: bool) -> Created:
    return Created(row["id"], row["tracking_code"], row["status"], row["received_at"], created)


def _received_data(row: asyncpg.Record, new: NewComplaint) -> dict[str, Any]:
    # Routing needs the text and hints; the complainant's identity never goes on the bus.
    return {
        "tracking_code": row["tracking_code"], "channel": new.channel,
        "language": new.language, "subject": new.subject, "description": new.description,
        "category": new.category, "complaint_class": new.complaint_class,
        "region_code": (new.location or {}).get("region_code"),
    }


async def find_by_tracking_code(pool: asyncpg.Pool, tracking_code: str) -> asyncpg.Record | None:
    """The complaint with this tracking code, if any."""
    return await pool.fetchrow("SELECT * FROM complaints WHERE tracking_code = $1", tracking_code)


async def find(pool: asyncpg.Pool, complaint_id: uuid.UUID) -> asyncpg.Record | None:
    """The complaint with this id, if any."""
    return await pool.fetchrow("SELECT * FROM complaints WHERE id = $1", complaint_id)


async def deadlines(pool: asyncpg.Pool, complaint_id: uuid.UUID) -> list[asyncpg.Record]:
    """Every deadline of a complaint, earliest first."""
    rows: list[asyncpg.Record] = await pool.fetch(
        "SELECT * FROM deadlines WHERE complaint_id = $1 ORDER BY due_at", complaint_id
    )
    return rows


async def timeline(
    pool: asyncpg.Pool, complaint_id: uuid.UUID, *, public_only: bool
) -> list[asyncpg.Record]:
    """The complaint's timeline in order; the public one leaves internal entries out."""
    rows: list[asyncpg.Record] = await pool.fetch(
        "SELECT * FROM timeline WHERE complaint_id = $1 AND (public OR NOT $2) ORDER BY id",
        complaint_id, public_only,
    )
    return rows


# The desk's view: `next_due` is the earliest unmet deadline the provider is held to while
# its clock runs (a paused or answered complaint awaits the complainant, a closed one nothing).
_STAFF_VIEW = """
SELECT v.*, COALESCE(v.next_due < $1, false) AS overdue FROM (
    SELECT c.*, CASE WHEN c.status = ANY($2::text[]) THEN
        (SELECT min(d.due_at) FROM deadlines d WHERE d.complaint_id = c.id
            AND d.met_at IS NULL AND d.kind = ANY($3::text[])) END AS next_due
    FROM complaints c) AS v"""
_CLOCK_RUNNING = [str(s) for s in (Status.RECEIVED, Status.ROUTED, Status.IN_PROGRESS)]
_PROVIDER_DEADLINES = [str(kind) for kind in DeadlineKind if kind.legal]


async def find_for_staff(
    pool: asyncpg.Pool, complaint_id: uuid.UUID, *, now: datetime
) -> asyncpg.Record | None:
    """The complaint with its `next_due` and whether it is `overdue` at `now`."""
    return await pool.fetchrow(f"{_STAFF_VIEW} WHERE v.id = $4",
                               now, _CLOCK_RUNNING, _PROVIDER_DEADLINES, complaint_id)


async def list_for_staff(
    pool: asyncpg.Pool, *, now: datetime, status: str | None = None, unit: str | None = None,
    complaint_class: str | None = None, escalation_level: str | None = None,
    overdue: bool | None = None, only_unit: str | None = None, or_escalated: bool = False,
    limit: int = 100,
) -> list[asyncpg.Record]:
    """The desk's queue, soonest unmet deadline first.

    `only_unit` restricts it to one unit (plus escalated complaints with `or_escalated`)."""
    rows: list[asyncpg.Record] = await pool.fetch(
        f"""{_STAFF_VIEW}
        WHERE ($4::text IS NULL OR v.unit = $4 OR ($5 AND v.escalation_level <> 'none'))
          AND ($6::text IS NULL OR v.status = $6) AND ($7::text IS NULL OR v.unit = $7)
          AND ($8::text IS NULL OR v.complaint_class = $8)
          AND ($9::text IS NULL OR v.escalation_level = $9)
          AND ($10::boolean IS NULL OR COALESCE(v.next_due < $1, false) = $10)
        ORDER BY v.next_due NULLS LAST, v.received_at, v.id LIMIT $11""",
        now, _CLOCK_RUNNING, _PROVIDER_DEADLINES, only_unit, or_escalated, status, unit,
        complaint_class, escalation_level, overdue, limit,
    )
    return rows
