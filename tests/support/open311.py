"""What the Open311 tests share: the specification's example report, requests, error lists."""

from __future__ import annotations

import json
import re
import uuid
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import asyncpg
import httpx
from fastapi import FastAPI
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


def settings(dsn: str, **changes: Any) -> Settings:
    """Intake's settings with two Open311 keys, ours second (and any other `changes`)."""
    return Settings(database_url=dsn, open311_api_keys=f"other-key, {KEY}", **changes)


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


# Every JSON answer under PATH is checked against the schema of its resource -----------------

SCHEMAS = Path(__file__).parent / "open311_schemas"
_RESOURCES = [  # (method, path under PATH, schema of a 2xx JSON answer); errors: errors.json
    ("GET", r"/discovery\.json", "discovery.json"),
    ("GET", r"/services\.json", "services.json"),
    ("GET", r"/services/[^/]+\.json", "service-definition.json"),
    ("POST", r"/requests\.json", "request-created.json"),
    ("GET", r"/requests(/[^/]+)?\.json", "requests.json"),
    ("GET", r"/tokens/[^/]+\.json", "tokens.json"),
    ("GET", r"/servicerequestupdates\.json", "request-updates.json"),
]


@cache
def _validators() -> dict[str, Draft202012Validator]:
    documents = {p.name: json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")}
    registry: Registry[Any] = Registry().with_resources(
        (name, Resource.from_contents(doc)) for name, doc in documents.items()
    )
    return {
        name: Draft202012Validator(
            doc, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        for name, doc in documents.items()
    }


def schema_of(method: str, path: str, status: int) -> str | None:
    """The schema a JSON answer to this call must follow, if the path is an Open311 one."""
    if not path.startswith(PATH + "/"):
        return None
    if status >= 400:
        return "errors.json"
    inner = path[len(PATH) :]
    return next(
        (name for m, pattern, name in _RESOURCES if m == method and re.fullmatch(pattern, inner)),
        None,
    )


def assert_valid(method: str, path: str, status: int, body: Any) -> None:
    """The answer follows its Open311 JSON schema (every error is listed, not the first)."""
    name = schema_of(method, path, status)
    assert name is not None, f"no Open311 schema for {method} {path} ({status})"
    problems = [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in _validators()[name].iter_errors(body)
    ]
    assert not problems, f"{method} {path} breaks {name}: {problems}"


def assert_valid_answer(answer: httpx.Response) -> Any:
    """An httpx answer of the Open311 endpoint, its JSON checked against its schema."""
    body = answer.json()
    assert_valid(answer.request.method, answer.request.url.path, answer.status_code, body)
    return body


class SchemaChecked:
    """ASGI middleware: every JSON answer of the Open311 endpoint is checked against its
    schema; one that breaks it fails the call in-process, and is kept in `failures` for a
    server on a real port (whose client only sees a 500)."""

    failures: ClassVar[list[str]] = []

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PATH + "/"):
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            headers = dict(start.get("headers", []))
            if headers.get(b"content-type", b"").startswith(b"application/json"):
                try:
                    assert_valid(scope["method"], scope["path"], start["status"], json.loads(body))
                except AssertionError as failure:
                    SchemaChecked.failures.append(str(failure))
                    raise
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, hold)


def checked(app: FastAPI) -> FastAPI:
    """The intake app with every Open311 JSON answer checked against its schema."""
    app.add_middleware(SchemaChecked)
    return app
