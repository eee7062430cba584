"""Open311 clients shared by the Open311 test modules: in-process, and over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio

from services.intake.app import create_app
from tests.support.http import asgi_client, serve
from tests.support.open311 import OPEN311, PATH, SchemaChecked, checked, settings


@pytest_asyncio.fixture
async def open311(pg_dsn: str) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(checked(create_app(settings(pg_dsn))), OPEN311) as client:
        yield client


@pytest.fixture(scope="module")
def endpoint(pg_dsn: str) -> Iterator[str]:
    """The Open311 endpoint's URL on a real port, for clients that speak real HTTP; every
    JSON answer it gave followed its schema."""
    SchemaChecked.failures.clear()
    with serve(checked(create_app(settings(pg_dsn)))) as base:
        yield base + PATH
    assert not SchemaChecked.failures
