"""Intake over HTTP against the same inserts written straight to PostgreSQL (raw_db_tps)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import psutil

from aduan.store import complaints, db
from bench.load import LoadRun, percentile, run_load
from bench.probe import component
from bench.progress import Progress
from bench.report import Results

RAW_DATABASE = "aduan_bench_raw"

# Texts the routing rules recognise, so complaints spread over units as real ones would.
TEXTS = [
    "Tagihan air bulan ini naik dua kali lipat padahal pemakaian sama",
    "Meteran air rusak sejak minggu lalu, angka tidak bergerak",
    "Air tidak mengalir di rumah kami sejak pagi",
    "Petugas pencatat meter meminta uang tambahan (pungli)",
    "Mohon informasi jadwal pemadaman dan prosedur pengaduan",
    "My water bill doubled although our usage did not change",
]


def complaint_body(i: int, tag: str) -> dict[str, Any]:
    """The JSON a citizen's app would POST: text, contact by phone, account, location."""
    return {
        "description": f"{TEXTS[i % len(TEXTS)]} (bench {tag} #{i})",
        "channel": "api",
        "language": "id",
        "complainant": {"name": f"Pelanggan {i}", "phone": f"+62 812 {i:07d}"},
        "account_ref": f"PDAM-{i:08d}",
        "location": {"address": "Jl. Merdeka 1", "region_code": "31.71"},
    }


def new_complaint(
    i: int, tag: str, *, received_at: datetime | None = None, complaint_class: str | None = None
) -> complaints.NewComplaint:
    """The same complaint as `complaint_body`, as intake hands it to the store."""
    body = complaint_body(i, tag)
    return complaints.NewComplaint(
        description=body["description"],
        channel="api",
        received_at=received_at or datetime.now(UTC),
        request_hash=hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest(),
        language="id",
        complaint_class=complaint_class,
        complainant=body["complainant"],
        account_ref=body["account_ref"],
        location=body["location"],
    )


async def raw_db(
    stack_dsn: str, count: int, concurrency: int, results: Results, progress: Progress
) -> None:
    """`complaints.create` (row + outbox row, one transaction) straight from asyncpg.

    Same server, same schema and statements, in a database of its own so that the relay
    does not publish these rows and no lifecycle starts for them.
    """
    dsn = stack_dsn.rsplit("/", 1)[0] + "/" + RAW_DATABASE
    await db.ensure_database(dsn)
    await asyncio.to_thread(db.migrate, dsn)
    pool = await db.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    try:
        await complaints.create(pool, new_complaint(-1, "warmup"))
        with progress.task("raw PostgreSQL inserts", count) as task:
            run = await run_load(
                count, concurrency, lambda i: complaints.create(pool, new_complaint(i, "raw")), task
            )
    finally:
        await pool.close()
    results.figures.update(
        raw_db_tps=run.rate,
        raw_db_count=len(run.ok),
        raw_db_p50_ms=percentile(run.latencies_ms(), 50),
        raw_db_errors=run.errors(),
    )
    results.series["raw_db_done_at"] = [c.ended for c in run.ok]


async def submit(
    client: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """POST /v1/complaints; the answer's JSON (raises on anything but 201)."""
    response = await client.post("/v1/complaints", json=body, headers=headers)
    if response.status_code != 201:
        raise RuntimeError(f"HTTP {response.status_code}")
    answer: dict[str, Any] = response.json()
    answer["replayed"] = response.headers.get("Idempotent-Replayed") == "true"
    return answer


def accepted_ids(run: LoadRun) -> dict[uuid.UUID, float]:
    """Each accepted complaint's id and when its 201 came back (wall clock)."""
    return {uuid.UUID(c.value["id"]): c.ended for c in run.ok}


async def intake(
    client: httpx.AsyncClient, count: int, concurrency: int, results: Results, progress: Progress
) -> dict[uuid.UUID, float]:
    """POST `count` complaints, `concurrency` at a time; returns the accepted ids."""
    with progress.task("intake POST /v1/complaints", count) as task:
        run = await run_load(
            count, concurrency, lambda i: submit(client, complaint_body(i, "intake")), task
        )
    latencies = run.latencies_ms()
    results.figures.update(
        intake_rps=run.rate,
        intake_count=len(run.ok),
        intake_errors=run.errors(),
        intake_p50_ms=percentile(latencies, 50),
        intake_p99_ms=percentile(latencies, 99),
    )
    results.series["intake_latency_ms"] = latencies
    return accepted_ids(run)


# What runs behind intake; paused for the isolated run, so intake and PostgreSQL are alone.
DOWNSTREAM = ("relay", "routing", "worker", "notification")


async def intake_isolated(
    client: httpx.AsyncClient,
    processes: list[psutil.Process],
    count: int,
    concurrency: int,
    results: Results,
    progress: Progress,
) -> None:
    """The same POSTs with relay, routing, worker and notification stopped (SIGSTOP) meanwhile,
    then let go: what intake does with the cores to itself."""
    paused = [p for p in processes if component(p) in DOWNSTREAM]
    for process in paused:
        process.suspend()
    try:
        with progress.task("intake POST, the rest paused", count) as task:
            run = await run_load(
                count, concurrency, lambda i: submit(client, complaint_body(i, "isolated")), task
            )
    finally:
        for process in paused:
            process.resume()
    results.figures.update(
        intake_rps_isolated=run.rate,
        intake_count_isolated=len(run.ok),
        intake_p99_ms_isolated=percentile(run.latencies_ms(), 99),
    )


async def table_sizes(pool: asyncpg.Pool) -> dict[str, int]:
    """Rows in each table at the end of the run (context for the figures)."""
    sizes = {}
    for table in ("complaints", "timeline", "deadlines", "outbox", "deliveries"):
        sizes[table] = int(await pool.fetchval(f"SELECT count(*) FROM {table}"))
    return sizes
