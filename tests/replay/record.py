"""Record replay histories: `.venv/bin/python -m tests.replay.record [SCENARIO...]` (all
scenarios when none is named).

Run it after a change meant to alter new lifecycles (behind `workflow.patched`) and commit
the new files beside the old ones: the old histories must keep replaying too.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import sys
import tempfile
import uuid
from pathlib import Path

import asyncpg
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from aduan.adapters import temporal
from aduan.lifecycle.activities import LifecycleActivities
from aduan.lifecycle.runner import workflow_runner
from aduan.lifecycle.workflow import ComplaintLifecycle
from aduan.store import db
from devtools import servers
from tests.support.lifecycle import DEFAULT_POLICY, Lifecycles
from tests.support.payload_keys import TEST_KEYRING
from tests.support.scenarios import INDEXED_SCENARIOS, SCENARIOS, Scenario

HISTORIES = Path(__file__).parent / "histories"


async def record(dsn: str, only: set[str]) -> None:
    """Run each scenario and write its history as JSON: on a time-skipping server, and the
    indexed ones on a dev server with Aduan's search attributes registered; payloads are
    encrypted under the suite's test key, as every process encrypts its own."""
    pool = await db.create_pool(dsn)
    bin_dir = str(Path(sys.executable).parent)
    skipping = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=shutil.which("temporal-test-server", path=bin_dir),
        data_converter=temporal.data_converter(TEST_KEYRING),
    )
    await _record_on(skipping, pool, _chosen(SCENARIOS, only), indexed=False)
    await skipping.shutdown()
    dev = await WorkflowEnvironment.start_local(
        dev_server_existing_path=shutil.which("temporal", path=bin_dir),
        dev_server_extra_args=temporal.dev_server_flags(),
        data_converter=temporal.data_converter(TEST_KEYRING),
    )
    await _record_on(dev, pool, _chosen(INDEXED_SCENARIOS, only), indexed=True)
    await dev.shutdown()
    await pool.close()


def _chosen(scenarios: dict[str, Scenario], only: set[str]) -> dict[str, Scenario]:
    return {name: s for name, s in scenarios.items() if not only or name in only}


async def _record_on(
    env: WorkflowEnvironment, pool: asyncpg.Pool, scenarios: dict[str, Scenario], *, indexed: bool
) -> None:
    activities = LifecycleActivities(pool, DEFAULT_POLICY)
    task_queue = f"record-{uuid.uuid4()}"
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[ComplaintLifecycle],
        workflow_runner=workflow_runner(),
        activities=activities.all(),
    ):
        lifecycles = Lifecycles(env, env.client, task_queue, pool, activities, indexed=indexed)
        for name, scenario in scenarios.items():
            complaint = await scenario(lifecycles)
            history = await complaint.handle.fetch_history()
            version = len(list(HISTORIES.glob(f"{name}.v*.json"))) + 1
            (HISTORIES / f"{name}.v{version}.json").write_text(history.to_json())
            print(f"recorded {name} v{version} ({len(history.events)} events)")
        for complaint in lifecycles.started:
            with contextlib.suppress(RPCError):  # most have completed already
                await complaint.handle.terminate()


def main() -> None:
    """Start a throw-away PostgreSQL, record, and stop it."""
    with tempfile.TemporaryDirectory() as folder:
        port = servers.free_port()
        server = servers.start_postgres(Path(folder) / "pg", port, Path(folder) / "pg.log")
        dsn = f"postgresql://postgres@127.0.0.1:{port}/aduan"
        try:
            asyncio.run(db.ensure_database(dsn))
            db.migrate(dsn)
            asyncio.run(record(dsn, set(sys.argv[1:])))
        finally:
            servers.stop(server, signal.SIGINT)


if __name__ == "__main__":
    main()
