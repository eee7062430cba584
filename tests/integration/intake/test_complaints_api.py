"""Intake's complaint API against real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from aduan.config import Settings
from devtools import servers
from services.intake.app import create_app
from tests.support.http import asgi_client

COMPLAINT = {
    "description": "Tagihan air bulan ini naik dua kali lipat padahal pemakaian sama.",
    "subject": "Lonjakan tagihan",
    "channel": "web",
    "language": "id",
    "complainant": {"name": "Siti Aminah", "email": "siti@example.id"},
    "account_ref": "PEL-001234",
    "location": {"region_code": "31.71", "address": "Jl. Melati 3"},
}


@pytest_asyncio.fixture
async def intake(pg_dsn: str) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(create_app(Settings(database_url=pg_dsn)), "http://intake") as client:
        yield client


async def _count(pool: asyncpg.Pool) -> tuple[int, int]:
    complaints = await pool.fetchval("SELECT count(*) FROM complaints")
    events = await pool.fetchval("SELECT count(*) FROM outbox")
    return complaints, events


async def test_a_complaint_is_stored_with_its_event_and_can_be_followed(
    intake: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    answer = await intake.post("/v1/complaints", json=COMPLAINT)
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert set(created) == {"id", "tracking_code", "access_token", "status", "received_at"}
    assert created["status"] == "received"
    assert created["tracking_code"].startswith("ADU-")

    event = await pool.fetchrow(
        "SELECT subject, payload FROM outbox WHERE payload->>'complaint_id' = $1", created["id"]
    )
    assert event["subject"] == "aduan.complaint.received"
    assert event["payload"]["data"]["tracking_code"] == created["tracking_code"]
    assert "Siti" not in str(event["payload"])  # identity never goes on the bus

    seen = await intake.get(
        f"/v1/complaints/{created['tracking_code']}",
        headers={"X-Access-Token": created["access_token"]},
    )
    assert seen.status_code == 200
    assert seen.json()["status"] == "received"
    assert seen.json()["escalation_level"] == "none"

    wrong = await intake.get(
        f"/v1/complaints/{created['tracking_code']}", headers={"X-Access-Token": "0" * 32}
    )
    assert wrong.status_code == 404
    assert wrong.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("how", ["idempotency-key", "external-ref"])
async def test_a_retry_returns_the_first_answer_and_creates_nothing(
    intake: httpx.AsyncClient, pool: asyncpg.Pool, how: str
) -> None:
    body: dict[str, Any] = {**COMPLAINT, "channel": "social", "external_ref": str(uuid.uuid4())}
    headers = {"Idempotency-Key": str(uuid.uuid4())} if how == "idempotency-key" else {}
    first = await intake.post("/v1/complaints", json=body, headers=headers)
    before = await _count(pool)
    again = await intake.post("/v1/complaints", json=body, headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await _count(pool) == before


async def test_an_idempotency_key_reused_for_another_complaint_is_refused(
    intake: httpx.AsyncClient,
) -> None:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    await intake.post("/v1/complaints", json=COMPLAINT, headers=headers)
    other = await intake.post(
        "/v1/complaints", json={**COMPLAINT, "description": "Lain"}, headers=headers
    )
    assert other.status_code == 409
    assert "Idempotency-Key" in other.json()["detail"]


@pytest.mark.parametrize(
    ("content", "status", "mentions"),
    [
        (b'{"description": "air mati"', 400, "not valid JSON"),
        (b'{"subject": "no description"}', 422, "description"),
        (b'{"description": "   "}', 422, "description"),
        (b'{"description": "x", "channel": "pigeon"}', 422, "channel"),
        (b'{"description": "x", "class": "galactic"}', 422, "class"),
        (b'{"description": "x", "complainant": {"email": "not-an-email"}}', 422, "email"),
        (b'{"description": "x", "complainant": {"email": "=?utf-8?q??=@x.y"}}', 422, "email"),
        (b'{"description": "x", "complainant": {"email": "a,b@x.y"}}', 422, "email"),
        (b'{"description": "' + b"x" * (1024 * 1024 + 10) + b'"}', 413, "limit"),
    ],
)
async def test_bad_input_gets_a_problem_and_stores_nothing(
    intake: httpx.AsyncClient, pool: asyncpg.Pool, content: bytes, status: int, mentions: str
) -> None:
    before = await _count(pool)
    answer = await intake.post(
        "/v1/complaints", content=content, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == status
    assert mentions in problem["detail"]
    assert await _count(pool) == before


async def test_with_postgresql_unreachable_new_complaints_get_503() -> None:
    dead = f"postgresql://postgres@127.0.0.1:{servers.free_port()}/aduan"
    async with asgi_client(create_app(Settings(database_url=dead)), "http://intake") as client:
        answer = await client.post("/v1/complaints", json=COMPLAINT)
        assert answer.status_code == 503
        assert answer.headers["Retry-After"]
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert (await client.get("/healthz")).status_code == 200
