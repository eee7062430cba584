"""GET /v1/public/stats: aggregates that count what happened, and nothing personal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest_asyncio

from aduan.config import Settings
from aduan.transitions import DeadlineChange, Transition, record
from services.intake.app import create_app
from tests.conftest import asgi_client, insert_complaint


@pytest_asyncio.fixture
async def intake(pg_dsn: str) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(create_app(Settings(database_url=pg_dsn)), "http://intake") as client:
        yield client


async def test_stats_count_outcomes_and_deadlines_without_personal_data(
    intake: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    before = (await intake.get("/v1/public/stats")).json()
    received = datetime.now(UTC) - timedelta(days=2)
    complaint_id = await insert_complaint(
        pool, received_at=received, complainant={"name": "Rahasia Sekali", "confidential": True})
    await record(pool, Transition(
        complaint_id=complaint_id, step="stats-routed", event_type="routed", status="routed",
        escalation_level="none", occurred_at=received, complaint_class="urgent",
        deadlines=[DeadlineChange(kind="first_response", started_at=received,
                                  due_at=received + timedelta(hours=24))]))
    await record(pool, Transition(
        complaint_id=complaint_id, step="stats-ack", event_type="acknowledged",
        status="in_progress", escalation_level="none", occurred_at=received + timedelta(hours=6),
        deadlines=[DeadlineChange(kind="first_response", met_at=received + timedelta(hours=6))]))

    answer = await intake.get("/v1/public/stats")
    assert answer.status_code == 200
    after = answer.json()
    assert after["complaints"] == before["complaints"] + 1
    assert after["by_status"]["in_progress"] == before["by_status"].get("in_progress", 0) + 1
    first = after["deadlines"]["first_response"]
    assert first["met"] == before["deadlines"].get("first_response", {}).get("met", 0) + 1
    assert first["median_hours_to_meet"] is not None
    assert "Rahasia" not in answer.text and "description" not in answer.text
