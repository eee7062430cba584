"""Routing links a complaint to the open incident it matches on arrival, against real
PostgreSQL and JetStream: once however often the event comes, and its complainant is told."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

import asyncpg
from nats.js import JetStreamContext

from aduan.config import PACKAGE_DIR
from aduan.domain.events import Event
from aduan.domain.incidents import LinkedHow
from aduan.domain.routing import load_rules
from aduan.store import incidents
from services.routing.consumer import Router
from tests.support.complaints import insert_complaint
from tests.support.incident_texts import (
    NEAR_MISSES,
    OTHER_TOPICS,
    OUTAGE_DESCRIPTION,
    OUTAGE_TITLE,
    SAME_OUTAGE,
)

RULES = load_rules(PACKAGE_DIR.parent / "services" / "routing" / "rules.yaml")


async def _received(pool: asyncpg.Pool, complaint_id: uuid.UUID) -> Event:
    payload = await pool.fetchval(
        "SELECT payload FROM outbox WHERE payload->>'complaint_id' = $1"
        " AND payload->>'type' = 'received'",
        str(complaint_id),
    )
    return Event.model_validate(payload)


async def _told(pool: asyncpg.Pool, complaint_id: uuid.UUID) -> list[dict[str, object]]:
    rows = await pool.fetch(
        "SELECT payload FROM outbox WHERE payload->>'complaint_id' = $1"
        " AND payload->>'type' = 'incident_linked'",
        str(complaint_id),
    )
    return [row["payload"] for row in rows]


async def _open_incident(pool: asyncpg.Pool, area: str, linked: int) -> uuid.UUID:
    now = datetime.now(UTC)
    row = await incidents.create(
        pool,
        incidents.NewIncident(OUTAGE_TITLE, OUTAGE_DESCRIPTION, "no_water", area),
        created_by="sri",
        now=now,
    )
    for n, text in enumerate(SAME_OUTAGE[:linked]):
        complaint = await insert_complaint(
            pool, description=text, category="no_water", location={"region_code": f"{area}.{n}"}
        )
        await incidents.link(pool, row["id"], complaint, by="sri", how=LinkedHow.STAFF, now=now)
    incident_id: uuid.UUID = row["id"]
    return incident_id


def _area() -> str:
    return f"{random.randint(10, 99)}.{random.randint(10, 99)}.{random.randint(10, 99)}"


async def test_a_matching_complaint_is_linked_on_arrival_once_and_told_once(
    pool: asyncpg.Pool, js: JetStreamContext
) -> None:
    area = _area()
    incident_id = await _open_incident(pool, area, linked=5)
    router = Router(RULES, js, pool)
    arriving = await insert_complaint(
        pool,
        description="Air mati lagi di Sukajadi sejak Senin pagi, kran kami kering sampai sekarang.",
        location={"region_code": f"{area}.1007"},
    )
    event = await _received(pool, arriving)
    await router.handle(event)
    await router.handle(event)  # redelivered

    found = await incidents.incident_of(pool, arriving)
    assert found is not None and found["id"] == incident_id
    linked = {r["id"]: r for r in await incidents.linked(pool, incident_id)}
    assert linked[arriving]["how"] == "arrival"
    told = await _told(pool, arriving)
    assert len(told) == 1
    assert "title" not in told[0]["data"]  # type: ignore[operator]  # no words on the bus
    timeline = await pool.fetch(
        "SELECT event_type, public, data FROM timeline WHERE complaint_id = $1", arriving
    )
    assert [(t["event_type"], t["public"]) for t in timeline] == [("incident_linked", True)]
    assert timeline[0]["data"]["title"] == OUTAGE_TITLE  # the notifier reads it here


async def test_other_topics_places_and_closed_incidents_are_not_linked(
    pool: asyncpg.Pool, js: JetStreamContext
) -> None:
    area = _area()
    incident_id = await _open_incident(pool, area, linked=20)
    router = Router(RULES, js, pool)
    same_place = {"region_code": f"{area}.2001"}
    # Murky water, low pressure, a leak (routed to `general`), a power cut (`power_outage`).
    other_problems = [NEAR_MISSES[i] for i in (0, 1, 4, 5)]
    texts = [(t, same_place) for t in OTHER_TOPICS + other_problems]
    # The same words in another district (Cicendo's own outage, and a copy of a linked one).
    texts += [(t, {"region_code": f"{_area()}.1001"}) for t in (NEAR_MISSES[2], SAME_OUTAGE[0])]
    for text, location in texts:
        complaint = await insert_complaint(pool, description=text, location=location)
        await router.handle(await _received(pool, complaint))
        assert await incidents.incident_of(pool, complaint) is None, text
        assert await _told(pool, complaint) == []

    await incidents.close(pool, incident_id, by="sri", now=datetime.now(UTC))
    late = await insert_complaint(
        pool, description=SAME_OUTAGE[3], location={"region_code": f"{area}.3001"}
    )
    await router.handle(await _received(pool, late))
    assert await incidents.incident_of(pool, late) is None
