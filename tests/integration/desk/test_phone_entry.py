"""Call-centre entry: POST /v1/staff/complaints against real PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from tests.support.desk import auth as staff
from tests.support.http import assert_problem

CALL = {
    "description": "Penelepon melaporkan air tidak mengalir sejak tiga hari di Jl. Kenanga 7.",
    "subject": "Air tidak mengalir",
    "complainant": {"name": "Pak Darto", "phone": "0812-3456-7890"},
    "location": {"region_code": "31.71", "address": "Jl. Kenanga 7"},
}


def auth(role: str, user: str = "tester") -> dict[str, str]:
    unit = "layanan-pelanggan" if role in ("officer", "supervisor") else None
    return staff(role, unit, user)


async def test_an_officer_enters_a_call_recorded_as_phone_with_the_officer(
    desk: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    officer = f"rina-{uuid.uuid4().hex[:6]}"
    answer = await desk.post("/v1/staff/complaints", json=CALL, headers=auth("officer", officer))
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert created["tracking_code"].startswith("ADU-") and created["access_token"]

    row = await pool.fetchrow("SELECT * FROM complaints WHERE id = $1", uuid.UUID(created["id"]))
    assert row["channel"] == "phone"
    assert row["entered_by"] == officer
    assert row["complainant"]["name"] == "Pak Darto"
    assert row["description"] == CALL["description"]
    event = await pool.fetchval(
        "SELECT payload FROM outbox WHERE payload->>'complaint_id' = $1"
        " AND subject = 'aduan.complaint.received'",
        created["id"],
    )
    assert event["data"]["entered_by"] == officer
    assert event["data"]["channel"] == "phone"
    assert "Darto" not in str(event)  # the caller's identity stays off the bus

    seen = await desk.get(f"/v1/staff/complaints/{created['id']}", headers=auth("admin"))
    assert seen.status_code == 200, seen.text
    assert seen.json()["entered_by"] == officer
    assert seen.json()["channel"] == "phone"


async def test_a_retried_entry_returns_the_first_answer(
    desk: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    headers = {**auth("officer"), "Idempotency-Key": f"call-{uuid.uuid4()}"}
    first = await desk.post("/v1/staff/complaints", json=CALL, headers=headers)
    again = await desk.post("/v1/staff/complaints", json=CALL, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    count = await pool.fetchval(
        "SELECT count(*) FROM complaints WHERE id = $1", uuid.UUID(first.json()["id"])
    )
    assert count == 1


@pytest.mark.parametrize("role", ["supervisor", "admin"])
async def test_supervisors_and_admins_may_enter_calls(
    desk: httpx.AsyncClient, pool: asyncpg.Pool, role: str
) -> None:
    answer = await desk.post("/v1/staff/complaints", json=CALL, headers=auth(role, role))
    assert answer.status_code == 201, answer.text
    entered_by = await pool.fetchval(
        "SELECT entered_by FROM complaints WHERE id = $1", uuid.UUID(answer.json()["id"])
    )
    assert entered_by == role


async def test_ops_may_not_enter_a_call(desk: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    before = await pool.fetchval("SELECT count(*) FROM complaints")
    problem = assert_problem(
        await desk.post("/v1/staff/complaints", json=CALL, headers=auth("ops")), 403
    )
    assert "ops" in problem["detail"]
    assert await pool.fetchval("SELECT count(*) FROM complaints") == before


async def test_without_a_token_it_is_401(desk: httpx.AsyncClient) -> None:
    answer = await desk.post("/v1/staff/complaints", content=b"{not json")
    assert_problem(answer, 401)


BAD_BODIES: dict[str, tuple[Any, str]] = {
    "no-description": ({"subject": "Air"}, "description"),
    "blank-description": ({"description": "   "}, "description"),
    "channel-is-not-the-caller's": ({**CALL, "channel": "web"}, "channel"),
    "bad-phone": ({**CALL, "complainant": {"phone": "call me maybe"}}, "complainant.phone"),
    "unknown-class": ({**CALL, "class": "cosmic"}, "class"),
    "not-an-object": (["description"], "body"),
}


@pytest.mark.parametrize(("body", "field"), BAD_BODIES.values(), ids=BAD_BODIES)
async def test_a_bad_body_is_422_naming_the_field(
    desk: httpx.AsyncClient, body: Any, field: str
) -> None:
    problem = assert_problem(
        await desk.post("/v1/staff/complaints", json=body, headers=auth("officer")), 422
    )
    assert field in [error["field"] for error in problem["errors"]]


async def test_malformed_json_is_400(desk: httpx.AsyncClient) -> None:
    answer = await desk.post(
        "/v1/staff/complaints",
        content=b"{not json",
        headers={**auth("officer"), "Content-Type": "application/json"},
    )
    assert_problem(answer, 400)
