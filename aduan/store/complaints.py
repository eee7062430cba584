"""Complaint records in PostgreSQL: creation with its event, transitions, reads."""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from aduan.domain import signing
from aduan.domain.errors import IdempotencyConflict
from aduan.domain.events import EventType, event_id_for, new_event
from aduan.domain.vocabulary import DeadlineKind, Status
from aduan.store import outbox

_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U


def new_tracking_code() -> str:
    """A short code a complainant can read out on the phone, e.g. ADU-7KX2-M9QP."""
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"ADU-{chars[:4]}-{chars[4:]}"


# A tracking code inside free text: a mail subject, a recipient, an SMS.
_CODE_IN_TEXT = re.compile(
    rf"(?<![0-9A-Z])ADU-([{_CODE_ALPHABET}]{{4}})-([{_CODE_ALPHABET}]{{4}})"
    r"(?![0-9A-Z])",
    re.IGNORECASE,
)


def find_tracking_code(text: str) -> str | None:
    """The first tracking code written in `text` (any case), upper-cased; None if none."""
    found = _CODE_IN_TEXT.search(text)
    return f"ADU-{found[1]}-{found[2]}".upper() if found else None


def without_tracking_code(text: str) -> str:
    """`text` with its tracking codes taken out (what remains of an SMS reply)."""
    return " ".join(_CODE_IN_TEXT.sub(" ", text).split())


def access_token(secret: str, complaint_id: uuid.UUID) -> str:
    """The complainant's secret: derived, not stored, so a retried submission gets it again."""
    return signing.sign(secret.encode(), str(complaint_id).encode())[:32]


def token_matches(secret: str, complaint_id: uuid.UUID, token: str) -> bool:
    """Constant-time check of a complainant's token."""
    return signing.matches(access_token(secret, complaint_id), token)


_CONTACT_LABEL = b"aduan contact v1"  # its own key: never doubles as an access token


def contact_token(secret: str, complaint_id: uuid.UUID, email: str) -> str:
    """The token of the receipt's confirmation link: proves the mailbox received the receipt."""
    key = signing.derive_key(secret, _CONTACT_LABEL)
    message = f"{complaint_id}:{email.strip().lower()}".encode()
    return signing.sign(key, message)[:32]


def contact_confirmed(complaint: Mapping[str, Any]) -> bool:
    """Whether the complainant's e-mail address may hear more from us than the receipt."""
    return complaint.get("contact_confirmed_at") is not None


async def confirm_contact(pool: asyncpg.Pool, complaint_id: uuid.UUID) -> None:
    """Record that the complainant proved their e-mail address (idempotent)."""
    await pool.execute(
        """UPDATE complaints SET contact_confirmed_at = now()
        WHERE id = $1 AND contact_confirmed_at IS NULL""",
        complaint_id,
    )


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
    entered_by: str | None = None  # the staff user who typed it in for a caller
    channel_data: dict[str, Any] = field(default_factory=dict)
    attachments: list[dict[str, Any]] = field(default_factory=list)  # AttachmentRef dicts
    contact_confirmed: bool = False  # the channel proved the e-mail address is theirs
    answers: dict[str, Any] = field(default_factory=dict)  # cleaned, by question code


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
                    language, complainant, account_ref, location, received_at, updated_at,
                    entered_by, channel_data, attachments, contact_confirmed_at, answers)
                VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$15,$16,$17,$18,
                        CASE WHEN $19::boolean THEN $15::timestamptz END, $20)
                ON CONFLICT DO NOTHING RETURNING {_RETURNING}""",
                complaint_id,
                new_tracking_code(),
                new.idempotency_key,
                new.request_hash,
                new.channel,
                new.external_ref,
                new.subject,
                new.description,
                new.category,
                new.complaint_class,
                new.language,
                new.complainant,
                new.account_ref,
                new.location,
                new.received_at,
                new.entered_by,
                new.channel_data,
                new.attachments,
                new.contact_confirmed,
                new.answers,
            )
            if row is not None:
                await outbox.enqueue(
                    connection,
                    new_event(
                        EventType.RECEIVED,
                        complaint_id,
                        new.received_at,
                        _received_data(row, new),
                        step="received",
                    ),
                )
                return _created(row, created=True)
        existing = await pool.fetchrow(
            f"""SELECT {_RETURNING} FROM complaints
            WHERE idempotency_key = $1 OR (channel = $2 AND external_ref = $3)""",
            new.idempotency_key,
            new.channel,
            new.external_ref,
        )
        if existing is not None:
            # Only the same request gets the first answer back: a different body under a
            # known key or channel message id must not learn that complaint's access token.
            if existing["request_hash"] != new.request_hash:
                raise IdempotencyConflict(
                    "this Idempotency-Key or (channel, external_ref) was used for another request"
                )
            return _created(existing, created=False)
    raise RuntimeError("could not allocate a unique tracking code")


async def is_retry(pool: asyncpg.Pool, new: NewComplaint) -> bool:
    """Whether a complaint was already stored under this submission's key or message id."""
    if new.idempotency_key is None and new.external_ref is None:
        return False
    return bool(
        await pool.fetchval(
            """SELECT EXISTS (SELECT 1 FROM complaints
        WHERE idempotency_key = $1 OR (channel = $2 AND external_ref = $3))""",
            new.idempotency_key,
            new.channel,
            new.external_ref,
        )
    )


async def recent_ref(
    pool: asyncpg.Pool, channel: str, refs: list[str], since: datetime
) -> str | None:
    """The first of `refs` that a complaint of `channel` received since `since` carries."""
    found: str | None = await pool.fetchval(
        """SELECT external_ref FROM complaints WHERE channel = $1
        AND external_ref = ANY($2::text[]) AND received_at >= $3
        ORDER BY received_at DESC LIMIT 1""",
        channel,
        refs,
        since,
    )
    return found


def _created(row: asyncpg.Record, *, created: bool) -> Created:
    return Created(row["id"], row["tracking_code"], row["status"], row["received_at"], created)


def _received_data(row: asyncpg.Record, new: NewComplaint) -> dict[str, Any]:
    # Hints for routing, which reads the text itself from this row: neither the complainant's
    # identity nor their words go on the bus (aduan.domain.events.BUS_FIELDS). Of the
    # answers only which questions were answered (routing's `when_answered`): a value may
    # name the customer (a meter number), and the values stay in PostgreSQL.
    return {
        "tracking_code": row["tracking_code"],
        "channel": new.channel,
        "language": new.language,
        "category": new.category,
        "complaint_class": new.complaint_class,
        "region_code": (new.location or {}).get("region_code"),
        "entered_by": new.entered_by,  # a staff user, not the complainant
        "answered": sorted(new.answers),
    }


async def find_by_tracking_code(pool: asyncpg.Pool, tracking_code: str) -> asyncpg.Record | None:
    """The complaint with this tracking code, if any."""
    return await pool.fetchrow("SELECT * FROM complaints WHERE tracking_code = $1", tracking_code)


async def find(pool: asyncpg.Pool, complaint_id: uuid.UUID) -> asyncpg.Record | None:
    """The complaint with this id, if any."""
    return await pool.fetchrow("SELECT * FROM complaints WHERE id = $1", complaint_id)


async def add_attachments(
    pool: asyncpg.Pool,
    *,
    complaint_id: uuid.UUID,
    attachments: list[dict[str, Any]],
    max_count: int,
) -> bool:
    """Append attachment references unless the complaint is closed or would hold more than
    `max_count`; the check and the append are one statement, so racing uploads cannot
    exceed it. False if refused."""
    updated = await pool.fetchval(
        """UPDATE complaints SET attachments = attachments || $2::jsonb
        WHERE id = $1 AND status <> 'closed'
          AND jsonb_array_length(attachments) + jsonb_array_length($2::jsonb) <= $3
        RETURNING id""",
        complaint_id,
        attachments,
        max_count,
    )
    return updated is not None


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
        complaint_id,
        public_only,
    )
    return rows


async def step_data(
    pool: asyncpg.Pool, complaint_id: uuid.UUID, step: str | None, event_id: uuid.UUID
) -> dict[str, Any]:
    """The timeline data of the step that published an event: the words the event leaves
    out. An event from before events named their step is found by its id; {} if none."""
    if step is not None:
        data: dict[str, Any] | None = await pool.fetchval(
            "SELECT data FROM timeline WHERE complaint_id = $1 AND step = $2", complaint_id, step
        )
        return data or {}
    rows = await pool.fetch("SELECT step, data FROM timeline WHERE complaint_id = $1", complaint_id)
    found = (r["data"] for r in rows if event_id_for(complaint_id, r["step"]) == event_id)
    return next(found, None) or {}


async def routed_category(pool: asyncpg.Pool, complaint: Mapping[str, Any]) -> str | None:
    """The category routing settled on (the latest `routed` entry), else the one submitted."""
    found: str | None = await pool.fetchval(
        """SELECT data->>'category' FROM timeline WHERE complaint_id = $1
            AND event_type = 'routed' ORDER BY id DESC LIMIT 1""",
        complaint["id"],
    )
    return found or complaint["category"]


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
    return await pool.fetchrow(
        f"{_STAFF_VIEW} WHERE v.id = $4", now, _CLOCK_RUNNING, _PROVIDER_DEADLINES, complaint_id
    )


@dataclass(frozen=True)
class QueueFilter:
    """What the desk's queue is narrowed to; `only_unit` (plus escalated complaints with
    `or_escalated`) is the caller's scope, the rest are the filters they chose."""

    status: str | None = None
    unit: str | None = None
    complaint_class: str | None = None
    escalation_level: str | None = None
    overdue: bool | None = None
    channel: str | None = None
    received_from: datetime | None = None
    received_before: datetime | None = None
    only_unit: str | None = None
    or_escalated: bool = False
    text: str | None = None  # words of the subject or description (full-text search)
    needs_attention: bool = False  # only the late and the escalated (a supervisor's list)
    officer: str | None = None  # one officer's complaints ("My complaints")


# The same expression as the index complaints_text_search (migration 0010), so it is used.
_SEARCHED = (
    "to_tsvector('indonesian', aduan_unaccent(coalesce(v.subject, '') || ' ' || v.description))"
)
_QUEUE_WHERE = f"""
        WHERE ($4::text IS NULL OR v.unit = $4 OR ($5 AND v.escalation_level <> 'none'))
          AND ($6::text IS NULL OR v.status = $6) AND ($7::text IS NULL OR v.unit = $7)
          AND ($8::text IS NULL OR v.complaint_class = $8)
          AND ($9::text IS NULL OR v.escalation_level = $9)
          AND ($10::boolean IS NULL OR COALESCE(v.next_due < $1, false) = $10)
          AND ($11::text IS NULL OR v.channel = $11)
          AND ($12::timestamptz IS NULL OR v.received_at >= $12)
          AND ($13::timestamptz IS NULL OR v.received_at < $13)
          AND ($14::text IS NULL
               OR {_SEARCHED} @@ websearch_to_tsquery('indonesian', aduan_unaccent($14)))
          AND (NOT $15::boolean OR COALESCE(v.next_due < $1, false)
               OR v.escalation_level <> 'none')
          AND ($16::text IS NULL OR v.officer = $16)"""


def _queue_args(now: datetime, f: QueueFilter) -> list[Any]:
    return [
        now,
        _CLOCK_RUNNING,
        _PROVIDER_DEADLINES,
        f.only_unit,
        f.or_escalated,
        f.status,
        f.unit,
        f.complaint_class,
        f.escalation_level,
        f.overdue,
        f.channel,
        f.received_from,
        f.received_before,
        f.text,
        f.needs_attention,
        f.officer,
    ]


async def list_for_staff(
    pool: asyncpg.Pool,
    *,
    now: datetime,
    status: str | None = None,
    unit: str | None = None,
    complaint_class: str | None = None,
    escalation_level: str | None = None,
    overdue: bool | None = None,
    only_unit: str | None = None,
    or_escalated: bool = False,
    limit: int = 100,
) -> list[asyncpg.Record]:
    """The desk's queue, soonest unmet deadline first.

    `only_unit` restricts it to one unit (plus escalated complaints with `or_escalated`)."""
    chosen = QueueFilter(
        status,
        unit,
        complaint_class,
        escalation_level,
        overdue,
        None,
        None,
        None,
        only_unit,
        or_escalated,
    )
    return await queue_page(pool, now, chosen, limit=limit, offset=0)


async def queue_page(
    pool: asyncpg.Pool, now: datetime, chosen: QueueFilter, *, limit: int, offset: int
) -> list[asyncpg.Record]:
    """One page of the queue, soonest unmet deadline first."""
    rows: list[asyncpg.Record] = await pool.fetch(
        f"""{_STAFF_VIEW} {_QUEUE_WHERE}
        ORDER BY v.next_due NULLS LAST, v.received_at, v.id LIMIT $17 OFFSET $18""",
        *_queue_args(now, chosen),
        limit,
        offset,
    )
    return rows


async def queue_counts(pool: asyncpg.Pool, now: datetime, chosen: QueueFilter) -> dict[str, int]:
    """How many complaints of the filtered queue are in each status (the status filter aside)."""
    everything = QueueFilter(**{**chosen.__dict__, "status": None})
    rows = await pool.fetch(
        f"SELECT v.status, count(*) AS n FROM ({_STAFF_VIEW} {_QUEUE_WHERE}) v GROUP BY v.status",
        *_queue_args(now, everything),
    )
    return {row["status"]: row["n"] for row in rows}


# Open311's public view: no identity, only the flags that decide what of the text is shown.
_OPEN311_VIEW = """
SELECT c.tracking_code, c.status, c.channel, c.description, c.unit, c.location,
    c.channel_data, c.attachments, c.received_at, c.updated_at,
    COALESCE((c.complainant->>'confidential')::boolean, false) AS confidential,
    COALESCE((c.complainant->>'anonymous')::boolean, false) AS anonymous,
    COALESCE(routed.category, c.category, $1) AS category, d.due_at AS resolution_due,
    closed.occurred_at AS closed_at, last.event_type AS last_event,
    last.data AS last_event_data
FROM complaints c
LEFT JOIN deadlines d ON d.complaint_id = c.id AND d.kind = 'resolution'
LEFT JOIN LATERAL (SELECT t.data->>'category' AS category FROM timeline t
    WHERE t.complaint_id = c.id AND t.event_type = 'routed' ORDER BY t.id DESC LIMIT 1)
    routed ON true
LEFT JOIN LATERAL (SELECT t.occurred_at FROM timeline t
    WHERE t.complaint_id = c.id AND t.event_type = 'closed' ORDER BY t.id DESC LIMIT 1)
    closed ON true
LEFT JOIN LATERAL (SELECT t.event_type, t.data FROM timeline t
    WHERE t.complaint_id = c.id AND t.public ORDER BY t.id DESC LIMIT 1) last ON true"""


async def open311_requests(
    pool: asyncpg.Pool,
    *,
    default_category: str,
    tracking_codes: list[str] | None = None,
    categories: list[str] | None = None,
    received_from: datetime | None = None,
    received_until: datetime | None = None,
    closed: bool | None = None,
    limit: int = 1000,
    offset: int = 0,
    oldest_first: bool = False,
) -> list[asyncpg.Record]:
    """Complaints as Open311 lists them, newest first (or oldest first, for pages: a new
    complaint then joins the last page and shifts nobody); `category` falls back to
    routing's decision, then the channel's hint, then `default_category`."""
    order = "ASC" if oldest_first else "DESC"
    rows: list[asyncpg.Record] = await pool.fetch(
        f"""{_OPEN311_VIEW}
        WHERE ($2::text[] IS NULL OR c.tracking_code = ANY($2))
          AND ($3::text[] IS NULL OR COALESCE(routed.category, c.category, $1) = ANY($3))
          AND ($4::timestamptz IS NULL OR c.received_at >= $4)
          AND ($5::timestamptz IS NULL OR c.received_at <= $5)
          AND ($6::boolean IS NULL OR (c.status = 'closed') = $6)
        ORDER BY c.received_at {order}, c.id {order} LIMIT $7 OFFSET $8""",
        default_category,
        tracking_codes,
        categories,
        received_from,
        received_until,
        closed,
        limit,
        offset,
    )
    return rows


async def open311_updates(
    pool: asyncpg.Pool,
    *,
    occurred_from: datetime,
    occurred_until: datetime | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> list[asyncpg.Record]:
    """Public timeline steps in a period, in the order they were written (a later step
    joins the end), with only the flags that decide how much of their text is shown."""
    rows: list[asyncpg.Record] = await pool.fetch(
        """SELECT t.id AS update_id, t.event_type, t.status, t.data, t.occurred_at,
            c.tracking_code, c.channel,
            COALESCE((c.complainant->>'confidential')::boolean, false) AS confidential,
            COALESCE((c.complainant->>'anonymous')::boolean, false) AS anonymous
        FROM timeline t JOIN complaints c ON c.id = t.complaint_id
        WHERE t.public AND t.occurred_at >= $1
          AND ($2::timestamptz IS NULL OR t.occurred_at <= $2)
        ORDER BY t.id LIMIT $3 OFFSET $4""",
        occurred_from,
        occurred_until,
        limit,
        offset,
    )
    return rows
