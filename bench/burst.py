"""A burst of complaints, some sent twice: does every accepted one get exactly one lifecycle?"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx
from temporalio.client import Client

from aduan.adapters import temporal
from bench import observe
from bench.intake import complaint_body, submit
from bench.load import LoadRun, run_load
from bench.progress import Progress
from bench.report import Results

RETRY_EVERY = 10  # every tenth complaint is sent twice at once with the same Idempotency-Key


async def _send(
    intake: httpx.AsyncClient,
    order: list[int],
    tag: str,
    concurrency: int,
    progress: Progress,
    label: str,
) -> LoadRun:
    async def call(j: int) -> tuple[int, dict[str, Any]]:
        i = order[j]
        key = {"Idempotency-Key": f"bench-burst-{tag}-{i}"}
        return i, await submit(intake, complaint_body(i, f"burst-{tag}"), key)

    with progress.task(label, len(order)) as task:
        return await run_load(len(order), concurrency, call, task)


async def burst(
    pool: asyncpg.Pool,
    client: Client,
    intake: httpx.AsyncClient,
    count: int,
    concurrency: int,
    within_s: float,
    results: Results,
    progress: Progress,
) -> None:
    """Send the burst (retrying failures as a client would), then check every complaint."""
    tag = uuid.uuid4().hex[:8]
    order = [i for n in range(count) for i in ([n, n] if n % RETRY_EVERY == 0 else [n])]
    run = await _send(intake, order, tag, concurrency, progress, "burst POST /v1/complaints")
    failed = sorted({order[c.index] for c in run.calls if c.error is not None})
    answers = [c.value for c in run.ok]
    if failed:  # a client retries with the same key until it gets an answer
        retry = await _send(intake, failed, tag, 8, progress, "burst retries")
        answers += [c.value for c in retry.ok]
    ids_by_key: dict[int, set[uuid.UUID]] = {}
    for i, answer in answers:
        ids_by_key.setdefault(i, set()).add(uuid.UUID(answer["id"]))
    ids = sorted({cid for found in ids_by_key.values() for cid in found})
    with progress.task("burst complaints routed", len(ids)) as task:
        await observe.wait_routed(pool, ids, within_s, task)
    lost, duplicated = await _check(pool, client, ids)
    duplicated += sum(len(found) - 1 for found in ids_by_key.values())
    results.figures.update(
        burst_size=count,
        burst_requests=len(order),
        burst_accepted=len(ids),
        burst_unanswered=count - len(ids_by_key),
        lost=lost,
        duplicated=duplicated,
        burst_rps=run.rate,
        burst_replayed=sum(1 for _, a in answers if a["replayed"]),
        burst_errors=run.errors(),
    )


async def _check(pool: asyncpg.Pool, client: Client, ids: list[uuid.UUID]) -> tuple[int, int]:
    """(lost, duplicated): no routed row or no lifecycle; more than one of either."""
    routed = await observe.step_counts(pool, ids, "routed")
    runs = {wid: r.lifecycles for wid, r in (await observe.lifecycle_runs(client)).items()}
    lost = duplicated = 0
    for cid in ids:
        wid = temporal.workflow_id(cid)
        if wid not in runs and await observe.lifecycle_exists(client, cid):
            runs[wid] = 1  # visibility not caught up yet; describe is authoritative
        if routed.get(cid, 0) == 0 or runs.get(wid, 0) == 0:
            lost += 1
        elif routed[cid] > 1 or runs[wid] > 1:
            duplicated += 1
    return lost, duplicated
