"""The ops endpoints of the processes without HTTP of their own (ADUAN_OPS_PORT): what
deploy/k8s's probes and Prometheus call, against real PostgreSQL, NATS and Temporal."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from aduan.config import Settings
from aduan.processes import NEEDS
from aduan.web.ops import DEPENDENCIES, Dependencies, ops_app
from devtools import servers
from tests.support.databases import empty_database
from tests.support.http import assert_problem

TOKEN = "ops-metrics-token"
PRODUCTION = {
    "ADUAN_ENVIRONMENT": "production",
    "ADUAN_SECRET_KEY": "s" * 40,
    "ADUAN_METRICS_TOKEN": TOKEN,
    "ADUAN_LOG_FORMAT": "json",
}


@pytest.fixture
def relay(
    pg_dsn: str, nats_url: str, tmp_path: Path
) -> Iterator[tuple[httpx.Client, subprocess.Popen[bytes]]]:
    """`aduan serve relay` as a pod runs it (production, ADUAN_OPS_PORT), on an empty
    database of its own (the session's outbox is other tests' to publish)."""
    port = servers.free_port()
    env = {
        **os.environ,
        **PRODUCTION,
        "ADUAN_DATABASE_URL": asyncio.run(empty_database(pg_dsn, "aduan_ops")),
        "ADUAN_NATS_URL": nats_url,
        "ADUAN_OPS_PORT": str(port),
        "ADUAN_DATA_DIR": str(tmp_path),
    }
    process = servers.spawn(
        [sys.executable, "-m", "aduan", "serve", "relay"], log=tmp_path / "relay.log", env=env
    )
    try:
        servers.wait_for_port(port, 60, process, "relay's ops port")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            yield client, process
    finally:
        if process.poll() is None:
            servers.stop(process)


def test_a_relay_pod_answers_its_probes_and_scrapes_and_stops_on_sigterm(
    relay: tuple[httpx.Client, subprocess.Popen[bytes]],
) -> None:
    client, process = relay
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "nats": "ok"}}
    assert_problem(client.get("/metrics/"), 401)  # production: the token only
    scraped = client.get("/metrics/", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scraped.status_code == 200
    assert "process_resident_memory_bytes" in scraped.text
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0


async def test_readiness_names_each_dependency_that_does_not_answer(
    pg_dsn: str, nats_url: str, time_skipping_env: WorkflowEnvironment
) -> None:
    target = time_skipping_env.client.service_client.config.target_host
    reachable = Settings(database_url=pg_dsn, nats_url=nats_url, temporal_address=target)
    away = Settings(
        database_url=f"postgresql://postgres@127.0.0.1:{servers.free_port()}/aduan",
        nats_url=f"nats://127.0.0.1:{servers.free_port()}",
        temporal_address=f"127.0.0.1:{servers.free_port()}",
    )
    for settings, ready in ((reachable, True), (away, False)):
        dependencies = Dependencies(settings)
        app = ops_app(settings, dependencies.checks(DEPENDENCIES))
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://ops") as http:
                answer = await http.get("/readyz")
                if ready:  # again, over the connections the first one made
                    assert (await http.get("/readyz")).status_code == 200
        finally:
            await dependencies.close()
        if ready:
            assert answer.status_code == 200, answer.text
        else:
            assert set(assert_problem(answer, 503)["checks"]) == set(DEPENDENCIES)


def test_every_process_without_http_says_what_its_readiness_checks() -> None:
    from aduan.processes import PROCESS_NAMES

    assert set(NEEDS) == set(PROCESS_NAMES) - {"intake", "desk"}
    assert all(set(needs) <= set(DEPENDENCIES) for needs in NEEDS.values())
