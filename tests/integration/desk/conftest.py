"""Desk served in-process against the session's PostgreSQL; Temporal deliberately absent."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from aduan.config import Settings
from aduan.web.auth import issue_token, make_staff
from devtools import servers
from services.desk.app import create_app
from tests.conftest import asgi_client

SECRET = "desk-test-secret-long-enough-for-hs256"


@pytest_asyncio.fixture
async def desk(pg_dsn: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=pg_dsn, secret_key=SECRET, temporal_address=f"127.0.0.1:{servers.free_port()}"
    )
    async with asgi_client(create_app(settings), "http://desk") as client:
        yield client


def auth(role: str, unit: str | None = None, user: str = "tester") -> dict[str, str]:
    """Headers of a staff member with this role and unit."""
    return {"Authorization": f"Bearer {issue_token(make_staff(user, role, unit), SECRET)}"}
