"""Open311 beyond the six GeoReport v2 methods, against real PostgreSQL: paging on GET
requests, GET tokens/{token}, mySociety's GET servicerequestupdates, jurisdiction_id.

Every JSON answer is checked against its schema (tests/support/open311_schemas) by the
`open311` client; the XML ones are read as the specification's examples show them."""

from __future__ import annotations

import asyncio
import random
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import requests
from georeport import GeoReport

from services.intake.app import create_app
from tests.support.complaints import insert_complaint, tracking_code
from tests.support.http import asgi_client, serve
from tests.support.open311 import (
    OPEN311,
    PATH,
    checked,
    errors,
    open311_count,
    post,
    posted_id,
    report,
    settings,
)


async def _listed(open311: httpx.AsyncClient, **params: str | int) -> list[str]:
    answer = await open311.get("/requests.json", params=params)
    assert answer.status_code == 200, answer.text
    return [r["service_request_id"] for r in answer.json()]


async def test_paging_lists_every_request_exactly_once_while_new_ones_arrive(
    open311: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    category = f"paged-{uuid.uuid4().hex[:8]}"

    async def arrive(count: int) -> set[str]:  # received now, as intake stamps them
        ids = [await insert_complaint(pool, category=category) for _ in range(count)]
        return {await tracking_code(pool, i) for i in ids}

    filed = await arrive(7)
    seen: list[str] = []
    page = 1
    while listed := await _listed(open311, service_code=category, page=page, page_size=3):
        assert len(listed) <= 3
        seen += listed
        if page <= 3:  # citizens keep reporting while the client pages
            filed |= await arrive(2)
        page += 1
    assert len(seen) == len(set(seen)), "a request was listed twice"
    assert set(seen) == filed, "a request was missed"
    assert page == 1 + -(-len(filed) // 3)  # ceil: the last page was the last non-empty one
    everything = await _listed(open311, service_code=category)
    assert sorted(everything) == sorted(seen)  # the same requests as the unpaged answer


async def test_paging_keeps_every_filter_and_runs_oldest_first(
    open311: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    category, now = f"paged-{uuid.uuid4().hex[:8]}", datetime.now(UTC)
    ages = [1, 2, 3, 40, 41]  # days ago
    ids = [
        await insert_complaint(pool, category=category, received_at=now - timedelta(days=d))
        for d in ages
    ]
    codes = [await tracking_code(pool, i) for i in ids]
    await pool.execute("UPDATE complaints SET status = 'closed' WHERE id = $1", ids[1])

    def w3(days_ago: float) -> str:
        return (now - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")

    oldest_first = codes[::-1]
    assert await _listed(open311, service_code=category, page_size=2) == oldest_first[:2]
    assert await _listed(open311, service_code=category, page=3, page_size=2) == oldest_first[4:]
    assert await _listed(open311, service_code=category, page=4, page_size=2) == []
    assert await _listed(open311, service_code=category, page=1) == oldest_first  # size 50
    window = {"start_date": w3(10), "end_date": w3(0)}
    assert await _listed(open311, service_code=category, page_size=2, **window) == [
        codes[2],
        codes[1],
    ]
    assert await _listed(open311, service_code=category, status="open", page_size=2) == [
        codes[4],
        codes[3],
    ]
    assert await _listed(open311, service_code=category, status="closed", page=1) == [codes[1]]
    by_id = {"service_request_id": ",".join(codes[:3])}
    assert await _listed(open311, page=2, page_size=2, **by_id) == [codes[0]]


@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        ({"page": "0"}, "page must be a whole number from 1 to 100000"),
        ({"page": "two"}, "page must be a whole number"),
        ({"page_size": "501"}, "page_size must be a whole number from 1 to 500"),
        ({"page_size": "-5"}, "page_size must be"),
        ({"page": ["1", "2"]}, "page was given more than once"),
    ],
)
async def test_malformed_paging_is_refused_naming_the_parameter(
    open311: httpx.AsyncClient, params: dict[str, Any], mentions: str
) -> None:
    for resource in ("/requests.json", "/servicerequestupdates.json"):
        answer = await open311.get(resource, params=params)
        assert answer.status_code == 400
        assert mentions in errors(answer)[0]["description"]


async def test_a_token_gives_the_service_request_id_as_the_specification_shows(
    open311: httpx.AsyncClient,
) -> None:
    posted = await post(open311, report())
    [created] = posted.json()
    code = created["service_request_id"]
    assert "token" not in created  # the id is given at once: no token (the spec: never both)

    as_json = await open311.get(f"/tokens/{code.lower()}.json")
    assert as_json.status_code == 200
    assert as_json.json() == [{"service_request_id": code, "token": code}]

    as_xml = await open311.get(f"/tokens/{code}.xml")
    root = ET.fromstring(as_xml.content)
    assert root.tag == "service_requests"
    [request] = root.iter("request")
    assert [(e.tag, e.text) for e in request] == [("service_request_id", code), ("token", code)]

    missing = await open311.get("/tokens/ADU-0000-0000.json")
    assert missing.status_code == 404
    assert "token 'ADU-0000-0000' was not found" in errors(missing)[0]["description"]


async def _step(
    pool: asyncpg.Pool,
    complaint_id: uuid.UUID,
    at: datetime,
    event_type: str,
    status: str,
    *,
    public: bool = True,
    **data: str,
) -> int:
    """A lifecycle step as the worker writes it (the timeline row)."""
    step_id: int = await pool.fetchval(
        """INSERT INTO timeline (complaint_id, step, event_type, status, escalation_level,
               public, data, occurred_at)
        VALUES ($1, $2, $3, $4, 'none', $5, $6, $7) RETURNING id""",
        complaint_id,
        f"{event_type}-{uuid.uuid4().hex[:6]}",
        event_type,
        status,
        public,
        data,
        at,
    )
    return step_id


async def test_request_updates_list_every_public_step_since_a_date_as_fixmystreet_reads_them(
    open311: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    # A period of its own, far from every other test's steps.
    start = datetime(2040, 1, 1, tzinfo=UTC) + timedelta(hours=random.randrange(200_000))
    code = await posted_id(open311)
    report_id = await pool.fetchval("SELECT id FROM complaints WHERE tracking_code = $1", code)
    confidential = await insert_complaint(
        pool,
        channel="open311",
        category="billing",
        complainant={"name": "Budi Santoso", "confidential": True},
    )
    hidden_code = await tracking_code(pool, confidential)

    routed = await _step(pool, report_id, start + timedelta(minutes=1), "routed", "routed")
    await _step(
        pool,
        report_id,
        start + timedelta(minutes=2),
        "note",
        "routed",
        public=False,
        text="internal: the meter reader was rude",
    )
    answered = await _step(
        pool,
        confidential,
        start + timedelta(minutes=3),
        "responded",
        "responded",
        message="Bapak Budi Santoso, meter Anda sudah diganti.",
    )
    closed = await _step(
        pool,
        report_id,
        start + timedelta(minutes=4),
        "closed",
        "closed",
        outcome="resolved",
        reason="Meter sudah dikalibrasi.",
    )
    await _step(pool, report_id, start + timedelta(days=2), "rated", "closed")  # after the end
    window = {
        "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end_date": (start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }

    answer = await open311.get("/servicerequestupdates.json", params=window)
    assert answer.status_code == 200
    updates = answer.json()
    assert [u["update_id"] for u in updates] == [str(routed), str(answered), str(closed)]
    first, second, third = updates
    assert first == {
        "update_id": str(routed),
        "service_request_id": code,
        "status": "open",
        "updated_datetime": (start + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "description": "Diteruskan ke unit yang berwenang / Routed to the responsible unit",
        "media_url": "",
    }
    assert "rude" not in answer.text  # an internal note is never an update
    assert second["service_request_id"] == hidden_code and second["status"] == "open"
    assert second["description"] == "Telah ditanggapi / Responded"  # no words, no name
    assert "Budi" not in answer.text
    assert third["status"] == "closed"
    assert third["description"].endswith(": Meter sudah dikalibrasi.")  # a public report

    as_xml = await open311.get("/servicerequestupdates.xml", params=window)
    root = ET.fromstring(as_xml.content)
    assert root.tag == "service_request_updates"
    assert [u.findtext("update_id") for u in root.iter("request_update")] == [
        str(routed),
        str(answered),
        str(closed),
    ]
    assert root.findtext("request_update/media_url") == ""

    paged = [
        [
            u["update_id"]
            for u in (
                await open311.get(
                    "/servicerequestupdates.json", params={**window, "page": n, "page_size": 2}
                )
            ).json()
        ]
        for n in (1, 2, 3)
    ]
    assert paged == [[str(routed), str(answered)], [str(closed)], []]


JURISDICTION = "air.example.id"


async def test_another_jurisdiction_is_refused_and_discovery_names_ours(
    pg_dsn: str, pool: asyncpg.Pool
) -> None:
    app = checked(create_app(settings(pg_dsn, open311_jurisdiction=JURISDICTION)))
    async with asgi_client(app, OPEN311) as open311:
        discovery = (await open311.get("/discovery.json")).json()
        assert discovery["jurisdiction_id"] == JURISDICTION
        xml = ET.fromstring((await open311.get("/discovery.xml")).content)
        assert xml.findtext("jurisdiction_id") == JURISDICTION

        for path in ("/services.json", "/services/billing.xml", "/requests.json"):
            assert (await open311.get(path)).status_code == 200  # none given: accepted
            ours = await open311.get(path, params={"jurisdiction_id": "AIR.example.id"})
            assert ours.status_code == 200
            other = await open311.get(path, params={"jurisdiction_id": "kota.example.id"})
            assert other.status_code == 400
            assert (
                "jurisdiction_id 'kota.example.id' is not served here"
                in (errors(other)[0]["description"])
            )

        before = await open311_count(pool)
        refused = await post(open311, report(jurisdiction_id="kota.example.id"), "xml")
        assert refused.status_code == 400
        assert "jurisdiction_id" in errors(refused)[0]["description"]
        assert await open311_count(pool) == before
        assert (await post(open311, report(jurisdiction_id=JURISDICTION))).status_code == 200
        assert (await post(open311, report(jurisdiction_id=None))).status_code == 200

    with serve(checked(create_app(settings(pg_dsn, open311_jurisdiction=JURISDICTION)))) as base:
        client = GeoReport(base + PATH, jurisdiction=JURISDICTION)
        assert await asyncio.to_thread(client.get_service_list)
        stranger = GeoReport(base + PATH, jurisdiction="kota.example.id")
        with pytest.raises(requests.HTTPError) as refused_read:
            await asyncio.to_thread(stranger.get_service_list)
        assert refused_read.value.response is not None
        assert refused_read.value.response.status_code == 400


async def test_without_a_configured_jurisdiction_any_is_accepted(
    open311: httpx.AsyncClient,
) -> None:
    assert "jurisdiction_id" not in (await open311.get("/discovery.json")).json()
    listed = await open311.get("/services.json", params={"jurisdiction_id": "kota.example.id"})
    assert listed.status_code == 200
    assert (await post(open311, report(jurisdiction_id="kota.example.id"))).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/tokens/ADU-%00.json",
        "/requests/ADU%20%27x.json",
        "/media/ADU-%00/key",
        "/tokens/%C3%A9.xml",
    ],
)
async def test_a_malformed_id_is_not_found_not_a_service_error(
    open311: httpx.AsyncClient, path: str
) -> None:
    answer = await open311.get(path)
    assert answer.status_code == 404
    assert errors(answer)[0]["code"] == 404
