"""Assignment by load: routing gives each complaint to the officer of its unit with least
work, never to one who is away, and the same officer again when the event comes twice."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime

import asyncpg
from nats.js import JetStreamContext

from aduan.adapters.passwords import hash_password
from aduan.domain.events import EventType, new_event
from aduan.domain.routing import parse_rules
from aduan.domain.staff import make_staff
from aduan.store import accounts, assignment, units
from services.routing.consumer import Router
from tests.support.complaints import insert_complaint, new_unit

_HASH = hash_password("not-used-here-1")


def _rules(unit: str, officer: str | None = None) -> str:
    named = f", officer: {officer}" if officer else ""
    return f"""
default: {{category: general, unit: {unit}, complaint_class: standard}}
rules:
  - {{category: billing, keywords: [tagihan], unit: {unit}, complaint_class: standard{named}}}
  - {{category: conduct, keywords: [petugas], unit: {unit}, complaint_class: supervisory}}
load_weights: {{standard: 2, supervisory: 3}}
"""


async def _officers(pool: asyncpg.Pool, unit: str, names: list[str]) -> None:
    for name in names:
        staff = make_staff(name, "officer", unit)
        assert await accounts.add(pool, staff, _HASH, display_name=name)


async def _route(router: Router, pool: asyncpg.Pool, texts: list[str]) -> list[uuid.UUID]:
    ids = [await insert_complaint(pool, description=text) for text in texts]
    await asyncio.gather(
        *(
            router.handle(
                new_event(EventType.RECEIVED, i, datetime.now(UTC), {"description": text})
            )
            for i, text in zip(ids, texts, strict=True)
        )
    )
    return ids


async def _officer_of(pool: asyncpg.Pool, ids: list[uuid.UUID]) -> list[str | None]:
    rows = await pool.fetch("SELECT id, officer FROM complaints WHERE id = ANY($1)", ids)
    by_id = {r["id"]: r["officer"] for r in rows}
    return [by_id[i] for i in ids]


async def test_thirty_complaints_arriving_at_once_spread_evenly_and_skip_the_officer_away(
    pool: asyncpg.Pool, js: JetStreamContext
) -> None:
    unit = new_unit()
    names = [f"{unit}-{n}" for n in ("ani", "budi", "citra", "dewi")]
    await _officers(pool, unit, names)
    assert await assignment.set_away(pool, names[3], True)
    # A supervisor of the unit and an officer of another unit are never chosen.
    await accounts.add(pool, make_staff(f"{unit}-sup", "supervisor", unit), _HASH, display_name="s")
    router = Router(parse_rules(_rules(unit)), js, pool)

    ids = await _route(router, pool, ["Tagihan saya naik"] * 30)

    assigned = Counter(await _officer_of(pool, ids))
    assert assigned == {names[0]: 10, names[1]: 10, names[2]: 10}


async def test_an_officer_with_heavier_open_work_gets_fewer_new_complaints(
    pool: asyncpg.Pool, js: JetStreamContext
) -> None:
    unit = new_unit()
    busy, free = f"{unit}-busy", f"{unit}-free"
    await _officers(pool, unit, [busy, free])
    router = Router(parse_rules(_rules(unit)), js, pool)
    # Two complaints about conduct (weight 3 each) go first: one to each officer.
    conduct = await _route(router, pool, ["Petugas kasar"])
    conduct += await _route(router, pool, ["Petugas kasar"])
    assert set(await _officer_of(pool, conduct)) == {busy, free}
    # `free` answers and closes theirs; `busy` keeps a load of 3 against free's 0.
    await pool.execute(
        "UPDATE complaints SET status = 'closed' WHERE id = ANY($1) AND officer = $2",
        conduct,
        free,
    )

    ids = await _route(router, pool, ["Tagihan saya naik"] * 5)

    # Loads by weight (standard: 2): free takes 0→2→4, busy 3→5, free 4→6, busy 5→7.
    assigned = Counter(await _officer_of(pool, ids))
    assert assigned == {free: 3, busy: 2}


async def test_a_redelivered_event_keeps_the_first_choice(
    pool: asyncpg.Pool, js: JetStreamContext
) -> None:
    unit = new_unit()
    await _officers(pool, unit, [f"{unit}-a", f"{unit}-b"])
    router = Router(parse_rules(_rules(unit)), js, pool)
    [complaint] = await _route(router, pool, ["Tagihan saya naik"])
    first = await _officer_of(pool, [complaint])

    event = new_event(EventType.RECEIVED, complaint, datetime.now(UTC), {"description": "x"})
    await router.handle(event)
    await router.handle(event)

    assert await _officer_of(pool, [complaint]) == first
    assert (
        await pool.fetchval("SELECT count(*) FROM complaints WHERE officer LIKE $1", f"{unit}-%")
        == 1
    )


async def test_nobody_is_assigned_where_the_unit_assigns_by_hand_or_the_rules_name_one(
    pool: asyncpg.Pool, js: JetStreamContext
) -> None:
    manual = new_unit()
    await _officers(pool, manual, [f"{manual}-a"])
    await units.save(pool, units.Unit(manual, auto_assign=False), "admin")
    [by_hand] = await _route(Router(parse_rules(_rules(manual)), js, pool), pool, ["Tagihan"])
    assert await _officer_of(pool, [by_hand]) == [None]

    named = new_unit()
    await _officers(pool, named, [f"{named}-a", f"{named}-b"])
    router = Router(parse_rules(_rules(named, officer=f"{named}-b")), js, pool)
    ids = await _route(router, pool, ["Tagihan naik"] * 3)
    # Routing names the officer in its decision; nothing is chosen by load.
    assert await _officer_of(pool, ids) == [None, None, None]
