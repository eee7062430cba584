"""`python -m bench --scale S` (`make bench SCALE=S`): every benchmark, one stack, one report."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from temporalio.client import Client

from aduan.adapters import temporal
from aduan.store import db
from bench import burst, cliff, intake, lifecycles, observe, report, updates
from bench.probe import Probe
from bench.progress import Progress
from bench.report import Phase, Results
from bench.stack import REPO, BenchStack

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Sizes:
    """How much each benchmark does; scale 1 takes about six minutes on two cores.

    Every complaint submitted becomes a lifecycle the worker must route before the next phase
    (about 8 a second on two shared cores), so the complaint counts are what cost time.
    """

    concurrency: int
    raw_db: int
    raw_temporal: int
    raw_temporal_serial: int
    intake: int
    steady_s: float
    updates: int
    update_concurrency: int
    updates_alone: int
    burst: int
    burst_concurrency: int
    cliff: int

    @classmethod
    def for_scale(cls, scale: float) -> Sizes:
        def n(base: int, least: int) -> int:
            return max(least, round(base * scale))

        return cls(
            concurrency=32,
            raw_db=n(5000, 500),
            raw_temporal=n(800, 100),
            raw_temporal_serial=n(200, 30),
            intake=n(1000, 100),
            steady_s=max(10.0, 30 * scale),
            updates=n(200, 30),
            update_concurrency=8,
            updates_alone=n(50, 20),
            burst=n(2000, 50),
            burst_concurrency=64,
            cliff=n(2000, 50),
        )


class Phases:
    """Runs each benchmark as a named phase: its time span, CPU per component, its failure."""

    def __init__(self, results: Results, probe: Probe, progress: Progress) -> None:
        self.results, self.probe, self.progress = results, probe, progress

    @asynccontextmanager
    async def __call__(self, name: str) -> AsyncIterator[None]:
        self.progress.note(f"== {name}")
        phase = Phase(name, time.time())
        before = self.probe.cpu_totals()
        try:
            yield
        except Exception as exc:  # one benchmark failing must not lose the others' figures
            phase.error = f"{type(exc).__name__}: {exc}"
            self.results.notes.append(f"{name} failed: {phase.error}")
            self.progress.note(f"   {name} FAILED: {phase.error}")
        finally:
            phase.ended = time.time()
            after = self.probe.cpu_totals()
            phase.cpu_s = {
                k: v - before.get(k, 0.0) for k, v in after.items() if v - before.get(k, 0.0) > 0.05
            }
            self.results.phases.append(phase)


async def run_all(stack: BenchStack, sizes: Sizes, results: Results, progress: Progress) -> None:
    """Every benchmark in turn against the running stack, letting it settle in between."""
    probe = Probe(stack, results.began)
    probe.start()
    pool = await db.create_pool(stack.dsn, min_size=2, max_size=20)
    client = await temporal.connect(stack.temporal_settings())
    limits = httpx.Limits(max_connections=128, max_keepalive_connections=128)
    phase = Phases(results, probe, progress)
    try:
        async with httpx.AsyncClient(base_url=stack.intake_url, limits=limits, timeout=60) as http:
            await _benchmarks(stack, sizes, results, progress, phase, pool, client, http)
        f = results.figures
        f["open_lifecycles"] = await observe.open_lifecycles(client)
        f["worker_rss_mb"] = probe.worker_rss_mb()
        f["temporal_db_mb"] = _megabytes(stack.data / "temporal.db")
        # What one machine holds: growth per 1,000 open lifecycles since the warm-up.
        per_1000 = 1000 / f["open_lifecycles"] if f["open_lifecycles"] else None
        for name in ("worker_rss_mb", "temporal_db_mb"):
            idle, end = f.get(f"{name}_idle"), f.get(name)
            grown = end - idle if end is not None and idle is not None else None
            f[f"{name}_per_1000_open"] = (
                grown * per_1000 if grown is not None and per_1000 else None
            )
        results.figures["rows"] = await intake.table_sizes(pool)
        await _series(pool, client, results)
    finally:
        probe.stop()
        results.samples = probe.samples
        rss = [s.worker_rss_mb for s in probe.samples if s.worker_rss_mb is not None]
        results.figures["worker_rss_mb_max"] = max(rss) if rss else None
        await pool.close()


def _megabytes(path: Path) -> float | None:
    # The dev server's SQLite file and its write-ahead log, as the disk holds them.
    files = [path, path.with_name(path.name + "-wal")]
    sizes = [f.stat().st_size for f in files if f.exists()]
    return sum(sizes) / 2**20 if sizes else None


async def _benchmarks(
    stack: BenchStack,
    sizes: Sizes,
    results: Results,
    progress: Progress,
    phase: Phases,
    pool: asyncpg.Pool,
    client: Client,
    http: httpx.AsyncClient,
) -> None:
    async def settle() -> None:
        if not await observe.wait_quiet(pool, 120 + sizes.intake / 5):
            results.notes.append("the stack had not settled between two phases")

    f = results.figures
    async with phase("warm-up"):
        warm = [await intake.submit(http, intake.complaint_body(i, "warmup")) for i in range(5)]
        with progress.task("warm-up complaints routed", len(warm)) as task:
            await observe.wait_routed(pool, [uuid.UUID(a["id"]) for a in warm], 120, task)
        f["worker_rss_mb_idle"] = phase.probe.worker_rss_mb()
        f["temporal_db_mb_idle"] = _megabytes(stack.data / "temporal.db")
    async with phase("raw PostgreSQL"):
        await intake.raw_db(stack.dsn, sizes.raw_db, sizes.concurrency, results, progress)
    async with phase("raw Temporal"):
        await lifecycles.raw_temporal(
            client,
            sizes.raw_temporal,
            sizes.raw_temporal_serial,
            sizes.concurrency,
            results,
            progress,
        )
    async with phase("raw minimal lifecycle"):
        await lifecycles.raw_min_lifecycle(
            client, sizes.raw_temporal, sizes.concurrency, results, progress
        )
    accepted: dict[uuid.UUID, float] = {}
    async with phase("intake"):
        accepted = await intake.intake(http, sizes.intake, sizes.concurrency, results, progress)
    async with phase("lifecycle starts"):
        await lifecycles.lifecycle_starts(
            pool, client, accepted, 120 + sizes.intake / 5, results, progress
        )
    # What one complaint costs each component from POST to routed, against one empty workflow.
    f["cpu_ms_per_complaint_routed"] = results.cpu_ms_per(
        ("intake", "lifecycle starts"), f.get("lifecycle_routed")
    )
    raw_workflows = (f.get("raw_temporal_count") or 0) + (f.get("raw_temporal_count_serial") or 0)
    f["cpu_ms_per_raw_workflow"] = results.cpu_ms_per(("raw Temporal",), raw_workflows)
    async with phase("intake isolated"):
        await intake.intake_isolated(
            http, phase.probe.processes(), sizes.intake, sizes.concurrency, results, progress
        )
    isolated = results.cpu_ms_per(("intake isolated",), f.get("intake_count_isolated"))
    f["intake_cpu_ms_per_complaint"] = (isolated or {}).get("intake")
    await settle()
    async with phase("steady e2e"):
        # A quarter of what the lifecycles just sustained: latency without a queue in front.
        per_second = min(10.0, max(0.5, 0.25 * (f.get("lifecycle_routed_rps") or 2.0)))
        await lifecycles.e2e_routed(
            pool,
            http,
            max(10, round(per_second * sizes.steady_s)),
            round(per_second, 2),
            results,
            progress,
        )
    async with phase("desk updates"):
        header = await asyncio.to_thread(updates.staff_auth_header, stack)
        ids = await updates.routed_complaints(pool, list(accepted), sizes.updates)
        async with httpx.AsyncClient(base_url=stack.desk_url, headers=header, timeout=60) as desk:
            await updates.acknowledge_round_trips(
                desk, ids, sizes.update_concurrency, results, progress
            )
    await settle()
    async with phase("desk updates alone"):
        # One at a time on a quiet stack: the latency an officer sees, without a queue.
        ids = await updates.routed_complaints(pool, list(accepted), sizes.updates_alone)
        async with httpx.AsyncClient(base_url=stack.desk_url, headers=header, timeout=60) as desk:
            await updates.acknowledge_round_trips(desk, ids, 1, results, progress, "_alone")
    await settle()
    async with phase("burst"):
        await burst.burst(
            pool,
            client,
            http,
            sizes.burst,
            sizes.burst_concurrency,
            120 + sizes.burst / 5,
            results,
            progress,
        )
    await settle()
    async with phase("cliff"):
        await cliff.cliff(pool, sizes.cliff, f.get("lifecycle_routed_rps"), results, progress)


async def _series(pool: asyncpg.Pool, client: Client, results: Results) -> None:
    """Timestamps of everything that happened, for the throughput plot."""
    s = results.series
    s["accepted_at"] = await observe.all_times(
        pool, "SELECT received_at FROM complaints WHERE complaint_class IS DISTINCT FROM 'cliff'"
    )
    s["routed_at"] = await observe.all_times(
        pool, "SELECT occurred_at FROM timeline WHERE event_type = 'routed'"
    )
    s["escalated_at"] = await observe.all_times(
        pool, "SELECT created_at FROM outbox WHERE subject = 'aduan.complaint.escalated'"
    )
    runs = await observe.lifecycle_runs(client)
    s["lifecycle_started_at"] = [r.first_start.timestamp() for r in runs.values()]


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def _context(scale: float, sizes: Sizes) -> dict[str, object]:
    return {
        "scale": scale,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": _git("rev-parse", "HEAD") or None,
        "git_dirty": bool(_git("status", "--porcelain")),
        "machine": {
            "cores": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "sizes": asdict(sizes),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiplies every size (1.0: about six minutes on two cores)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS,
        help="where latest.json and the plots go (default: bench/results)",
    )
    parser.add_argument("--plain", action="store_true", help="plain progress lines, no bars")
    parser.add_argument(
        "--keep-data",
        action="store_true",
        help="keep the stack's temporary data dir (logs, database) afterwards",
    )
    parser.add_argument("--log-level", default="INFO", help="ADUAN_LOG_LEVEL of the stack")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.scale <= 0:
        raise SystemExit("--scale must be positive")
    sizes = Sizes.for_scale(args.scale)
    results = Results(began=time.time())
    results.figures.update(_context(args.scale, sizes))
    stack = BenchStack.for_bench(args.log_level)
    with Progress(True if args.plain else None) as progress:
        progress.note(f"bench: scale {args.scale}, stack data in {stack.data}")
        try:
            with progress.task("starting the stack (aduan run)", 1) as task:
                stack.start()
                task.advance()
            results.figures["stack_start_s"] = time.time() - results.began
            asyncio.run(run_all(stack, sizes, results, progress))
        except KeyboardInterrupt:
            progress.note("bench: interrupted")
            raise SystemExit(130) from None
        except BaseException:
            progress.note("bench: stopped early; the end of the stack's log:\n" + stack.log_tail())
            raise
        finally:
            progress.note("bench: stopping the stack (SIGINT)")
            leftovers = stack.stop_and_check()
            if leftovers:
                results.notes.append(f"had to kill after stopping: {', '.join(leftovers)}")
            if not args.keep_data:
                stack.remove_data()
    results.figures["duration_s"] = time.time() - results.began
    results.ratios()
    report.print_table(results)
    report.write_json(results, args.results / "latest.json")
    for path in report.plot(results, args.results):
        print(f"wrote {path}")
    print(f"wrote {args.results / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
