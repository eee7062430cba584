"""Open311 GeoReport v2 discovery, services and POST requests against real PostgreSQL.

`georeport` (PyPI) is the only Open311 client on PyPI that runs on Python 3.11, and it only
reads (services, definitions, requests): it reads our services over real HTTP here. Posting
is done as the specification's own example does it: a raw form-encoded POST, its XML answer
parsed with ElementTree.
"""

from __future__ import annotations

import asyncio
import re
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import asyncpg
import httpx
import pytest
import requests
from georeport import GeoReport

from aduan.domain.routing import load_rules
from devtools import servers
from services.intake.app import create_app
from tests.support.http import asgi_client
from tests.support.open311 import (
    OPEN311,
    errors,
    open311_count,
    post,
    report,
    settings,
)

RULES = Path(__file__).parents[3] / "services" / "routing" / "rules.yaml"


async def test_discovery_points_at_this_endpoint_in_json_and_xml(
    open311: httpx.AsyncClient,
) -> None:
    as_json = (await open311.get("/discovery.json")).json()
    assert as_json["contact"] and as_json["key_service"] and as_json["changeset"]
    [ours] = as_json["endpoints"]
    assert ours["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert ours["url"] == "http://intake/open311/v2"
    assert ours["type"] == "test"
    assert ours["formats"] == ["text/xml", "application/json"]

    answer = await open311.get("/discovery.xml")
    assert answer.headers["content-type"] == "text/xml; charset=utf-8"
    assert answer.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(answer.content)
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/url") == "http://intake/open311/v2"
    assert [f.text for f in root.iter("format")] == ["text/xml", "application/json"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_a_third_party_client_lists_the_routing_categories_as_services(
    endpoint: str, fmt: str
) -> None:
    client = GeoReport(endpoint, output_format=fmt)
    services = await asyncio.to_thread(client.get_service_list)
    rules = load_rules(RULES)
    assert [s["service_code"] for s in services] == [r.category for r in rules.rules] + [
        rules.default.category
    ]
    billing = next(s for s in services if s["service_code"] == "billing")
    assert billing["service_name"] == "Tagihan dan pembayaran"
    assert billing["group"] == "penagihan"
    assert "tagihan" in billing["keywords"].split(", ")
    assert billing["type"] == "realtime"
    assert billing["metadata"] in (True, "true")  # its questions (test_open311_attributes.py)

    defined = await asyncio.to_thread(client.get_service_definition, "billing")
    assert defined["service_code"] == "billing"
    assert defined["attributes"]
    with pytest.raises(requests.HTTPError) as missing:
        await asyncio.to_thread(client.get_service_definition, "pothole")
    assert missing.value.response is not None
    assert missing.value.response.status_code == 404


async def test_a_report_posted_twice_is_one_complaint_with_everything_it_said(
    open311: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    fields = report()
    before = await open311_count(pool)
    first = await post(open311, fields, "xml")
    again = await post(open311, fields, "xml")
    assert first.status_code == again.status_code == 200, first.text
    assert first.content == again.content
    assert await open311_count(pool) == before + 1

    root = ET.fromstring(first.content)
    assert root.tag == "service_requests"
    code = root.findtext("request/service_request_id", "")
    assert root.findtext("request/account_id") == "PEL-001234"
    notice = root.findtext("request/service_notice", "")
    assert notice.startswith("Pengaduan diterima") and code in notice
    token = re.search(r"token akses ([0-9a-f]{32})", notice)
    assert token is not None
    stored = await pool.fetchrow("SELECT * FROM complaints WHERE tracking_code = $1", code)
    assert stored["channel"] == "open311" and stored["category"] == "billing"
    assert stored["description"] == fields["description"]
    assert stored["complainant"]["name"] == "Siti Aminah"
    assert stored["account_ref"] == "PEL-001234"
    assert stored["location"]["lat"] == -6.2088 and stored["location"]["lon"] == 106.8456
    assert stored["channel_data"] == {
        "address_id": "PAM-55",
        "media_url": "https://example.id/meter.jpg",
    }

    # The token in the notice is the complainant's key to the tracking API.
    tracked = await open311.get(
        f"http://intake/v1/complaints/{code}", headers={"X-Access-Token": token[1]}
    )
    assert tracked.status_code == 200


async def test_two_citizens_sending_the_same_words_get_two_complaints_and_two_tokens(
    open311: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    # One app, one outage, the same words, no device or account: not a retry.
    fields = report(account_id=None, device_id=None, first_name=None, last_name=None, email=None)
    before = await open311_count(pool)
    first = await post(open311, fields)
    second = await post(open311, fields)
    assert first.status_code == second.status_code == 200, first.text
    [one], [two] = first.json(), second.json()
    assert one["service_request_id"] != two["service_request_id"]
    assert one["service_notice"] != two["service_notice"]  # each its own access token
    assert await open311_count(pool) == before + 2


async def test_the_same_device_posting_again_within_minutes_is_a_retry(
    open311: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    fields = report(account_id=None, device_id=f"device-{uuid.uuid4()}")
    before = await open311_count(pool)
    first = await post(open311, fields)
    again = await post(open311, fields)
    assert again.json() == first.json()
    other_device = await post(open311, {**fields, "device_id": f"device-{uuid.uuid4()}"})
    assert other_device.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]
    assert await open311_count(pool) == before + 2


async def test_an_idempotency_key_makes_one_complaint_and_refuses_other_fields(
    open311: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    fields = report()
    before = await open311_count(pool)
    first = await post(open311, fields, **headers)
    again = await post(open311, {**fields, "device_id": "another-device"}, **headers)
    assert again.json() == first.json()
    other = await post(open311, report(), **headers)
    assert other.status_code == 400
    assert errors(other)[0]["code"] == 409
    assert await open311_count(pool) == before + 1


@pytest.mark.parametrize(
    ("changes", "status", "mentions"),
    [
        ({"api_key": None}, 403, "api_key is missing"),
        ({"api_key": "guessed"}, 403, "api_key is not valid"),
        ({"service_code": None}, 400, "service_code is required"),
        ({"service_code": "pothole"}, 404, "'pothole' was not found"),
        ({"description": " "}, 400, "description is required"),
        ({"description": "x" * 4001}, 400, "4000 characters"),
        (
            {"lat": None, "long": None, "address_string": None, "address_id": None},
            400,
            "a location is required",
        ),
        ({"long": None, "address_string": None}, 400, "lat and long must be given together"),
        ({"lat": "south"}, 400, "decimal degrees"),
        ({"lat": "-91"}, 400, "lat:"),
        ({"email": "not-an-email"}, 400, "email:"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_a_malformed_report_is_refused_in_the_spec_format_and_stores_nothing(
    open311: httpx.AsyncClient,
    pool: asyncpg.Pool,
    changes: dict[str, str | None],
    status: int,
    mentions: str,
    fmt: str,
) -> None:
    before = await open311_count(pool)
    answer = await post(open311, report(**changes), fmt)
    assert answer.status_code == status
    [error] = errors(answer)
    assert error["code"] == status
    assert mentions in error["description"]
    assert await open311_count(pool) == before


async def test_a_json_body_is_refused_as_not_form_encoded(open311: httpx.AsyncClient) -> None:
    answer = await open311.post("/requests.xml", json=report())
    assert answer.status_code == 400
    assert "form-encoded" in errors(answer)[0]["description"]


@pytest.mark.parametrize(
    ("path", "mentions"),
    [
        ("/requests/ADU-0000-0000.json", "'ADU-0000-0000' was not found"),
        ("/requests/ADU-0000-0000.xml", "'ADU-0000-0000' was not found"),
        ("/services/pothole.xml", "'pothole' was not found"),
        ("/services.html", "use .json or .xml"),
        ("/tokens/12345.xml", "token '12345' was not found"),
        ("/tokens.json", "no such resource"),
    ],
)
async def test_what_does_not_exist_is_404_in_the_spec_format(
    open311: httpx.AsyncClient, path: str, mentions: str
) -> None:
    answer = await open311.get(path)
    assert answer.status_code == 404
    [error] = errors(answer)
    assert error["code"] == 404 and mentions in error["description"]


async def test_with_postgresql_unreachable_a_report_gets_a_service_error_not_a_500() -> None:
    dead = f"postgresql://postgres@127.0.0.1:{servers.free_port()}/aduan"
    async with asgi_client(create_app(settings(dead)), OPEN311) as client:
        answer = await post(client, report(), "xml")
        assert answer.status_code == 400
        assert answer.headers["Retry-After"]
        [error] = errors(answer)
        assert error["code"] == 503 and "try again" in error["description"]
