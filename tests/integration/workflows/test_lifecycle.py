"""ComplaintLifecycle against Temporal's time-skipping test server and real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import asyncpg
import pytest
import pytest_asyncio
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from aduan.config import PACKAGE_DIR
from tests.conftest import insert_complaint
from workflows.activities import LifecycleActivities
from workflows.lifecycle import ComplaintLifecycle
from workflows.models import AcknowledgeInput, LifecycleInput, RespondInput, RoutingDecision

DEFAULT_POLICY = PACKAGE_DIR / "default_policy.yaml"


@pytest_asyncio.fixture
async def lifecycle_worker(
    time_skipping_env: WorkflowEnvironment, pool: asyncpg.Pool
) -> AsyncIterator[tuple[Client, str]]:
    task_queue = f"lifecycle-{uuid.uuid4()}"
    activities = LifecycleActivities(pool, DEFAULT_POLICY)
    async with Worker(
        time_skipping_env.client, task_queue=task_queue, workflows=[ComplaintLifecycle],
        activities=[activities.start_lifecycle, activities.schedule, activities.record_transition],
    ):
        yield time_skipping_env.client, task_queue


async def _start(
    client: Client, task_queue: str, complaint_id: uuid.UUID, complaint_class: str = "standard"
) -> WorkflowHandle[ComplaintLifecycle, object]:
    return await client.start_workflow(
        ComplaintLifecycle.run, LifecycleInput(complaint_id=complaint_id, search_attributes=False),
        id=f"complaint-{complaint_id}", task_queue=task_queue, start_signal="route",
        start_signal_args=[RoutingDecision(category="billing", unit="billing",
                                           complaint_class=complaint_class)],
    )


async def env_now(env: WorkflowEnvironment) -> datetime:
    """The test server's clock, which time skipping has moved ahead of the wall clock."""
    return await env.get_current_time()


async def _steps(pool: asyncpg.Pool, complaint_id: uuid.UUID) -> list[str]:
    rows = await pool.fetch(
        "SELECT step FROM timeline WHERE complaint_id = $1 ORDER BY id", complaint_id
    )
    return [row["step"] for row in rows]


async def test_silence_climbs_the_ladder_once_then_an_answer_closes_it(
    lifecycle_worker: tuple[Client, str], pool: asyncpg.Pool, time_skipping_env: WorkflowEnvironment
) -> None:
    client, task_queue = lifecycle_worker
    complaint_id = await insert_complaint(pool, received_at=await env_now(time_skipping_env))
    handle = await _start(client, task_queue, complaint_id)

    await time_skipping_env.sleep(timedelta(days=40))
    state = await handle.query(ComplaintLifecycle.state)
    assert state.status == "routed"
    assert state.escalation_level == "ombudsman"
    deadlines = {d.kind: d for d in state.deadlines}
    assert deadlines["first_response"].missed and deadlines["resolution"].missed

    steps = await _steps(pool, complaint_id)
    assert steps.count("escalated:supervisor") == 1
    assert steps.count("escalated:ombudsman") == 1
    assert steps.index("missed:first_response") < steps.index("escalated:supervisor")

    officer = AcknowledgeInput(actor="budi")
    state = await handle.execute_update(ComplaintLifecycle.acknowledge, officer)
    assert state.status == "in_progress"
    answer = RespondInput(actor="budi", message="Meter sudah diperiksa, tagihan dikoreksi.")
    state = await handle.execute_update(ComplaintLifecycle.respond, answer)
    assert state.status == "responded"

    result = await handle.result()  # the confirm window runs out: auto_closed
    assert (result.status, result.outcome) == ("closed", "auto_closed")
    row = await pool.fetchrow("SELECT status, outcome, escalation_level FROM complaints"
                              " WHERE id = $1", complaint_id)
    assert dict(row) == {"status": "closed", "outcome": "auto_closed",
                         "escalation_level": "ombudsman"}
    events = await pool.fetch("SELECT subject FROM outbox WHERE payload->>'complaint_id' = $1",
                              str(complaint_id))
    subjects = [e["subject"] for e in events]
    assert subjects.count("aduan.complaint.escalated") == 2
    assert "aduan.complaint.closed" in subjects


async def test_acknowledged_in_time_never_escalates(
    lifecycle_worker: tuple[Client, str], pool: asyncpg.Pool, time_skipping_env: WorkflowEnvironment
) -> None:
    client, task_queue = lifecycle_worker
    complaint_id = await insert_complaint(pool, received_at=await env_now(time_skipping_env))
    handle = await _start(client, task_queue, complaint_id, complaint_class="light")
    await time_skipping_env.sleep(timedelta(hours=1))
    await handle.execute_update(ComplaintLifecycle.acknowledge, AcknowledgeInput(actor="ani"))
    await handle.execute_update(ComplaintLifecycle.respond,
                                RespondInput(actor="ani", message="Sudah diperbaiki."))
    result = await handle.result()
    assert result.escalation_level == "none"
    assert not any("escalated" in step for step in await _steps(pool, complaint_id))


async def test_an_action_the_status_does_not_allow_is_refused(
    lifecycle_worker: tuple[Client, str], pool: asyncpg.Pool, time_skipping_env: WorkflowEnvironment
) -> None:
    client, task_queue = lifecycle_worker
    complaint_id = await insert_complaint(pool, received_at=await env_now(time_skipping_env))
    handle = await _start(client, task_queue, complaint_id)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(ComplaintLifecycle.respond,
                                    RespondInput(actor="ani", message="jawaban"))
    assert isinstance(refused.value.cause, ApplicationError)
    assert refused.value.cause.type == "ActionNotAllowed"
    assert "must be in_progress" in str(refused.value.cause)
    await handle.terminate()
