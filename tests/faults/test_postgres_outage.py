"""PostgreSQL stopped: intake refuses with 503 and Retry-After, and recovers by itself."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from aduan.store import db
from devtools import servers
from tests.support.faults import FAULTS_POLICY

pytestmark = pytest.mark.faults


@dataclass
class Postgres:
    """A PostgreSQL of this test's own, stopped and started again on one port and data dir."""

    data: Path
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/aduan"

    def start(self) -> None:
        self.process = servers.start_postgres(self.data, self.port, self.log)

    def stop(self) -> None:
        if self.process is not None:
            servers.stop(self.process, signal.SIGINT)  # fast shutdown: sessions are cut


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[Postgres]:
    server = Postgres(tmp_path / "pg", servers.free_port(), tmp_path / "postgres.log")
    server.start()
    asyncio.run(db.ensure_database(server.dsn))
    db.migrate(server.dsn)
    yield server
    server.stop()


@pytest.fixture
def intake(
    postgres: Postgres, tmp_path: Path
) -> Iterator[tuple[httpx.Client, subprocess.Popen[bytes]]]:
    """`aduan serve intake` on a free port against that PostgreSQL; a client, the process."""
    port = servers.free_port()
    env = {
        **os.environ,
        "ADUAN_DATABASE_URL": postgres.dsn,
        "ADUAN_INTAKE_PORT": str(port),
        "ADUAN_SLA_POLICY": str(FAULTS_POLICY),
        "ADUAN_DATA_DIR": str(tmp_path),
        "ADUAN_LOG_FORMAT": "json",
        # Nothing listens there: taking a complaint needs neither NATS nor Temporal.
        "ADUAN_NATS_URL": f"nats://127.0.0.1:{servers.free_port()}",
        "ADUAN_TEMPORAL_ADDRESS": f"127.0.0.1:{servers.free_port()}",
    }
    process = servers.spawn(
        [sys.executable, "-m", "aduan", "serve", "intake"], log=tmp_path / "intake.log", env=env
    )
    try:
        servers.wait_for_port(port, 60, process, "intake")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            yield client, process
    finally:
        servers.stop(process)


def _post(client: httpx.Client, key: str) -> httpx.Response:
    body = {
        "description": f"Lampu jalan di depan rumah saya mati sejak seminggu ({key})",
        "channel": "web",
        "complainant": {"email": f"{key}@example.id"},
    }
    return client.post("/v1/complaints", json=body, headers={"Idempotency-Key": key})


def test_intake_answers_503_while_postgresql_is_down_and_recovers_without_restart(
    postgres: Postgres, intake: tuple[httpx.Client, subprocess.Popen[bytes]]
) -> None:
    client, process = intake
    before = _post(client, "pg-before")
    assert before.status_code == 201, before.text

    postgres.stop()
    down = _post(client, "pg-during")
    assert down.status_code == 503, down.text
    assert down.headers["content-type"].startswith("application/problem+json")
    assert down.json()["status"] == 503 and down.json()["detail"]
    assert int(down.headers["Retry-After"]) > 0
    assert client.get("/readyz").status_code == 503

    postgres.start()  # the same port and data dir
    answers: list[int] = []
    give_up = time.monotonic() + 30
    while time.monotonic() < give_up:  # what a client does with Retry-After, only faster
        answer = _post(client, "pg-during")
        answers.append(answer.status_code)
        if answer.status_code == 201:
            break
        time.sleep(0.5)  # the client's pause before it retries
    assert answers[-1] == 201, answers
    assert set(answers[:-1]) <= {503}, answers  # refused cleanly, never a 500
    assert client.get("/readyz").status_code == 200

    for created in (before.json(), answer.json()):  # both are stored and readable
        view = client.get(
            f"/v1/complaints/{created['tracking_code']}",
            headers={"X-Access-Token": created["access_token"]},
        )
        assert view.status_code == 200, view.text
    assert _post(client, "pg-during").headers.get("Idempotent-Replayed") == "true"
    assert process.poll() is None, "intake was restarted or died"  # one process throughout
