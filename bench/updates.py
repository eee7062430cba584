"""A desk action's round trip: POST acknowledge on routed complaints (a Temporal Update)."""

from __future__ import annotations

import uuid

import asyncpg
import httpx

from aduan.adapters.tokens import issue_token
from aduan.domain.staff import make_staff
from bench.load import percentile, run_load
from bench.progress import Progress
from bench.report import Results
from bench.stack import BenchStack


def staff_auth_header(stack: BenchStack) -> dict[str, str]:
    """The Authorization header of an admin, who may act on any complaint."""
    token = issue_token(make_staff("bench", "admin", None), stack.env["ADUAN_SECRET_KEY"])
    return {"Authorization": f"Bearer {token}"}


async def routed_complaints(
    pool: asyncpg.Pool, ids: list[uuid.UUID], count: int
) -> list[uuid.UUID]:
    """Up to `count` of `ids` that are routed and not yet acknowledged."""
    rows = await pool.fetch(
        "SELECT id FROM complaints WHERE id = ANY($1::uuid[]) AND status = 'routed' LIMIT $2",
        ids,
        count,
    )
    return [row["id"] for row in rows]


async def acknowledge_round_trips(
    desk: httpx.AsyncClient,
    ids: list[uuid.UUID],
    concurrency: int,
    results: Results,
    progress: Progress,
    suffix: str = "",
) -> None:
    """POST .../actions/acknowledge on each complaint; the 200 comes after the Update.
    The figures are named `update_*` + `suffix`."""

    async def acknowledge(i: int) -> None:
        response = await desk.post(f"/v1/staff/complaints/{ids[i]}/actions/acknowledge", json={})
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}")

    with progress.task(f"desk acknowledge, {concurrency} at a time", len(ids)) as task:
        run = await run_load(len(ids), concurrency, acknowledge, task)
    latencies = run.latencies_ms()
    figures = {
        "update_p50_ms": percentile(latencies, 50),
        "update_p95_ms": percentile(latencies, 95),
        "update_count": len(run.ok),
        "update_errors": run.errors(),
        "update_concurrency": concurrency,
        "update_rps": run.rate,
    }
    results.figures.update({name + suffix: value for name, value in figures.items()})
    results.series["update_latency_ms" + suffix] = latencies
