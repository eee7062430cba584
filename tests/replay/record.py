"""Record replay histories of every scenario: `.venv/bin/python -m tests.replay.record`.

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

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from aduan.lifecycle.activities import LifecycleActivities
from aduan.lifecycle.runner import workflow_runner
from aduan.lifecycle.workflow import ComplaintLifecycle
from aduan.store import db
from devtools import servers
from tests.support.lifecycle import DEFAULT_POLICY, Lifecycles
from tests.support.scenarios import SCENARIOS

HISTORIES = Path(__file__).parent / "histories"


async def record(dsn: str) -> None:
    """Run each scenario on a time-skipping server and write its history as JSON."""
    pool = await db.create_pool(dsn)
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=shutil.which(
            "temporal-test-server", path=str(Path(sys.executable).parent)
        ),
        data_converter=pydantic_data_converter,
    )
    activities = LifecycleActivities(pool, DEFAULT_POLICY)
    task_queue = f"record-{uuid.uuid4()}"
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=[ComplaintLifecycle],
        workflow_runner=workflow_runner(),
        activities=activities.all(),
    ):
        lifecycles = Lifecycles(env, env.client, task_queue, pool, activities)
        for name, scenario in SCENARIOS.items():
            complaint = await scenario(lifecycles)
            history = await complaint.handle.fetch_history()
            version = len(list(HISTORIES.glob(f"{name}.v*.json"))) + 1
            (HISTORIES / f"{name}.v{version}.json").write_text(history.to_json())
            print(f"recorded {name} v{version} ({len(history.events)} events)")
        for complaint in lifecycles.started:
            with contextlib.suppress(RPCError):  # most have completed already
                await complaint.handle.terminate()
    await env.shutdown()
    await pool.close()


def main() -> None:
    """Start a throw-away PostgreSQL, record, and stop it."""
    with tempfile.TemporaryDirectory() as folder:
        port = servers.free_port()
        server = servers.start_postgres(Path(folder) / "pg", port, Path(folder) / "pg.log")
        dsn = f"postgresql://postgres@127.0.0.1:{port}/aduan"
        try:
            asyncio.run(db.ensure_database(dsn))
            db.migrate(dsn)
            asyncio.run(record(dsn))
        finally:
            servers.stop(server, signal.SIGINT)


if __name__ == "__main__":
    main()
