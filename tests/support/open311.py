"""What the Open311 tests share: the specification's example report, requests, error lists."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from typing import Any

import asyncpg
import httpx

from aduan.config import Settings

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
# The required questions of the shipped services (rules.yaml), answered.
REQUIRED_ANSWERS = {"billing": {"attribute[billing_month]": "2026-03"}}


def settings(dsn: str) -> Settings:
    """Intake's settings with two Open311 keys, ours second."""
    return Settings(database_url=dsn, open311_api_keys=f"other-key, {KEY}")


def report(**changes: str | None) -> dict[str, str]:
    """The example report with a fresh description and its service's required answers;
    None removes a field."""
    service = changes.get("service_code", REPORT["service_code"]) or ""
    fields = {
        **REPORT,
        **REQUIRED_ANSWERS.get(service, {}),
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


PATH = "/open311/v2"  # where intake serves the GeoReport v2 endpoint
OPEN311 = f"http://intake{PATH}"  # base URL of the in-process clients
