"""The apps under fuzz: real intake and desk served by uvicorn on free ports, against the
session's PostgreSQL and Temporal (time-skipping server: no lifecycle runs, so an Update
meets "workflow not found" and must answer a documented 409, never a 5xx).

Fixtures only: schemathesis settings and checks are in tests/support/fuzz.py."""

from __future__ import annotations

import pytest
from temporalio.testing import WorkflowEnvironment

from aduan.config import Settings
from tests.support.fuzz import SECRET


@pytest.fixture(scope="session")
def fuzz_settings(pg_dsn: str, time_skipping_env: WorkflowEnvironment) -> Settings:
    target = time_skipping_env.client.service_client.config.target_host
    return Settings(database_url=pg_dsn, secret_key=SECRET, temporal_address=target)
