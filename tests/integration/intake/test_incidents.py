"""Known disruptions on intake: GET /v1/public/incidents, the notice on the complaint form,
and each incident's public page; what the provider wrote for the public and nothing else."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
import pytest_asyncio

from aduan.config import Settings
from aduan.domain.incidents import LinkedHow
from aduan.store import incidents
from services.intake.app import create_app
from services.intake.routes import incidents as incident_routes
from tests.integration.intake.test_public_stats import Clock
from tests.support.complaints import insert_complaint
from tests.support.http import asgi_client, assert_problem

PUBLIC_FIELDS = {
    "id", "title", "description", "category", "region_code", "status", "created_at",
    "answer", "answered_at", "closed_at", "url",
}  # fmt: skip


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest_asyncio.fixture
async def intake(pg_dsn: str, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url=pg_dsn))
    incident_routes.cache(app).clock = clock
    async with asgi_client(app, "http://intake") as client:
        yield client


async def _incident(pool: asyncpg.Pool, title: str) -> uuid.UUID:
    now = datetime.now(UTC)
    row = await incidents.create(
        pool,
        incidents.NewIncident(
            title, "Pipa transmisi pecah; perbaikan berjalan.", "no_water", "32.73"
        ),
        created_by="sri",
        now=now,
    )
    complaint = await insert_complaint(
        pool, complainant={"name": "Siti Rahma", "email": "siti.rahma@example.id"}
    )
    await incidents.link(pool, row["id"], complaint, by="sri", how=LinkedHow.STAFF, now=now)
    incident_id: uuid.UUID = row["id"]
    return incident_id


async def test_open_incidents_are_listed_without_personal_data_and_cached(
    intake: httpx.AsyncClient, pool: asyncpg.Pool, clock: Clock
) -> None:
    title = f"Air mati {uuid.uuid4().hex[:6]}"
    shown = await _incident(pool, title)
    closed = await _incident(pool, f"Selesai {uuid.uuid4().hex[:6]}")
    await incidents.close(pool, closed, by="sri", now=datetime.now(UTC))

    answer = await intake.get("/v1/public/incidents")
    assert answer.status_code == 200
    listed = {i["id"]: i for i in answer.json()}
    assert str(shown) in listed and str(closed) not in listed
    assert set(listed[str(shown)]) == PUBLIC_FIELDS
    assert listed[str(shown)]["url"] == f"/gangguan/{shown}"
    assert "Siti" not in answer.text and "example.id" not in answer.text

    later = await _incident(pool, f"Listrik {uuid.uuid4().hex[:6]}")
    cached = await intake.get("/v1/public/incidents")
    assert str(later) not in {i["id"] for i in cached.json()}  # the same answer for 30 s
    clock.now += incident_routes.CACHE_SECONDS
    fresh = await intake.get("/v1/public/incidents")
    assert str(later) in {i["id"] for i in fresh.json()}


async def test_the_complaint_form_names_known_disruptions_to_follow_instead(
    intake: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    title = f"Air tidak mengalir di Sukajadi {uuid.uuid4().hex[:6]}"
    incident_id = await _incident(pool, title)
    form = await intake.get("/")
    assert form.status_code == 200
    assert "Gangguan yang sudah diketahui di wilayah Anda" in form.text
    assert title in form.text and f'href="/gangguan/{incident_id}"' in form.text
    english = await intake.get("/?lang=en")
    assert "Known disruption in your area" in english.text

    page = await intake.get(f"/gangguan/{incident_id}?lang=id")  # back from English
    assert page.status_code == 200
    assert title in page.text and "Sedang ditangani" in page.text
    assert "Belum ada jawaban" in page.text
    assert "Siti" not in page.text

    await incidents.record_response(
        pool, incident_id, "Air sudah mengalir kembali.", by="sri", now=datetime.now(UTC)
    )
    await incidents.close(pool, incident_id, by="sri", now=datetime.now(UTC))
    page = await intake.get(f"/gangguan/{incident_id}")
    assert "Air sudah mengalir kembali." in page.text and "Selesai" in page.text
    one = await intake.get(f"/v1/public/incidents/{incident_id}")
    assert one.json()["answer"] == "Air sudah mengalir kembali."
    assert one.json()["status"] == "closed"


async def test_unknown_incidents_are_404s(intake: httpx.AsyncClient) -> None:
    assert (await intake.get(f"/gangguan/{uuid.uuid4()}")).status_code == 404
    assert (await intake.get("/gangguan/not-an-id")).status_code == 404
    assert_problem(await intake.get(f"/v1/public/incidents/{uuid.uuid4()}"), 404)
    assert_problem(await intake.get("/v1/public/incidents/not-an-id"), 422)
