"""The field-check actions over the staff API: what the desk checks before the Update (who
may inspect, the day, the category's conditions, the complaint's photos), as problem JSON.

Temporal is absent here (tests/integration/desk/conftest.py): an action that passes every
check answers 503, which proves it got as far as the Update."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest_asyncio

from aduan.adapters.passwords import hash_password
from aduan.config import Settings
from aduan.domain.staff import make_staff
from aduan.store import accounts
from devtools import servers
from services.desk.app import create_app
from tests.support.complaints import new_unit, unit_complaint
from tests.support.desk import SECRET, auth
from tests.support.http import asgi_client, assert_problem
from tests.support.samples import png

TODAY = datetime.now(ZoneInfo("Asia/Jakarta")).date()


async def _unit_with_inspector(pool: asyncpg.Pool) -> tuple[str, str]:
    unit = new_unit()
    inspector = f"{unit}-joko"
    await accounts.add(
        pool, make_staff(inspector, "officer", unit), hash_password("x" * 12), display_name="Joko"
    )
    return unit, inspector


async def _schedule(
    desk: httpx.AsyncClient, unit: str, complaint_id: str, **body: object
) -> httpx.Response:
    return await desk.post(
        f"/v1/staff/complaints/{complaint_id}/actions/schedule-field-check",
        json={"date": TODAY.isoformat(), "scope": "Baca meter", **body},
        headers=auth("officer", unit),
    )


async def test_a_visit_goes_to_an_inspector_of_the_unit_on_a_day_from_today(
    desk: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    unit, inspector = await _unit_with_inspector(pool)
    _, stranger = await _unit_with_inspector(pool)  # an officer of another unit
    complaint_id = await unit_complaint(pool, unit, status="in_progress")

    outsider = assert_problem(await _schedule(desk, unit, complaint_id, inspector=stranger), 422)
    assert outsider["errors"][0]["field"] == "inspector"
    assert unit in outsider["detail"]

    yesterday = (TODAY - timedelta(days=1)).isoformat()
    past = await _schedule(desk, unit, complaint_id, inspector=inspector, date=yesterday)
    assert assert_problem(past, 422)["errors"][0]["field"] == "date"

    garbled = await _schedule(desk, unit, complaint_id, inspector=inspector, date="besok")
    assert assert_problem(garbled, 422)["errors"][0]["field"] == "date"

    assert_problem(await _schedule(desk, unit, complaint_id, inspector=inspector), 503)


async def test_findings_name_a_condition_of_the_category_and_only_the_complaints_photos(
    desk: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    unit, _ = await _unit_with_inspector(pool)
    complaint_id = await unit_complaint(pool, unit, status="in_progress", category="billing")

    async def record(**body: object) -> httpx.Response:
        return await desk.post(
            f"/v1/staff/complaints/{complaint_id}/actions/record-field-check",
            json={
                "visited_at": datetime.now(UTC).isoformat(),
                "minutes_on_site": 20,
                "condition": "leak_found",
                **body,
            },
            headers=auth("officer", unit),
        )

    unknown = assert_problem(await record(condition="ghosts"), 422)
    assert unknown["errors"][0]["field"] == "condition" and "leak_found" in unknown["detail"]

    foreign = assert_problem(await record(photos=["A" * 32]), 422)
    assert foreign["errors"][0]["field"] == "photos"

    not_a_key = assert_problem(await record(photos=["../../etc/passwd"]), 422)
    assert not_a_key["errors"][0]["field"].startswith("photos")

    too_long = assert_problem(await record(minutes_on_site=60 * 25), 422)
    assert too_long["errors"][0]["field"] == "minutes_on_site"

    assert_problem(await record(), 503)


@pytest_asyncio.fixture
async def desk_with_files(pg_dsn: str, nats_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=pg_dsn,
        nats_url=nats_url,
        secret_key=SECRET,
        temporal_address=f"127.0.0.1:{servers.free_port()}",
    )
    async with asgi_client(create_app(settings), "http://desk") as client:
        yield client


async def test_an_inspectors_photo_uploaded_over_the_api_is_named_in_the_findings(
    desk_with_files: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    unit, _ = await _unit_with_inspector(pool)
    complaint_id = await unit_complaint(pool, unit, status="in_progress", category="meter")
    url = f"/v1/staff/complaints/{complaint_id}/attachments"

    stranger = await desk_with_files.post(
        url, files={"photo": ("meter.png", png(), "image/png")}, headers=auth("officer", "x")
    )
    assert_problem(stranger, 403)
    not_a_photo = await desk_with_files.post(
        url,
        files={"photo": ("x.png", b"MZ not an image", "image/png")},
        headers=auth("officer", unit),
    )
    assert_problem(not_a_photo, 415)

    uploaded = await desk_with_files.post(
        url, files={"photo": ("meter.png", png(8, 8), "image/png")}, headers=auth("officer", unit)
    )
    assert uploaded.status_code == 201, uploaded.text
    [photo] = uploaded.json()
    assert photo["content_type"] == "image/png"
    shown = await desk_with_files.get(f"{url}/{photo['key']}", headers=auth("ops"))
    assert shown.status_code == 200 and shown.content == png(8, 8)

    recorded = await desk_with_files.post(
        f"/v1/staff/complaints/{complaint_id}/actions/record-field-check",
        json={
            "visited_at": datetime.now(UTC).isoformat(),
            "minutes_on_site": 15,
            "condition": "meter_stuck",
            "photos": [photo["key"]],
        },
        headers=auth("officer", unit),
    )
    assert_problem(recorded, 503)  # past every check, at the (absent) lifecycle engine
