"""Incidents in PostgreSQL: related complaints by pg_trgm similarity, incidents, their links,
and telling a complainant about one (timeline row and event in the link's transaction)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from aduan.domain import incidents as rules
from aduan.domain.errors import ActionNotAllowed, NotFound
from aduan.domain.events import EventType, new_event
from aduan.domain.incidents import IncidentStatus, LinkedHow, OpenIncident, Seen, place_of
from aduan.store import outbox


def text_of(alias: str) -> str:
    """The text compared, as SQL over table `alias`: the same expression as the index
    complaints_text_trigrams (migration 0013), so a `%` on it can use that index."""
    return f"aduan_unaccent(coalesce({alias}.subject, '') || ' ' || {alias}.description)"


def category_of(alias: str) -> str:
    """A complaint's category as SQL: routing's decision (the last `routed` step), else the
    hint it came with."""
    return f"""COALESCE((SELECT t.data->>'category' FROM timeline t
        WHERE t.complaint_id = {alias}.id AND t.event_type = 'routed'
        ORDER BY t.id DESC LIMIT 1), {alias}.category)"""


_INCIDENT_TEXT = "aduan_unaccent(i.title || ' ' || i.description)"


async def _threshold(connection: asyncpg.Connection, value: float) -> None:
    # `%` compares against this setting; local to the transaction, so pooled connections
    # keep PostgreSQL's default for everyone else.
    await connection.execute(
        "SELECT set_config('pg_trgm.similarity_threshold', $1, true)", str(value)
    )


async def similarities(pool: asyncpg.Pool, text: str, others: Sequence[str]) -> list[float]:
    """pg_trgm `similarity` of `text` with each of `others`, unaccented as the queries do
    (bench/similarity.py measures with it)."""
    rows = await pool.fetch(
        """SELECT similarity(aduan_unaccent($1), aduan_unaccent(o)) AS s
        FROM unnest($2::text[]) WITH ORDINALITY AS x(o, n) ORDER BY n""",
        text,
        list(others),
    )
    return [float(row["s"]) for row in rows]


async def incident_score(pool: asyncpg.Pool, text: str, incident_text: str) -> float:
    """pg_trgm `word_similarity` of a complaint's text within an incident's title and
    description, as arrival linking scores it."""
    score = await pool.fetchval(
        "SELECT word_similarity(aduan_unaccent($1), aduan_unaccent($2))", text, incident_text
    )
    return float(score)


@dataclass(frozen=True)
class Related:
    """A complaint proposed as related, with its text score and its incident if it has one."""

    row: asyncpg.Record
    similarity: float

    @property
    def incident_id(self) -> uuid.UUID | None:
        """The incident it is already linked to, if any."""
        found: uuid.UUID | None = self.row["incident_id"]
        return found


def _seen(row: asyncpg.Record) -> Seen:
    return Seen(row["id"], row["category"], place_of(row["location"]), row["received_at"])


async def related(pool: asyncpg.Pool, complaint_id: uuid.UUID) -> list[Related]:
    """The complaints proposed as related to this one (aduan.domain.incidents.is_related),
    most similar first; NotFound if there is no such complaint."""
    async with pool.acquire() as connection, connection.transaction():
        subject = await connection.fetchrow(
            f"""SELECT c.id, c.location, c.received_at, {category_of("c")} AS category,
                {text_of("c")} AS text FROM complaints c WHERE c.id = $1""",
            complaint_id,
        )
        if subject is None:
            raise NotFound(f"no complaint {complaint_id}")
        if subject["category"] is None:
            return []
        await _threshold(connection, rules.RELATED_MIN_SIMILARITY)
        rows = await connection.fetch(
            f"""SELECT v.* FROM (
                SELECT c.id, c.tracking_code, c.status, c.unit, c.escalation_level,
                    c.subject, c.description, c.location, c.received_at,
                    {category_of("c")} AS category, similarity({text_of("c")}, $2) AS similarity,
                    ic.incident_id
                FROM complaints c LEFT JOIN incident_complaints ic ON ic.complaint_id = c.id
                WHERE c.id <> $1 AND {text_of("c")} % $2
                  AND c.received_at BETWEEN $3::timestamptz - $4::interval
                                        AND $3::timestamptz + $4::interval) v
            WHERE v.category = $5
            ORDER BY v.similarity DESC, v.received_at LIMIT $6""",
            complaint_id,
            subject["text"],
            subject["received_at"],
            rules.STRONG_WINDOW,
            subject["category"],
            rules.RELATED_LIMIT * 4,  # the place and time rules drop some below
        )
    me = _seen(subject)
    found = [Related(row, float(row["similarity"])) for row in rows]
    chosen = [r for r in found if rules.is_related(me, _seen(r.row), r.similarity)]
    return chosen[: rules.RELATED_LIMIT]


# Incidents ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewIncident:
    """What a supervisor writes to open an incident (checked by the HTTP layer's model)."""

    title: str
    description: str
    category: str
    region_code: str


_SUMMARY = """SELECT i.*, (SELECT count(*) FROM incident_complaints ic
    WHERE ic.incident_id = i.id) AS complaints FROM incidents i"""


async def create(
    pool: asyncpg.Pool, new: NewIncident, *, created_by: str, now: datetime
) -> asyncpg.Record:
    """Open an incident; answers its row (with `complaints`, 0)."""
    incident_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO incidents (id, title, description, category, region_code, created_by,
            created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        incident_id,
        new.title,
        new.description,
        new.category,
        new.region_code,
        created_by,
        now,
    )
    return await _found(pool, incident_id)


async def find(pool: asyncpg.Pool, incident_id: uuid.UUID) -> asyncpg.Record | None:
    """The incident with its number of linked complaints, if any."""
    return await pool.fetchrow(f"{_SUMMARY} WHERE i.id = $1", incident_id)


async def _found(pool: asyncpg.Pool, incident_id: uuid.UUID) -> asyncpg.Record:
    row = await find(pool, incident_id)
    if row is None:
        raise NotFound(f"no incident {incident_id}")
    return row


async def listed(
    pool: asyncpg.Pool, *, status: IncidentStatus | None = None, limit: int = 200
) -> list[asyncpg.Record]:
    """Incidents, the open ones first, newest first."""
    rows: list[asyncpg.Record] = await pool.fetch(
        f"""{_SUMMARY} WHERE ($1::text IS NULL OR i.status = $1)
        ORDER BY i.status = 'closed', i.created_at DESC LIMIT $2""",
        status,
        limit,
    )
    return rows


async def linked(pool: asyncpg.Pool, incident_id: uuid.UUID) -> list[asyncpg.Record]:
    """The complaints of an incident with how and when each was linked, oldest first."""
    rows: list[asyncpg.Record] = await pool.fetch(
        f"""SELECT c.id, c.tracking_code, c.status, c.unit, c.escalation_level, c.subject,
            c.description, c.location, c.received_at, c.language, {category_of("c")} AS category,
            ic.how, ic.linked_by, ic.linked_at
        FROM incident_complaints ic JOIN complaints c ON c.id = ic.complaint_id
        WHERE ic.incident_id = $1 ORDER BY c.received_at, c.id""",
        incident_id,
    )
    return rows


async def incident_of(pool: asyncpg.Pool, complaint_id: uuid.UUID) -> asyncpg.Record | None:
    """The incident a complaint is linked to, if any."""
    return await pool.fetchrow(
        f"""{_SUMMARY} JOIN incident_complaints l ON l.incident_id = i.id
        WHERE l.complaint_id = $1""",
        complaint_id,
    )


async def link(
    pool: asyncpg.Pool,
    incident_id: uuid.UUID,
    complaint_id: uuid.UUID,
    *,
    by: str,
    how: LinkedHow,
    now: datetime,
) -> bool:
    """Link a complaint to an open incident and tell its complainant, in one transaction;
    False if it already was. ActionNotAllowed if the incident is closed or the complaint
    belongs to another one; NotFound if either does not exist."""
    async with pool.acquire() as connection, connection.transaction():
        # Locked so a close and a link cannot cross: a closed incident collects nothing.
        incident = await connection.fetchrow(
            "SELECT * FROM incidents WHERE id = $1 FOR UPDATE", incident_id
        )
        if incident is None:
            raise NotFound(f"no incident {incident_id}")
        complaint = await connection.fetchrow(
            "SELECT id, status, escalation_level FROM complaints WHERE id = $1", complaint_id
        )
        if complaint is None:
            raise NotFound(f"no complaint {complaint_id}")
        if incident["status"] != IncidentStatus.OPEN:
            raise ActionNotAllowed("the incident is closed; it takes no more complaints")
        inserted = await connection.fetchval(
            """INSERT INTO incident_complaints (incident_id, complaint_id, linked_by, linked_at,
                how) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING complaint_id""",
            incident_id,
            complaint_id,
            by,
            now,
            how,
        )
        if inserted is None:
            owner = await connection.fetchval(
                "SELECT incident_id FROM incident_complaints WHERE complaint_id = $1",
                complaint_id,
            )
            if owner == incident_id:
                return False
            raise ActionNotAllowed(
                f"the complaint belongs to incident {owner}; unlink it there first"
            )
        if complaint["status"] != "closed":
            await _tell(
                connection,
                complaint,
                EventType.INCIDENT_LINKED,
                rules.notice_step(incident_id, "linked"),
                {
                    "incident_id": str(incident_id),
                    "title": incident["title"],
                    "message": incident["title"],
                    "how": how,
                },
                now,
            )
        return True


async def unlink(pool: asyncpg.Pool, incident_id: uuid.UUID, complaint_id: uuid.UUID) -> bool:
    """Take a complaint out of an incident; False if it was not in it. Its complainant keeps
    what they were told, and its lifecycle is untouched."""
    removed = await pool.fetchval(
        """DELETE FROM incident_complaints WHERE incident_id = $1 AND complaint_id = $2
        RETURNING complaint_id""",
        incident_id,
        complaint_id,
    )
    return removed is not None


async def tell_answer(
    pool: asyncpg.Pool, incident: asyncpg.Record, complaint_id: uuid.UUID, now: datetime
) -> bool:
    """Tell a complainant the incident's answer without answering their complaint (it waits
    for their information); False if they were already told."""
    async with pool.acquire() as connection, connection.transaction():
        complaint = await connection.fetchrow(
            "SELECT id, status, escalation_level FROM complaints WHERE id = $1", complaint_id
        )
        if complaint is None:
            raise NotFound(f"no complaint {complaint_id}")
        return await _tell(
            connection,
            complaint,
            EventType.INCIDENT_ANSWERED,
            rules.notice_step(incident["id"], "answered"),
            {
                "incident_id": str(incident["id"]),
                "title": incident["title"],
                "message": incident["response"],
            },
            now,
        )


async def _tell(
    connection: asyncpg.Connection,
    complaint: asyncpg.Record,
    event_type: EventType,
    step: str,
    data: dict[str, Any],
    now: datetime,
) -> bool:
    """A public timeline row (the tracking page shows it) and its event (notification tells
    the complainant); the step is unique per complaint, so telling twice is a no-op."""
    inserted = await connection.fetchval(
        """INSERT INTO timeline (complaint_id, step, event_type, status, escalation_level,
            public, data, occurred_at) VALUES ($1, $2, $3, $4, $5, true, $6, $7)
        ON CONFLICT (complaint_id, step) DO NOTHING RETURNING id""",
        complaint["id"],
        step,
        event_type,
        complaint["status"],
        complaint["escalation_level"],
        data,
        now,
    )
    if inserted is None:
        return False
    event_data = {
        **data,
        "status": complaint["status"],
        "escalation_level": complaint["escalation_level"],
        "public": True,
    }
    event = new_event(event_type, complaint["id"], now, event_data, step=step)
    await outbox.enqueue(connection, event)
    return True


async def record_response(
    pool: asyncpg.Pool, incident_id: uuid.UUID, message: str, *, by: str, now: datetime
) -> asyncpg.Record:
    """Keep the incident's answer (shown on its public page); ActionNotAllowed once closed."""
    updated = await pool.fetchval(
        """UPDATE incidents SET response = $2, responded_by = $3, responded_at = $4
        WHERE id = $1 AND status = 'open' RETURNING id""",
        incident_id,
        message,
        by,
        now,
    )
    if updated is None:
        await _found(pool, incident_id)
        raise ActionNotAllowed("the incident is closed; it can no longer be answered")
    return await _found(pool, incident_id)


async def close(
    pool: asyncpg.Pool, incident_id: uuid.UUID, *, by: str, now: datetime
) -> asyncpg.Record:
    """Close an incident: it links nothing more and leaves the citizen form (idempotent)."""
    await pool.execute(
        """UPDATE incidents SET status = 'closed', closed_by = $2, closed_at = $3
        WHERE id = $1 AND status = 'open'""",
        incident_id,
        by,
        now,
    )
    return await _found(pool, incident_id)


# Arrival -----------------------------------------------------------------------------------


async def arrival_candidates(
    pool: asyncpg.Pool, complaint_id: uuid.UUID, category: str
) -> list[tuple[OpenIncident, float]]:
    """Each open incident of `category` with the complaint's best score against it: its text
    within the incident's title and description, or against a complaint linked to it."""
    rows = await pool.fetch(
        f"""WITH me AS (SELECT c.id, {text_of("c")} AS text FROM complaints c WHERE c.id = $1)
        SELECT i.id, i.category, i.region_code,
            greatest(word_similarity(me.text, {_INCIDENT_TEXT}),
                COALESCE((SELECT max(similarity({text_of("c")}, me.text))
                    FROM incident_complaints ic JOIN complaints c ON c.id = ic.complaint_id
                    WHERE ic.incident_id = i.id AND c.id <> me.id), 0)) AS score,
            ARRAY(SELECT c.location FROM incident_complaints ic
                JOIN complaints c ON c.id = ic.complaint_id
                WHERE ic.incident_id = i.id AND c.location IS NOT NULL) AS places
        FROM incidents i, me WHERE i.status = 'open' AND i.category = $2""",
        complaint_id,
        category,
    )
    return [
        (
            OpenIncident(
                row["id"],
                row["category"],
                row["region_code"],
                tuple(place_of(p) for p in row["places"]),
            ),
            float(row["score"]),
        )
        for row in rows
    ]


async def link_on_arrival(
    pool: asyncpg.Pool, complaint_id: uuid.UUID, category: str, *, now: datetime
) -> uuid.UUID | None:
    """Link a just-routed complaint to the open incident it matches closely enough
    (aduan.domain.incidents.best_match) and tell its complainant; the incident's id, or
    None. A redelivered event links and tells once."""
    if await pool.fetchval(
        "SELECT 1 FROM incident_complaints WHERE complaint_id = $1", complaint_id
    ):
        return None  # already linked (by an earlier delivery, or by staff)
    location = await pool.fetchval("SELECT location FROM complaints WHERE id = $1", complaint_id)
    chosen = rules.best_match(
        await arrival_candidates(pool, complaint_id, category), category, place_of(location)
    )
    if chosen is None:
        return None
    try:
        await link(pool, chosen.id, complaint_id, by="routing", how=LinkedHow.ARRIVAL, now=now)
    except ActionNotAllowed:  # closed meanwhile, or staff linked it elsewhere first
        return None
    return chosen.id


async def public_open(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    """Open incidents as anyone may see them: no complaint, no person."""
    rows: list[asyncpg.Record] = await pool.fetch(
        """SELECT id, title, description, category, region_code, status, created_at,
            response, responded_at FROM incidents WHERE status = 'open'
        ORDER BY created_at DESC LIMIT 100"""
    )
    return rows


async def public_one(pool: asyncpg.Pool, incident_id: uuid.UUID) -> asyncpg.Record | None:
    """One incident (open or closed) as anyone may see it."""
    return await pool.fetchrow(
        """SELECT id, title, description, category, region_code, status, created_at,
            response, responded_at, closed_at FROM incidents WHERE id = $1""",
        incident_id,
    )
