"""A desk action's round trip: POST acknowledge on routed complaints (a Temporal Update)."""

from __future__ import annotations

import subprocess
import sys
import uuid

import asyncpg
import httpx

from bench.load import percentile, run_load
from bench.progress import Progress
from bench.report import Results
from bench.stack import BenchStack, env_for_cli


# ---------------------------------------------------------------------------------------
# THE ONE PLACE the bench authenticates to desk. Change only this function if auth changes.
# Desk takes staff JWTs (services/desk/auth.py); `aduan token --user U --role admin` mints one
# signed with the stack's ADUAN_SECRET_KEY (the bench sets a random one). Older checkouts
# compared a static ADUAN_STAFF_TOKEN (the bench sets that too): the first token desk accepts
# wins, so the bench runs on either side of that change.
# ---------------------------------------------------------------------------------------
def staff_auth_header(stack: BenchStack) -> dict[str, str]:
    """The Authorization header of a staff user allowed to act on any complaint."""
    candidates = []
    minted = subprocess.run(
        [sys.executable, "-m", "aduan", "token", "--user", "bench", "--role", "admin"],
        env=env_for_cli(stack), capture_output=True, text=True, timeout=60, check=False,
    )
    if minted.returncode == 0 and minted.stdout.split():
        candidates.append(minted.stdout.split()[-1])
    candidates.append(stack.env["ADUAN_STAFF_TOKEN"])
    for token in candidates:
        header = {"Authorization": f"Bearer {token}"}
        response = httpx.get(f"{stack.desk_url}/v1/staff/complaints", headers=header,
                             params={"status": "closed"}, timeout=30)
        if response.status_code == 200:
            return header
    raise RuntimeError("desk accepted neither a minted JWT nor ADUAN_STAFF_TOKEN")


async def routed_complaints(pool: asyncpg.Pool, ids: list[uuid.UUID], count: int
                            ) -> list[uuid.UUID]:
    """Up to `count` of `ids` that are routed and not yet acknowledged."""
    rows = await pool.fetch(
        "SELECT id FROM complaints WHERE id = ANY($1::uuid[]) AND status = 'routed' LIMIT $2",
        ids, count,
    )
    return [row["id"] for row in rows]


async def acknowledge_round_trips(desk: httpx.AsyncClient, ids: list[uuid.UUID],
                                  concurrency: int, results: Results,
                                  progress: Progress) -> None:
    """POST .../actions/acknowledge on each complaint; the 200 comes after the Update."""

    async def acknowledge(i: int) -> None:
        response = await desk.post(f"/v1/staff/complaints/{ids[i]}/actions/acknowledge",
                                   json={})
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}")

    with progress.task(f"desk acknowledge, {concurrency} at a time", len(ids)) as task:
        run = await run_load(len(ids), concurrency, acknowledge, task)
    latencies = run.latencies_ms()
    results.figures.update(
        update_p50_ms=percentile(latencies, 50), update_p95_ms=percentile(latencies, 95),
        update_count=len(run.ok), update_errors=run.errors(), update_concurrency=concurrency,
        update_rps=run.rate,
    )
    results.series["update_latency_ms"] = latencies
