"""Open311 GeoReport v2 GET requests against real PostgreSQL: filters, limits, privacy.

The third-party client `georeport` (PyPI) follows posted reports over real HTTP.
"""

from __future__ import annotations

import asyncio
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from georeport import GeoReport

from aduan.store import complaints
from services.intake.app import create_app
from services.intake.routes.open311 import REQUESTS_CACHE_SECONDS, requests_cache
from tests.support.complaints import insert_complaint
from tests.support.http import asgi_client
from tests.support.open311 import (
    OPEN311,
    errors,
    posted_id,
    settings,
)

W3 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


async def test_a_third_party_client_follows_posted_reports(
    endpoint: str, open311: httpx.AsyncClient
) -> None:
    first, second = await posted_id(open311), await posted_id(open311, service_code="meter")
    client = GeoReport(endpoint)
    both = await asyncio.to_thread(
        client.get_service_requests, service_request_id=f"{first},{second.lower()}"
    )
    assert {r["service_request_id"] for r in both} == {first, second}

    one = await asyncio.to_thread(client.get_service_request, second)
    assert one["status"] == "open"
    assert one["service_code"] == "meter" and one["service_name"] == "Meter rusak"
    assert one["description"].startswith("Tagihan air naik")
    assert one["address"] == "Jl. Melati 3, Jakarta" and one["address_id"] == "PAM-55"
    assert (one["lat"], one["long"]) == (-6.2088, 106.8456)
    assert one["media_url"] == "https://example.id/meter.jpg"
    assert W3.fullmatch(one["requested_datetime"]) and W3.fullmatch(one["updated_datetime"])
    assert one["expected_datetime"] is None  # not routed yet
    assert one["status_notes"].startswith("Diterima")

    as_xml = await asyncio.to_thread(
        GeoReport(endpoint, output_format="xml").get_service_request, second
    )
    assert as_xml["service_request_id"] == second and as_xml["lat"] == "-6.2088"


async def test_a_closed_complaint_is_closed_and_its_deadline_is_expected(
    open311: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    code = await posted_id(open311, service_code="no_water")
    complaint_id = await pool.fetchval("SELECT id FROM complaints WHERE tracking_code = $1", code)
    due = datetime(2031, 3, 4, 17, 0, tzinfo=UTC)
    await pool.execute(
        """INSERT INTO deadlines (complaint_id, kind, started_at, due_at)
                          VALUES ($1, 'resolution', now(), $2)""",
        complaint_id,
        due,
    )
    [open_one] = (await open311.get(f"/requests/{code}.json")).json()
    assert open_one["status"] == "open"
    assert open_one["expected_datetime"] == "2031-03-04T17:00:00Z"
    assert "2031-03-05 00:00 WIB" in open_one["service_notice"]

    closed_at = datetime(2031, 3, 1, 9, 30, tzinfo=UTC)
    await pool.execute(
        """UPDATE complaints SET status = 'closed', outcome = 'resolved',
                          updated_at = $2 WHERE id = $1""",
        complaint_id,
        closed_at,
    )
    [closed] = (await open311.get(f"/requests/{code}.json")).json()
    assert closed["status"] == "closed"
    assert closed["updated_datetime"] == "2031-03-01T09:30:00Z"
    assert closed["service_notice"] is None

    query = {"service_code": "no_water", "status": "closed"}
    found = (await open311.get("/requests.json", params=query)).json()
    assert code in {r["service_request_id"] for r in found}
    still_open = await open311.get("/requests.json", params={**query, "status": "open"})
    assert code not in {r["service_request_id"] for r in still_open.json()}
    both = await open311.get("/requests.json", params={**query, "status": "open,closed"})
    assert code in {r["service_request_id"] for r in both.json()}


async def test_other_channels_show_no_text_place_or_identity(
    open311: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    web = await insert_complaint(
        pool,
        channel="web",
        category="billing",
        location={"address": "Jl. Kenanga 9"},
        complainant={"name": "Budi Santoso", "email": "budi@example.id", "phone": "0811"},
    )
    code = await pool.fetchval("SELECT tracking_code FROM complaints WHERE id = $1", web)
    answer = await open311.get(f"/requests/{code}.xml")
    [shown] = ET.fromstring(answer.content).iter("request")
    assert shown.findtext("service_code") == "billing"
    assert shown.findtext("description") == "" and shown.findtext("address") == ""
    for personal in ("Budi", "budi@example.id", "0811", "Kenanga", "Tagihan air"):
        assert personal not in answer.text
    posted = await open311.get(f"/requests/{await posted_id(open311)}.json")
    for personal in ("Siti", "siti@example.id", "081234567890", "PEL-001234"):
        assert personal not in posted.text


async def test_dates_default_to_the_last_90_days_and_may_not_span_more(
    open311: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    category, now = f"test-{uuid.uuid4().hex[:8]}", datetime.now(UTC)
    old = await insert_complaint(pool, category=category, received_at=now - timedelta(days=100))
    new = await insert_complaint(pool, category=category, received_at=now - timedelta(days=1))
    codes = dict(
        await pool.fetch("SELECT id, tracking_code FROM complaints WHERE id = ANY($1)", [old, new])
    )

    async def listed(**params: str) -> set[str]:
        answer = await open311.get("/requests.json", params={"service_code": category, **params})
        assert answer.status_code == 200, answer.text
        return {r["service_request_id"] for r in answer.json()}

    def w3(days_ago: int) -> str:
        return (now - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")

    assert await listed() == {codes[new]}
    assert await listed(start_date=w3(101), end_date=w3(99)) == {codes[old]}
    assert await listed(start_date=w3(101)) == {codes[old]}  # to 90 days after it
    assert await listed(end_date=w3(50)) == {codes[old]}  # from 90 days before it
    assert await listed(start_date=(now - timedelta(days=2)).isoformat()) == {codes[new]}


@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        ({"start_date": "yesterday"}, "start_date must be a W3C date-time"),
        ({"end_date": "2010-01-01"}, "end_date must be a W3C date-time"),
        ({"start_date": "2010-01-01T00:00:00"}, "with a time zone"),
        ({"start_date": "2010-13-01T00:00:00Z"}, "start_date"),
        (
            {"start_date": "2010-01-01T00:00:00Z", "end_date": "2010-06-01T00:00:00Z"},
            "more than 90 days",
        ),
        (
            {"start_date": "2010-02-01T00:00:00Z", "end_date": "2010-01-01T00:00:00Z"},
            "end_date is before start_date",
        ),
        ({"status": "pending"}, "status must be open or closed"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_malformed_filters_are_refused(
    open311: httpx.AsyncClient, params: dict[str, str], mentions: str, fmt: str
) -> None:
    answer = await open311.get(f"/requests.{fmt}", params=params)
    assert answer.status_code == 400
    assert mentions in errors(answer)[0]["description"]


async def test_at_most_1000_requests_newest_first(
    open311: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    category = f"bulk-{uuid.uuid4().hex[:8]}"
    await pool.execute(
        """INSERT INTO complaints (id, tracking_code, request_hash, channel, description,
               category, received_at, updated_at)
        SELECT gen_random_uuid(), $1 || '-' || n, 'bulk', 'api', 'bulk', $1,
               now() - n * interval '1 minute', now()
        FROM generate_series(1, 1005) AS n""",
        category,
    )
    try:
        answer = await open311.get("/requests.json", params={"service_code": category})
        listed = [r["service_request_id"] for r in answer.json()]
        assert len(listed) == 1000
        assert listed[:2] == [f"{category}-1", f"{category}-2"]
    finally:
        await pool.execute("DELETE FROM complaints WHERE category = $1", category)


async def test_each_distinct_query_reaches_the_database_once_per_period(
    pg_dsn: str,
    pool: asyncpg.Pool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran: list[object] = []
    real = complaints.open311_requests

    async def counted(*args: Any, **kwargs: Any) -> list[asyncpg.Record]:
        ran.append(kwargs)
        return await real(*args, **kwargs)

    monkeypatch.setattr(complaints, "open311_requests", counted)
    app, now = create_app(settings(pg_dsn)), [1000.0]
    requests_cache(app).clock = lambda: now[0]
    category = f"cache-{uuid.uuid4().hex[:8]}"
    await insert_complaint(pool, category=category)
    query = {"service_code": category}

    async with asgi_client(app, OPEN311) as open311:

        async def listed(**params: str) -> httpx.Response:
            answer = await open311.get("/requests.json", params={**query, **params})
            assert answer.status_code == 200, answer.text
            return answer

        burst = await asyncio.gather(*(listed() for _ in range(20)))
        assert len({answer.text for answer in burst}) == 1 and len(burst[0].json()) == 1
        assert len(ran) == 1  # the 19 others waited for the first one's query

        now[0] += REQUESTS_CACHE_SECONDS - 0.1
        assert (await listed(jurisdiction_id="air.example.id")).text == burst[0].text
        assert len(ran) == 1  # a parameter that filters nothing is the same query
        await listed(status="open")
        assert len(ran) == 2  # another query is its own

        await insert_complaint(pool, category=category)
        assert len((await listed()).json()) == 1
        now[0] += 0.1
        assert len((await listed()).json()) == 2  # the period is over: the new one shows
        assert len(ran) == 3
