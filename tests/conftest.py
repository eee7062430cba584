"""Real servers for the whole test session: PostgreSQL, NATS JetStream, Temporal.

Fixtures only: the helpers tests share are in tests/support."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from temporalio.testing import WorkflowEnvironment

from aduan.adapters import bus, temporal
from aduan.store import db
from devtools import servers
from tests.support.payload_keys import KEYS, TEST_KEYRING

# The suite sends far more from one address and one mailbox than any citizen would: rate
# limits are off unless a test sets its own (tests/integration/intake/test_rate_limits.py).
# Set before any Settings is made, and inherited by every stack the suite starts.
for _scope in ("SUBMISSIONS", "CONTACT", "UPLOADS", "LOGINS", "WEBHOOKS", "READS"):
    os.environ[f"ADUAN_RATE_{_scope}"] = ""
# Every client, worker and stack of the suite encrypts Temporal's payloads with the test key.
os.environ["ADUAN_PAYLOAD_KEYS"] = KEYS


@pytest.fixture(scope="session")
def server_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("servers")


@pytest.fixture(scope="session")
def pg_dsn(server_dir: Path) -> Iterator[str]:
    port = servers.free_port()
    process = servers.start_postgres(server_dir / "pg", port, server_dir / "pg.log")
    dsn = f"postgresql://postgres@127.0.0.1:{port}/aduan_test"
    asyncio.run(db.ensure_database(dsn))
    db.migrate(dsn)
    yield dsn
    servers.stop(process, signal.SIGINT)


@pytest_asyncio.fixture(scope="session")
async def pool(pg_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await db.create_pool(pg_dsn)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
def nats_url(server_dir: Path) -> Iterator[str]:
    port = servers.free_port()
    process = servers.spawn(
        servers.nats_command(server_dir / "nats", port), log=server_dir / "nats.log"
    )
    servers.wait_for_port(port, 20, process, "nats-server")
    yield f"nats://127.0.0.1:{port}"
    servers.stop(process)


@pytest_asyncio.fixture(scope="session")
async def nats_client(nats_url: str) -> AsyncIterator[NATS]:
    client = await bus.connect([nats_url], "tests")
    await bus.ensure_stream(client.jetstream())
    yield client
    await client.close()


@pytest.fixture(scope="session")
def js(nats_client: NATS) -> JetStreamContext:
    return nats_client.jetstream()


@pytest_asyncio.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    binary = shutil.which("temporal-test-server", path=str(Path(sys.executable).parent))
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary, data_converter=temporal.data_converter(TEST_KEYRING)
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
def temporal_address(server_dir: Path) -> Iterator[str]:
    """A Temporal dev server with Aduan's search attributes and visibility (the time-skipping
    server has neither), for what only a real cluster does, like deleting a workflow."""
    port = servers.free_port()
    argv = servers.temporal_command(
        server_dir / "temporal.db", port, servers.free_port(), temporal.dev_server_flags()
    )
    process = servers.spawn(argv, log=server_dir / "temporal.log")
    servers.wait_for_port(port, 60, process, "temporal")
    yield f"127.0.0.1:{port}"
    servers.stop(process)
