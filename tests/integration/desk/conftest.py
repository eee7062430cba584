"""Desk served in-process against the session's PostgreSQL; Temporal deliberately absent."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from aduan.config import Settings
from devtools import servers
from services.desk.app import create_app
from tests.support.desk import SECRET
from tests.support.http import asgi_client


@pytest_asyncio.fixture
async def desk(pg_dsn: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=pg_dsn, secret_key=SECRET, temporal_address=f"127.0.0.1:{servers.free_port()}"
    )
    async with asgi_client(create_app(settings), "http://desk") as client:
        yield client
