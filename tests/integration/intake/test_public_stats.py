"""GET /v1/public/stats: aggregates that count what happened, and nothing personal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from aduan.config import Settings
from aduan.store import stats
from aduan.store.transitions import DeadlineChange, Transition, record
from services.intake.app import create_app
from services.intake.routes import stats as stats_routes
from services.intake.routes.stats import CACHE_SECONDS
from tests.support.complaints import insert_complaint
from tests.support.http import asgi_client


class Clock:
    """The statistics cache's clock, moved by the test: a period passes without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest_asyncio.fixture
async def intake(pg_dsn: str, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url=pg_dsn))
    stats_routes.cache(app).clock = clock
    async with asgi_client(app, "http://intake") as client:
        yield client


@pytest.fixture
def query_sets(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each time the statistics' queries run against the database."""
    ran: list[int] = []
    real = stats.public_stats

    async def counted(pool: asyncpg.Pool) -> dict[str, Any]:
        ran.append(1)
        return await real(pool)

    monkeypatch.setattr(stats, "public_stats", counted)
    return ran


async def test_stats_count_outcomes_and_deadlines_without_personal_data(
    intake: httpx.AsyncClient,
    pool: asyncpg.Pool,
    clock: Clock,
) -> None:
    before = (await intake.get("/v1/public/stats")).json()
    received = datetime.now(UTC) - timedelta(days=2)
    complaint_id = await insert_complaint(
        pool, received_at=received, complainant={"name": "Rahasia Sekali", "confidential": True}
    )
    await record(
        pool,
        Transition(
            complaint_id=complaint_id,
            step="stats-routed",
            event_type="routed",
            status="routed",
            escalation_level="none",
            occurred_at=received,
            complaint_class="urgent",
            deadlines=[
                DeadlineChange(
                    kind="first_response",
                    started_at=received,
                    due_at=received + timedelta(hours=24),
                )
            ],
        ),
    )
    await record(
        pool,
        Transition(
            complaint_id=complaint_id,
            step="stats-ack",
            event_type="acknowledged",
            status="in_progress",
            escalation_level="none",
            occurred_at=received + timedelta(hours=6),
            deadlines=[DeadlineChange(kind="first_response", met_at=received + timedelta(hours=6))],
        ),
    )

    clock.now += CACHE_SECONDS
    answer = await intake.get("/v1/public/stats")
    assert answer.status_code == 200
    after = answer.json()
    assert after["complaints"] == before["complaints"] + 1
    assert after["by_status"]["in_progress"] == before["by_status"].get("in_progress", 0) + 1
    first = after["deadlines"]["first_response"]
    assert first["met"] == before["deadlines"].get("first_response", {}).get("met", 0) + 1
    assert first["median_hours_to_meet"] is not None
    assert "Rahasia" not in answer.text and "description" not in answer.text


async def test_a_burst_of_requests_runs_the_queries_once_per_period(
    intake: httpx.AsyncClient,
    clock: Clock,
    query_sets: list[int],
) -> None:
    burst = await asyncio.gather(*(intake.get("/v1/public/stats") for _ in range(20)))
    assert {answer.status_code for answer in burst} == {200}
    assert len({answer.text for answer in burst}) == 1
    assert len(query_sets) == 1  # the 19 others waited for the first one's queries

    clock.now += CACHE_SECONDS - 0.1
    for _ in range(5):
        assert (await intake.get("/v1/public/stats")).text == burst[0].text
    assert len(query_sets) == 1


async def test_a_new_complaint_is_counted_once_the_period_is_over(
    intake: httpx.AsyncClient,
    pool: asyncpg.Pool,
    clock: Clock,
    query_sets: list[int],
) -> None:
    before = (await intake.get("/v1/public/stats")).json()["complaints"]
    await insert_complaint(pool)
    assert (await intake.get("/v1/public/stats")).json()["complaints"] == before
    clock.now += CACHE_SECONDS
    assert (await intake.get("/v1/public/stats")).json()["complaints"] == before + 1
    assert len(query_sets) == 2
