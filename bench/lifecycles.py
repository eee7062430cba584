"""Lifecycle starts against bare `start_workflow` on the same server; accepted → routed latency."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from aduan.adapters import temporal
from aduan.lifecycle.runner import PASSED_THROUGH
from bench import minimal_lifecycle, observe
from bench.empty_workflow import EmptyWorkflow
from bench.intake import accepted_ids, complaint_body, submit
from bench.load import Caller, LoadRun, percentile, run_load, run_paced, span_rate
from bench.progress import Progress
from bench.report import Results


async def raw_temporal(
    client: Client,
    count: int,
    serial_count: int,
    concurrency: int,
    results: Results,
    progress: Progress,
) -> None:
    """Start empty workflows on a task queue of their own, served by a worker of their own."""
    queue = f"bench-raw-{uuid.uuid4().hex[:8]}"

    def start(prefix: str) -> Caller:
        async def call(i: int) -> None:
            await client.start_workflow(
                EmptyWorkflow.run, id=f"{queue}-{prefix}-{i}", task_queue=queue
            )

        return call

    async def completed() -> int:
        found = await client.count_workflows(
            f"TaskQueue = '{queue}' AND ExecutionStatus = 'Completed'"
        )
        return int(found.count)

    async with Worker(client, task_queue=queue, workflows=[EmptyWorkflow]):
        with progress.task(f"raw start_workflow, {concurrency} at a time", count) as task:
            run = await run_load(count, concurrency, start("c"), task)
        # Let the worker finish them before the serial run, which must not compete with it.
        with progress.task("raw workflows completing", len(run.ok)) as task:
            await observe.wait_for(completed, len(run.ok), 120, task)
        with progress.task("raw start_workflow, one at a time", serial_count) as task:
            serial = await run_load(serial_count, 1, start("s"), task)
        total = len(run.ok) + len(serial.ok)
        with progress.task("raw workflows completing", total) as task:
            await observe.wait_for(completed, total, 120, task)
    results.figures.update(
        raw_temporal_start_rps=run.rate,
        raw_temporal_count=len(run.ok),
        raw_temporal_start_rps_serial=serial.rate,
        raw_temporal_count_serial=len(serial.ok),
        raw_temporal_errors=run.errors(),
        raw_temporal_start_p50_ms=percentile(run.latencies_ms(), 50),
        raw_temporal_start_p50_ms_serial=percentile(serial.latencies_ms(), 50),
    )
    results.series["raw_temporal_started_at"] = [c.ended for c in run.ok + serial.ok]


async def raw_min_lifecycle(
    client: Client, count: int, concurrency: int, results: Results, progress: Progress
) -> None:
    """Minimal lifecycles (bench/minimal_lifecycle.py) on a queue of their own, run by a
    worker with the lifecycle worker's settings: how many reach their timer per second."""
    queue = f"bench-min-{uuid.uuid4().hex[:8]}"
    reached = minimal_lifecycle.REACHED
    reached.clear()

    async def start(i: int) -> None:
        await client.start_workflow(
            minimal_lifecycle.MinimalLifecycle.run, id=f"{queue}-{i}", task_queue=queue
        )

    async def marked() -> int:
        return len(reached)

    # The lifecycle worker's sandbox, with this module passed through as Aduan's are.
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH, "bench")
    async with Worker(
        client,
        task_queue=queue,
        workflows=[minimal_lifecycle.MinimalLifecycle],
        activities=[minimal_lifecycle.mark],
        workflow_runner=SandboxedWorkflowRunner(restrictions=restrictions),
    ):
        with progress.task(f"minimal lifecycles, {concurrency} at a time", count) as task:
            run = await run_load(count, concurrency, start, task)
        with progress.task("minimal lifecycles reaching their timer", len(run.ok)) as task:
            await observe.wait_for(marked, len(run.ok), 120, task)
    results.figures.update(
        raw_min_lifecycle_rps=span_rate(reached),
        raw_min_lifecycle_count=len(reached),
    )


async def lifecycle_starts(
    pool: asyncpg.Pool,
    client: Client,
    accepted: dict[uuid.UUID, float],
    within_s: float,
    results: Results,
    progress: Progress,
) -> None:
    """How fast the complaints intake accepted became lifecycles in Temporal, and got routed."""
    ids = list(accepted)
    with progress.task("intake's complaints routed", len(ids)) as task:
        await observe.wait_routed(pool, ids, within_s, task)
    runs = await observe.lifecycle_runs(client)
    started = {
        cid: runs[temporal.workflow_id(cid)].first_start.timestamp()
        for cid in ids
        if temporal.workflow_id(cid) in runs
    }
    lags = [(started[cid] - accepted[cid]) * 1000 for cid in started]
    routed = await observe.step_times(pool, ids, "routed")
    received = await observe.received_times(pool, ids)
    e2e = [(routed[cid] - received[cid]).total_seconds() * 1000 for cid in routed]
    routed_at = [t.timestamp() for t in routed.values()]
    results.figures.update(
        lifecycle_start_rps=span_rate(list(started.values())),
        lifecycle_started=len(started),
        lifecycle_routed=len(routed),
        lifecycle_routed_rps=span_rate(routed_at),
        lifecycle_start_lag_p50_ms=percentile(lags, 50),
        lifecycle_start_lag_p95_ms=percentile(lags, 95),
        e2e_routed_under_load_p50_ms=percentile(e2e, 50),
        e2e_routed_under_load_p95_ms=percentile(e2e, 95),
    )
    if len(routed) < len(ids):
        results.notes.append(
            f"{len(ids) - len(routed)} of intake's complaints were not routed"
            f" within {within_s:.0f}s"
        )


async def e2e_routed(
    pool: asyncpg.Pool,
    intake: httpx.AsyncClient,
    count: int,
    per_second: float,
    results: Results,
    progress: Progress,
) -> None:
    """Complaints at a steady, modest rate: accepted → `routed` recorded, per complaint."""
    with progress.task(f"steady complaints, {per_second:g}/s", count) as task:
        run: LoadRun = await run_paced(
            count, per_second, lambda i: submit(intake, complaint_body(i, "steady")), task
        )
    ids = list(accepted_ids(run))
    with progress.task("steady complaints routed", len(ids)) as task:
        await observe.wait_routed(pool, ids, 60 + count / 5, task)
    routed = await observe.step_times(pool, ids, "routed")
    received = await observe.received_times(pool, ids)
    e2e = [(routed[cid] - received[cid]).total_seconds() * 1000 for cid in routed]
    results.figures.update(
        e2e_routed_p50_ms=percentile(e2e, 50),
        e2e_routed_p95_ms=percentile(e2e, 95),
        e2e_routed_count=len(e2e),
        e2e_rate_per_s=per_second,
    )
    results.series["e2e_routed_ms"] = e2e
