"""What the bench reads back: timeline rows and commit times from PostgreSQL, runs from Temporal."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
from temporalio.client import Client, WorkflowExecutionStatus

from aduan.adapters import temporal
from bench.progress import Task

LIFECYCLE_TYPE = "ComplaintLifecycle"


async def step_times(
    pool: asyncpg.Pool, ids: Sequence[uuid.UUID], event_type: str
) -> dict[uuid.UUID, datetime]:
    """When each complaint's first timeline row of `event_type` happened (workflow time)."""
    rows = await pool.fetch(
        "SELECT complaint_id, min(occurred_at) AS at FROM timeline"
        " WHERE event_type = $1 AND complaint_id = ANY($2::uuid[]) GROUP BY complaint_id",
        event_type,
        list(ids),
    )
    return {row["complaint_id"]: row["at"] for row in rows}


async def step_counts(
    pool: asyncpg.Pool, ids: Sequence[uuid.UUID], event_type: str
) -> dict[uuid.UUID, int]:
    """How many timeline rows of `event_type` each complaint has."""
    rows = await pool.fetch(
        "SELECT complaint_id, count(*) AS n FROM timeline"
        " WHERE event_type = $1 AND complaint_id = ANY($2::uuid[]) GROUP BY complaint_id",
        event_type,
        list(ids),
    )
    return {row["complaint_id"]: row["n"] for row in rows}


async def received_times(pool: asyncpg.Pool, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When intake stored each complaint (its received_at)."""
    rows = await pool.fetch(
        "SELECT id, received_at FROM complaints WHERE id = ANY($1::uuid[])", list(ids)
    )
    return {row["id"]: row["received_at"] for row in rows}


async def escalated_count(pool: asyncpg.Pool, ids: Sequence[uuid.UUID], level: str) -> int:
    """How many of `ids` have been escalated to `level` (timeline rows)."""
    found = await pool.fetchval(
        "SELECT count(DISTINCT complaint_id) FROM timeline WHERE event_type = 'escalated'"
        " AND data->>'level' = $1 AND complaint_id = ANY($2::uuid[])",
        level,
        list(ids),
    )
    return int(found)


async def escalation_commits(
    pool: asyncpg.Pool, ids: Sequence[uuid.UUID], level: str
) -> dict[uuid.UUID, datetime]:
    """When each complaint's escalation to `level` was written: its outbox row's created_at,
    the now() of the transaction that recorded the transition (timeline row, status, event)."""
    rows = await pool.fetch(
        "SELECT (payload->>'complaint_id')::uuid AS complaint_id, min(created_at) AS at"
        " FROM outbox WHERE subject = 'aduan.complaint.escalated'"
        " AND payload->'data'->>'level' = $1"
        " AND (payload->>'complaint_id')::uuid = ANY($2::uuid[]) GROUP BY 1",
        level,
        list(ids),
    )
    return {row["complaint_id"]: row["at"] for row in rows}


async def all_times(pool: asyncpg.Pool, query: str) -> list[float]:
    """Epoch seconds of every timestamp `query` returns (one column), for the plots."""
    return [row[0].timestamp() for row in await pool.fetch(query)]


async def wait_for(
    count: Callable[[], Awaitable[int]],
    total: int,
    within_s: float,
    task: Task | None = None,
    period: float = 0.5,
) -> int:
    """Poll `count` until it reaches `total` or `within_s` pass; returns the last count."""
    deadline = time.monotonic() + within_s
    done = await count()
    while done < total and time.monotonic() < deadline:
        if task is not None:
            task.update(done)
        await asyncio.sleep(period)
        done = await count()
    if task is not None:
        task.update(done)
    return done


async def wait_routed(
    pool: asyncpg.Pool, ids: Sequence[uuid.UUID], within_s: float, task: Task | None = None
) -> int:
    """Wait until every complaint in `ids` has its `routed` row; returns how many have it."""

    async def routed() -> int:
        return len(await step_times(pool, ids, "routed"))

    return await wait_for(routed, len(ids), within_s, task)


async def wait_quiet(pool: asyncpg.Pool, within_s: float) -> bool:
    """Wait until the outbox is published and no complaint is still waiting to be routed."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        backlog = await pool.fetchval(
            "SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL)"
            " + (SELECT count(*) FROM complaints WHERE status = 'received')"
        )
        if backlog == 0:
            return True
        await asyncio.sleep(0.5)
    return False


@dataclass
class Runs:
    """The runs of one workflow id: a lifecycle that continued-as-new has several."""

    starts: list[datetime] = field(default_factory=list)
    continued: int = 0  # runs that ended by continuing as new (the same lifecycle)

    @property
    def first_start(self) -> datetime:
        """When the lifecycle began."""
        return min(self.starts)

    @property
    def lifecycles(self) -> int:
        """Separate lifecycles under this id (more than one would be a duplicate)."""
        return len(self.starts) - self.continued


async def lifecycle_runs(client: Client) -> dict[str, Runs]:
    """Every ComplaintLifecycle run, by workflow id, from Temporal's visibility."""
    runs: dict[str, Runs] = {}
    async for execution in client.list_workflows(
        f"WorkflowType = '{LIFECYCLE_TYPE}'", page_size=1000
    ):
        found = runs.setdefault(execution.id, Runs())
        found.starts.append(execution.start_time)
        if execution.status == WorkflowExecutionStatus.CONTINUED_AS_NEW:
            found.continued += 1
    return runs


async def lifecycle_exists(client: Client, complaint_id: uuid.UUID) -> bool:
    """`describe` of complaint-<id>: does Temporal know this lifecycle?"""
    try:
        await client.get_workflow_handle(temporal.workflow_id(complaint_id)).describe()
    except Exception:
        return False
    return True


async def open_lifecycles(client: Client) -> int:
    """How many lifecycles are running (each holds live deadline timers)."""
    found = await client.count_workflows(
        f"WorkflowType = '{LIFECYCLE_TYPE}' AND ExecutionStatus = 'Running'"
    )
    return int(found.count)
