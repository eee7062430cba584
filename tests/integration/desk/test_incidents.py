"""Incidents through desk's staff API, on real PostgreSQL and real lifecycles (Temporal's
time-skipping server): related complaints, linking, and one answer for many complaints."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from temporalio.client import Client

from aduan.config import Settings
from aduan.domain.routing import RoutingDecision
from aduan.lifecycle.client import Lifecycles as LifecycleClient
from devtools import servers
from services.desk.app import create_app
from tests.support.complaints import new_unit, unit_complaint
from tests.support.desk import SECRET, auth
from tests.support.http import asgi_client, assert_problem
from tests.support.incident_texts import (
    OTHER_TOPICS,
    OUTAGE_DESCRIPTION,
    OUTAGE_TITLE,
    SAME_OUTAGE,
)
from tests.support.lifecycle import Complaint, Lifecycles

OTHER_CATEGORIES = ["billing", "meter", "officer_conduct", "information", "general"]


def district() -> str:
    """A district code no other test uses, so each test's complaints are alone in it."""
    return f"{random.randint(10, 99)}.{random.randint(10, 99)}.{random.randint(10, 99)}"


class OnTestServer(LifecycleClient):
    """Desk's door to lifecycles, opened on the time-skipping server's client."""

    def __init__(self, settings: Settings, client: Client) -> None:
        super().__init__(settings)
        self._client = client


@pytest_asyncio.fixture
async def desk_with_lifecycles(
    pg_dsn: str, lifecycles: Lifecycles
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=pg_dsn, secret_key=SECRET, temporal_address=f"127.0.0.1:{servers.free_port()}"
    )
    app = create_app(settings)
    app.state.lifecycles = OnTestServer(settings, lifecycles.client)
    async with asgi_client(app, "http://desk") as client:
        yield client


async def _outage(
    lifecycles: Lifecycles, area: str, unit: str, text: str, n: int, **fields: Any
) -> Complaint:
    decision = RoutingDecision(category="no_water", unit=unit, complaint_class="standard")
    return await lifecycles.start(
        decision=decision,
        description=text,
        location={"region_code": f"{area}.{1000 + n}"},
        complainant={"name": f"Warga {n}", "email": f"warga{n}@example.id"},
        **fields,
    )


async def _other(lifecycles: Lifecycles, area: str, unit: str, n: int) -> Complaint:
    decision = RoutingDecision(category=OTHER_CATEGORIES[n], unit=unit, complaint_class="standard")
    return await lifecycles.start(
        decision=decision,
        description=OTHER_TOPICS[n],
        location={"region_code": f"{area}.{2000 + n}"},
        complainant={"email": f"lain{n}@example.id"},
    )


async def _incident(desk: httpx.AsyncClient, unit: str, area: str) -> dict[str, Any]:
    created = await desk.post(
        "/v1/staff/incidents",
        json={
            "title": OUTAGE_TITLE,
            "description": OUTAGE_DESCRIPTION,
            "category": "no_water",
            "region_code": area,
        },
        headers=auth("supervisor", unit),
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def _events(pool: asyncpg.Pool, complaint_id: uuid.UUID, event_type: str) -> int:
    count: int = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE payload->>'complaint_id' = $1 AND payload->>'type' = $2",
        str(complaint_id),
        event_type,
    )
    return count


async def test_twenty_outage_complaints_are_related_and_answered_at_once(
    desk_with_lifecycles: httpx.AsyncClient, lifecycles: Lifecycles, pool: asyncpg.Pool
) -> None:
    desk, unit, area = desk_with_lifecycles, new_unit(), district()
    outage = [await _outage(lifecycles, area, unit, text, n) for n, text in enumerate(SAME_OUTAGE)]
    others = [await _other(lifecycles, area, unit, n) for n in range(len(OTHER_TOPICS))]
    outage_ids = {str(c.id) for c in outage}
    other_ids = {str(c.id) for c in others}
    supervisor = auth("supervisor", unit)

    # Each of the twenty is proposed the other nineteen, and none of the five.
    for complaint in outage:
        answer = await desk.get(f"/v1/staff/complaints/{complaint.id}/related", headers=supervisor)
        assert answer.status_code == 200, answer.text
        proposed = {r["id"] for r in answer.json()["related"]}
        assert proposed == outage_ids - {str(complaint.id)}
        assert not proposed & other_ids
    for complaint in others:
        answer = await desk.get(f"/v1/staff/complaints/{complaint.id}/related", headers=supervisor)
        assert not {r["id"] for r in answer.json()["related"]} & outage_ids

    incident = await _incident(desk, unit, area)
    for complaint in outage:
        linked = await desk.post(
            f"/v1/staff/incidents/{incident['id']}/complaints",
            json={"complaint_id": str(complaint.id)},
            headers=supervisor,
        )
        assert linked.status_code == 200 and linked.json()["linked"] is True, linked.text
    again = await desk.post(
        f"/v1/staff/incidents/{incident['id']}/complaints",
        json={"complaint_id": str(outage[0].id)},
        headers=supervisor,
    )
    assert again.json()["linked"] is False
    # One complaint waits for its complainant's information: told, not answered.
    waiting = outage[-1]
    acknowledged = await desk.post(
        f"/v1/staff/complaints/{waiting.id}/actions/acknowledge", json={}, headers=supervisor
    )
    assert acknowledged.status_code == 200, acknowledged.text
    asked = await desk.post(
        f"/v1/staff/complaints/{waiting.id}/actions/request-info",
        json={"message": "Mohon kirim nomor pelanggan Anda."},
        headers=supervisor,
    )
    assert asked.json()["status"] == "waiting_complainant", asked.text

    message = "Pipa di Sukajadi sudah diperbaiki; air mengalir kembali sejak pukul 14.00."
    for _ in range(2):  # a retry answers nobody twice
        answered = await desk.post(
            f"/v1/staff/incidents/{incident['id']}/respond",
            json={"message": message},
            headers=supervisor,
        )
        assert answered.status_code == 200, answered.text
    results = {r["complaint_id"]: r for r in answered.json()["results"]}
    assert set(results) == outage_ids
    assert results[str(waiting.id)]["outcome"] == "told"
    assert answered.json()["incident"]["responded_at"] is not None

    for complaint in outage[:-1]:
        assert (await complaint.state()).status == "responded"
        assert results[str(complaint.id)]["outcome"] == "responded"
        assert await _events(pool, complaint.id, "responded") == 1
        responded = await complaint.events("responded")
        assert [e["data"]["message"] for e in responded] == [message]
        assert await _events(pool, complaint.id, "incident_linked") == 1
    assert (await waiting.state()).status == "waiting_complainant"
    assert await _events(pool, waiting.id, "responded") == 0
    assert await _events(pool, waiting.id, "incident_answered") == 1
    told = await waiting.events("incident_answered")
    assert told[0]["public"] and told[0]["data"]["message"] == message
    for complaint in others:
        assert (await complaint.state()).status == "routed"
        assert await _events(pool, complaint.id, "responded") == 0
        assert await _events(pool, complaint.id, "incident_linked") == 0

    # The answer cannot be changed once given, and a closed incident takes nothing more.
    changed = await desk.post(
        f"/v1/staff/incidents/{incident['id']}/respond",
        json={"message": "Another answer"},
        headers=supervisor,
    )
    assert_problem(changed, 409)
    closed = await desk.post(f"/v1/staff/incidents/{incident['id']}/close", headers=supervisor)
    assert closed.json()["status"] == "closed"
    late = await desk.post(
        f"/v1/staff/incidents/{incident['id']}/complaints",
        json={"complaint_id": str(others[0].id)},
        headers=supervisor,
    )
    assert_problem(late, 409)


async def test_a_complaint_belongs_to_one_incident_and_can_be_unlinked(
    desk: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    unit, area = new_unit(), district()
    supervisor = auth("supervisor", unit)
    complaint = await unit_complaint(
        pool, unit, description=SAME_OUTAGE[0], location={"region_code": area}
    )
    first, second = await _incident(desk, unit, area), await _incident(desk, unit, area)
    url = f"/v1/staff/incidents/{first['id']}/complaints"
    assert (await desk.post(url, json={"complaint_id": complaint}, headers=supervisor)).json()[
        "linked"
    ]
    elsewhere = await desk.post(
        f"/v1/staff/incidents/{second['id']}/complaints",
        json={"complaint_id": complaint},
        headers=supervisor,
    )
    assert_problem(elsewhere, 409)
    shown = await desk.get(f"/v1/staff/incidents/{first['id']}", headers=supervisor)
    assert [c["id"] for c in shown.json()["linked"]] == [complaint]
    assert shown.json()["linked"][0]["how"] == "staff"

    removed = await desk.delete(f"{url}/{complaint}", headers=supervisor)
    assert removed.status_code == 204, removed.text
    assert_problem(await desk.delete(f"{url}/{complaint}", headers=supervisor), 404)
    moved = await desk.post(
        f"/v1/staff/incidents/{second['id']}/complaints",
        json={"complaint_id": complaint},
        headers=supervisor,
    )
    assert moved.json()["linked"] is True


async def test_only_supervisors_of_the_unit_and_admins_manage_incidents(
    desk: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    unit, area = new_unit(), district()
    complaint = await unit_complaint(pool, unit, location={"region_code": area})
    body = {"title": "Air mati", "description": "Pipa pecah", "category": "no_water",
            "region_code": area}  # fmt: skip
    for role, who in (("officer", unit), ("ops", None)):
        answer = await desk.post("/v1/staff/incidents", json=body, headers=auth(role, who))
        assert_problem(answer, 403)
    incident = await _incident(desk, unit, area)
    link = f"/v1/staff/incidents/{incident['id']}/complaints"
    other_unit = await desk.post(
        link, json={"complaint_id": complaint}, headers=auth("supervisor", new_unit())
    )
    assert_problem(other_unit, 403)
    admin = await desk.post(link, json={"complaint_id": complaint}, headers=auth("admin"))
    assert admin.status_code == 200, admin.text
    officer_reads = await desk.get(
        f"/v1/staff/complaints/{complaint}/related", headers=auth("officer", unit)
    )
    assert officer_reads.status_code == 200
    assert officer_reads.json()["incident_id"] == incident["id"]
    assert_problem(
        await desk.get(f"/v1/staff/complaints/{complaint}/related", headers=auth("officer", "x")),
        403,
    )


@pytest.mark.parametrize(
    "body,field",
    [
        ({"description": "d", "category": "no_water", "region_code": "32"}, "title"),
        ({"title": "x" * 201, "description": "d", "category": "no_water", "region_code": "32"},
         "title"),
        ({"title": "t", "description": "d" * 5001, "category": "no_water", "region_code": "32"},
         "description"),
        ({"title": "t", "description": "d", "category": "nonsense", "region_code": "32"},
         "category"),
        ({"title": "t", "description": "d", "category": "no_water", "region_code": "32;drop"},
         "region_code"),
        ({"title": "t\x00", "description": "d", "category": "no_water", "region_code": "32"},
         None),
        ({"title": "   ", "description": "d", "category": "no_water", "region_code": "32"},
         "title"),
    ],
)  # fmt: skip
async def test_bad_incident_input_is_a_422_naming_the_field(
    desk: httpx.AsyncClient, body: dict[str, str], field: str | None
) -> None:
    answer = await desk.post("/v1/staff/incidents", json=body, headers=auth("admin"))
    problem = assert_problem(answer, 422)
    if field is not None:
        assert field in [e["field"] for e in problem["errors"]], problem


async def test_bad_requests_are_problems_never_500(desk: httpx.AsyncClient) -> None:
    admin = auth("admin")
    missing = uuid.uuid4()
    assert_problem(await desk.get(f"/v1/staff/incidents/{missing}", headers=admin), 404)
    assert_problem(await desk.get(f"/v1/staff/complaints/{missing}/related", headers=admin), 404)
    assert_problem(await desk.post("/v1/staff/incidents", content=b"{not json", headers=admin), 400)
    assert_problem(await desk.post("/v1/staff/incidents", json={}), 401)
    assert_problem(
        await desk.post(
            f"/v1/staff/incidents/{missing}/respond", json={"message": "x"}, headers=admin
        ),
        404,
    )
    long = await desk.post(
        f"/v1/staff/incidents/{missing}/respond", json={"message": "x" * 20001}, headers=admin
    )
    assert_problem(long, 422)
    assert_problem(
        await desk.post(
            f"/v1/staff/incidents/{missing}/complaints",
            json={"complaint_id": "nope"},
            headers=admin,
        ),
        422,
    )


async def test_related_needs_the_same_place_and_time(
    desk: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    unit, area, elsewhere = new_unit(), district(), district()
    now = datetime.now(UTC)

    async def stored(text: str, location: dict[str, Any], days_ago: float = 0) -> str:
        return await unit_complaint(
            pool,
            unit,
            description=text,
            category="no_water",
            location=location,
            received_at=now - timedelta(days=days_ago),
        )

    subject = await stored(SAME_OUTAGE[0], {"region_code": f"{area}.1001", "lat": -6.88,
                                             "lon": 107.59})  # fmt: skip
    same_district = await stored(SAME_OUTAGE[1], {"region_code": f"{area}.1002"})
    nearby = await stored(SAME_OUTAGE[2], {"lat": -6.885, "lon": 107.595})  # ~0.8 km
    far = await stored(SAME_OUTAGE[3], {"lat": -6.95, "lon": 107.70})  # ~14 km
    other_district = await stored(SAME_OUTAGE[4], {"region_code": f"{elsewhere}.1001"})
    too_old = await stored(SAME_OUTAGE[5], {"region_code": f"{area}.1003"}, days_ago=10)
    repeated = await stored(SAME_OUTAGE[0] + " Lagi.", {"region_code": f"{area}.1004"}, 10)
    answer = await desk.get(f"/v1/staff/complaints/{subject}/related", headers=auth("admin"))
    proposed = {r["id"] for r in answer.json()["related"]}
    assert proposed == {same_district, nearby, repeated}
    assert not proposed & {far, other_district, too_old}
