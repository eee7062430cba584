"""What the Open311 tests share: the specification's example report, clients, error lists."""

from __future__ import annotations

import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import httpx
import uvicorn
from fastapi import FastAPI

from aduan.config import Settings
from devtools import servers

KEY = "open311-test-key"
REPORT = {  # the specification's example request, with Aduan's values
    "api_key": KEY,
    "jurisdiction_id": "air.example.id",
    "service_code": "billing",
    "lat": "-6.2088",
    "long": "106.8456",
    "address_string": "Jl. Melati 3, Jakarta",
    "address_id": "PAM-55",
    "email": "siti@example.id",
    "device_id": "tt222111",
    "account_id": "PEL-001234",
    "first_name": "Siti",
    "last_name": "Aminah",
    "phone": "081234567890",
    "media_url": "https://example.id/meter.jpg",
}


def settings(dsn: str) -> Settings:
    """Intake's settings with two Open311 keys, ours second."""
    return Settings(database_url=dsn, open311_api_keys=f"other-key, {KEY}")


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free port, for clients that speak real HTTP."""
    port = servers.free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "intake did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/open311/v2"
    finally:
        server.should_exit = True
        thread.join(10)


def report(**changes: str | None) -> dict[str, str]:
    """The example report with a fresh description; None removes a field."""
    fields = {
        **REPORT,
        "description": f"Tagihan air naik dua kali lipat ({uuid.uuid4()})",
        **changes,
    }
    return {key: value for key, value in fields.items() if value is not None}


def errors(answer: httpx.Response) -> list[dict[str, Any]]:
    """The specification's error list, from either format."""
    if answer.headers["content-type"].startswith("application/json"):
        found: list[dict[str, Any]] = answer.json()
        return found
    root = ET.fromstring(answer.content)
    assert root.tag == "errors"
    return [
        {"code": int(e.findtext("code", "")), "description": e.findtext("description")}
        for e in root.iter("error")
    ]


async def open311_count(pool: asyncpg.Pool) -> int:
    """How many complaints came through Open311."""
    count: int = await pool.fetchval("SELECT count(*) FROM complaints WHERE channel = 'open311'")
    return count


async def post(
    client: httpx.AsyncClient, fields: dict[str, str], fmt: str = "json", **headers: str
) -> httpx.Response:
    """POST requests.{fmt} with form-encoded fields."""
    return await client.post(f"/requests.{fmt}", data=fields, headers=headers)


async def posted_id(client: httpx.AsyncClient, **changes: str | None) -> str:
    """Post a report and return its service_request_id."""
    answer = await post(client, report(**changes))
    assert answer.status_code == 200, answer.text
    code: str = answer.json()[0]["service_request_id"]
    return code


OPEN311 = "http://intake/open311/v2"  # base URL of the in-process clients
