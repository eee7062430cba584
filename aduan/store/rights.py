"""The complainant's rights in PostgreSQL: find everything held about one person, export it,
erase it (the retention anonymisation, at once, with the admin and the reason recorded), and
the requests complainants leave on the tracking page (docs/privacy.md)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from pydantic_core import to_jsonable_python

from aduan.adapters.attachments import AttachmentStore
from aduan.domain.errors import ActionNotAllowed, NotFound
from aduan.domain.phone import international
from aduan.store.retention import anonymise, discard_objects

REQUEST_KINDS = ("export", "erase")


@dataclass(frozen=True)
class Lookup:
    """Who: by e-mail, phone or tracking code (exactly one, checked by the caller)."""

    email: str | None = None
    phone: str | None = None
    tracking_code: str | None = None


async def _by_contact(pool: asyncpg.Pool, email: str | None, phone: str | None) -> list[uuid.UUID]:
    found: set[uuid.UUID] = set()
    if email:
        rows = await pool.fetch(
            """SELECT id FROM complaints WHERE anonymised_at IS NULL
            AND lower(complainant->>'email') = lower($1)""",
            email.strip(),
        )
        found |= {row["id"] for row in rows}
    if phone:
        wanted = international(phone)
        # The last digits narrow it down in SQL; international() decides, as channels do.
        rows = await pool.fetch(
            """SELECT id, complainant->>'phone' AS phone FROM complaints
            WHERE anonymised_at IS NULL AND complainant ? 'phone'
              AND right(regexp_replace(complainant->>'phone', '\\D', '', 'g'), 8) = $1""",
            wanted[-8:],
        )
        found |= {row["id"] for row in rows if international(row["phone"] or "") == wanted}
    return sorted(found)


async def find(pool: asyncpg.Pool, who: Lookup) -> list[uuid.UUID]:
    """Every complaint not yet anonymised of the person: by their e-mail or phone, or, from
    a tracking code, by that complaint's own e-mail and phone (and the complaint itself)."""
    if who.tracking_code:
        row = await pool.fetchrow(
            """SELECT id, complainant->>'email' AS email, complainant->>'phone' AS phone
            FROM complaints WHERE tracking_code = upper($1) AND anonymised_at IS NULL""",
            who.tracking_code.strip(),
        )
        if row is None:
            return []
        return sorted({row["id"], *await _by_contact(pool, row["email"], row["phone"])})
    return await _by_contact(pool, who.email, who.phone)


_EXPORTED_COLUMNS = """id, tracking_code, channel, external_ref, status, outcome,
    escalation_level, subject, description, category, complaint_class, language, complainant,
    account_ref, location, unit, officer, received_at, updated_at, entered_by, channel_data,
    attachments, contact_confirmed_at, answers"""


async def export(pool: asyncpg.Pool, ids: Sequence[uuid.UUID]) -> dict[str, Any]:
    """Everything held about these complaints, as JSON-ready data: each complaint with its
    timeline, deadlines and attachments (names, types, sizes, keys)."""
    async with (
        pool.acquire() as connection,
        connection.transaction(isolation="repeatable_read", readonly=True),
    ):
        complaints = await connection.fetch(
            f"SELECT {_EXPORTED_COLUMNS} FROM complaints WHERE id = ANY($1) ORDER BY received_at",
            list(ids),
        )
        timeline = await connection.fetch(
            """SELECT complaint_id, event_type, status, escalation_level, public, data,
                occurred_at FROM timeline WHERE complaint_id = ANY($1) ORDER BY id""",
            list(ids),
        )
        deadlines = await connection.fetch(
            """SELECT complaint_id, kind, started_at, due_at, met_at, missed_at
            FROM deadlines WHERE complaint_id = ANY($1) ORDER BY started_at, kind""",
            list(ids),
        )
    held: list[dict[str, Any]] = []
    for complaint in complaints:
        item = dict(complaint)
        item["timeline"] = [
            {k: v for k, v in dict(t).items() if k != "complaint_id"}
            for t in timeline
            if t["complaint_id"] == complaint["id"]
        ]
        item["deadlines"] = [
            {k: v for k, v in dict(d).items() if k != "complaint_id"}
            for d in deadlines
            if d["complaint_id"] == complaint["id"]
        ]
        held.append(item)
    exported: dict[str, Any] = to_jsonable_python({"complaints": held})
    return exported


async def still_open(pool: asyncpg.Pool, ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """Those of `ids` not closed yet (they are withdrawn before an erasure)."""
    rows = await pool.fetch(
        "SELECT id FROM complaints WHERE id = ANY($1) AND status <> 'closed' ORDER BY id",
        list(ids),
    )
    return [row["id"] for row in rows]


async def erase(
    pool: asyncpg.Pool,
    store: AttachmentStore | None,
    ids: Sequence[uuid.UUID],
    *,
    username: str,
    reason: str,
    now: datetime,
) -> int:
    """Anonymise these complaints at once, recording who erased them and why; refused
    (nothing changed) while any of them is open. The complainant's open requests are done."""
    if not ids:
        raise NotFound("no complaint of this complainant holds personal data")
    async with pool.acquire() as connection, connection.transaction():
        rows = await connection.fetch(
            "SELECT tracking_code, status FROM complaints WHERE id = ANY($1) FOR UPDATE",
            list(ids),
        )
        still_open = sorted(row["tracking_code"] for row in rows if row["status"] != "closed")
        if still_open:
            # Withdrawing closes it first (services/desk/rights.py); one not yet routed, or
            # one that opened meanwhile, is refused whole.
            raise ActionNotAllowed(
                f"complaint {', '.join(still_open)} is still open and could not be withdrawn"
                " first; try again once it is routed",
                open=still_open,
            )
        refs = await anonymise(connection, ids, now)
        await connection.executemany(
            "INSERT INTO erasures (at, complaint_id, username, reason) VALUES ($1, $2, $3, $4)",
            [(now, complaint_id, username, reason) for complaint_id in ids],
        )
        await connection.execute(
            """UPDATE rights_requests SET handled_at = $2, handled_by = $3
            WHERE complaint_id = ANY($1) AND handled_at IS NULL""",
            list(ids),
            now,
            username,
        )
        await discard_objects(store, refs)
    return len(ids)


async def request(pool: asyncpg.Pool, complaint_id: uuid.UUID, kind: str) -> None:
    """Queue a complainant's request for an admin; one open request per kind and complaint."""
    await pool.execute(
        """INSERT INTO rights_requests (complaint_id, kind)
        SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM rights_requests
            WHERE complaint_id = $1 AND kind = $2 AND handled_at IS NULL)""",
        complaint_id,
        kind,
    )


async def open_requests(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    """The requests no admin has handled yet, oldest first, with the tracking code."""
    rows: list[asyncpg.Record] = await pool.fetch(
        """SELECT r.id, r.created_at, r.kind, c.tracking_code FROM rights_requests r
        JOIN complaints c ON c.id = r.complaint_id
        WHERE r.handled_at IS NULL ORDER BY r.created_at, r.id"""
    )
    return rows


async def mark_handled(
    pool: asyncpg.Pool, ids: Sequence[uuid.UUID], username: str, now: datetime
) -> None:
    """Mark the export requests of these complaints done (the admin downloaded the export)."""
    await pool.execute(
        """UPDATE rights_requests SET handled_at = $2, handled_by = $3
        WHERE complaint_id = ANY($1) AND kind = 'export' AND handled_at IS NULL""",
        list(ids),
        now,
        username,
    )


async def summaries(pool: asyncpg.Pool, ids: Sequence[uuid.UUID]) -> list[asyncpg.Record]:
    """The tracking code, status and receipt of each complaint, oldest first (no identity)."""
    rows: list[asyncpg.Record] = await pool.fetch(
        """SELECT tracking_code, status, received_at FROM complaints WHERE id = ANY($1)
        ORDER BY received_at""",
        list(ids),
    )
    return rows
