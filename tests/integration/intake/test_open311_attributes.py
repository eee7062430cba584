"""Category questions over Open311: services with questions have `metadata`, their definition
lists them as attributes, and POST requests takes attribute[code], checked as the API checks
answers (the specification's error list, naming attribute[code])."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET

import asyncpg
import httpx
import pytest
from georeport import GeoReport

from tests.support.open311 import errors, open311_count, post, report


async def test_services_with_questions_have_metadata_and_their_questions_as_attributes(
    open311: httpx.AsyncClient, endpoint: str
) -> None:
    services = {s["service_code"]: s for s in (await open311.get("/services.json")).json()}
    assert [code for code, s in services.items() if s["metadata"]] == [
        "billing",
        "meter",
        "general",
    ]

    billing = (await open311.get("/services/billing.json")).json()
    assert billing["service_code"] == "billing"
    month, amount, meter = billing["attributes"]
    assert month == {
        "variable": True,
        "code": "billing_month",
        "datatype": "string",
        "required": True,
        "datatype_description": "Tahun dan bulan, misalnya 2026-03. / "
        "Year and month, for example 2026-03.",
        "order": 1,
        "description": "Bulan tagihan / Billing month",
        "values": [],
    }
    assert (amount["code"], amount["datatype"], amount["required"]) == (
        "amount_billed",
        "number",
        False,
    )
    assert (meter["code"], meter["order"]) == ("meter_number", 3)

    # A third-party client reads the choices of a singlevaluelist, in XML as in JSON.
    for fmt in ("json", "xml"):
        defined = await asyncio.to_thread(
            GeoReport(endpoint, output_format=fmt).get_service_definition, "meter"
        )
        assert defined["service_code"] == "meter"
    xml = ET.fromstring((await open311.get("/services/meter.xml")).content)
    problem = next(a for a in xml.iter("attribute") if a.findtext("code") == "meter_problem")
    assert problem.findtext("datatype") == "singlevaluelist"
    assert problem.findtext("required") == "false"
    values = [(v.findtext("key"), v.findtext("name")) for v in problem.iter("value")]
    assert [key for key, _ in values] == ["stuck", "runs_when_closed", "broken", "other"]
    assert values[0][1] == "Angka tidak bergerak / The numbers do not move"
    plain = (await open311.get("/services/no_water.json")).json()
    assert plain == {"service_code": "no_water", "attributes": []}


@pytest.mark.parametrize(
    ("changes", "mentions"),
    [
        ({"attribute[billing_month]": None}, "attribute[billing_month]: an answer is required"),
        ({"attribute[billing_month]": "   "}, "attribute[billing_month]: an answer is required"),
        ({"attribute[billing_month]": "Maret"}, "attribute[billing_month]: is not in the form"),
        ({"attribute[amount_billed]": "Rp 250.000"}, "attribute[amount_billed]: must be a number"),
        ({"attribute[WHISPAWN]": "123456"}, "attribute[WHISPAWN]: no such question"),
        (
            {"service_code": "meter", "attribute[meter_problem]": "melted"},
            "attribute[meter_problem]: must be one of stuck, runs_when_closed, broken, other",
        ),
        ({"service_code": "no_water", "attribute[meter_number]": "88"}, "it asks none"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_a_wrong_or_missing_attribute_is_refused_naming_it_and_stores_nothing(
    open311: httpx.AsyncClient,
    pool: asyncpg.Pool,
    changes: dict[str, str | None],
    mentions: str,
    fmt: str,
) -> None:
    before = await open311_count(pool)
    answer = await post(open311, report(**changes), fmt)
    # GeoReport v2 answers a bad request with 400; the body's code is the problem's own.
    assert answer.status_code == 400
    [error] = errors(answer)
    assert error["code"] == 422
    assert mentions in error["description"]
    assert await open311_count(pool) == before


async def test_an_attribute_given_twice_is_refused(
    open311: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    # The [] of a multivaluelist: one question takes one value here.
    fields = {**report(service_code="meter"), "attribute[meter_problem][]": ["stuck", "broken"]}
    before = await open311_count(pool)
    answer = await open311.post("/requests.json", data=fields)
    assert answer.status_code == 400
    assert errors(answer)[0]["description"] == "attribute[meter_problem]: takes one value"
    assert await open311_count(pool) == before


async def test_answered_attributes_are_stored_as_the_complaints_answers_and_never_listed(
    open311: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    fields = report(
        **{
            "attribute[billing_month]": "2026-03",
            "attribute[amount_billed]": "250000",
            "attribute[meter_number]": "88-1234",
        }
    )
    answer = await post(open311, fields)
    assert answer.status_code == 200, answer.text
    code = answer.json()[0]["service_request_id"]
    stored = await pool.fetchval("SELECT answers FROM complaints WHERE tracking_code = $1", code)
    assert stored == {
        "billing_month": "2026-03",
        "amount_billed": 250000,
        "meter_number": "88-1234",
    }

    listed = await open311.get(f"/requests/{code}.json")
    assert listed.status_code == 200 and "88-1234" not in listed.text
