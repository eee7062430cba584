"""A complainant's rights through desk's API against real PostgreSQL, the attachment store
and Temporal: the export holds all of theirs and nothing of another's; erasure leaves no
trace of them in any table or in the object store; only admins may; with the lifecycle
engine away nothing is erased. (Temporal's side of an erasure: tests/e2e/test_rights.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager

import asyncpg
import httpx
import pytest_asyncio

from aduan.adapters.attachments import AttachmentStore
from aduan.config import Settings
from devtools import servers
from services.desk.app import create_app
from tests.support.complaints import tracking_code
from tests.support.desk import SECRET, auth
from tests.support.http import asgi_client, assert_problem
from tests.support.retention import columns_holding, complaint_of, new_person

ADMIN = auth("admin", user="rights-admin")


def _desk(
    pg_dsn: str, nats_url: str, temporal_address: str
) -> AbstractAsyncContextManager[httpx.AsyncClient]:
    settings = Settings(
        database_url=pg_dsn, nats_url=nats_url, secret_key=SECRET, temporal_address=temporal_address
    )
    return asgi_client(create_app(settings), "http://desk")


@pytest_asyncio.fixture
async def desk(
    pg_dsn: str, nats_url: str, temporal_address: str
) -> AsyncIterator[httpx.AsyncClient]:
    async with _desk(pg_dsn, nats_url, temporal_address) as client:
        yield client


@pytest_asyncio.fixture
async def desk_alone(pg_dsn: str, nats_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """Desk with the lifecycle engine away."""
    async with _desk(pg_dsn, nats_url, f"127.0.0.1:{servers.free_port()}") as client:
        yield client


async def test_the_export_holds_every_complaint_of_one_complainant_and_none_of_another(
    desk: httpx.AsyncClient, pool: asyncpg.Pool, store: AttachmentStore
) -> None:
    siti, other = new_person(), new_person()
    ids = [await complaint_of(pool, store, siti, days_ago=d) for d in (3, 40)]
    ids.append(await complaint_of(pool, store, siti, days_ago=1, closed=False))
    theirs = {str(i) for i in ids}
    await complaint_of(pool, store, other, days_ago=3)

    for params in (
        {"email": siti.email.upper()},
        {"phone": "+62" + siti.phone[1:]},
        {"tracking_code": (await tracking_code(pool, ids[1])).lower()},
    ):
        answer = await desk.get("/v1/staff/rights/export", params=params, headers=ADMIN)
        assert answer.status_code == 200, answer.text
        assert "attachment" in answer.headers["content-disposition"]
        held = answer.json()["complaints"]
        assert {c["id"] for c in held} == theirs, params
        assert other.name not in answer.text and other.email not in answer.text
        first = held[0]
        assert first["complainant"]["email"] == siti.email and first["description"] == siti.text
        assert first["timeline"] and first["deadlines"]
        assert first["attachments"][0]["name"] == f"{siti.name}.png"


async def test_only_admins_export_and_a_lookup_names_exactly_one_way(
    desk: httpx.AsyncClient,
) -> None:
    answer = await desk.get(
        "/v1/staff/rights/export",
        params={"email": "a@example.id"},
        headers=auth("supervisor", "unit-x"),
    )
    assert "admins" in assert_problem(answer, 403)["detail"]
    both = await desk.get(
        "/v1/staff/rights/export", params={"email": "a@example.id", "phone": "0812"}, headers=ADMIN
    )
    assert assert_problem(both, 422)["errors"][0]["field"] == "email"
    nobody = await desk.get(
        "/v1/staff/rights/export", params={"email": "nobody@example.id"}, headers=ADMIN
    )
    assert_problem(nobody, 404)
    no_reason = await desk.post(
        "/v1/staff/rights/erase", json={"email": "a@example.id"}, headers=ADMIN
    )
    assert assert_problem(no_reason, 422)["errors"][0]["field"] == "reason"


async def test_erasure_leaves_no_trace_in_postgresql_or_the_object_store(
    desk: httpx.AsyncClient,
    desk_alone: httpx.AsyncClient,
    pool: asyncpg.Pool,
    store: AttachmentStore,
) -> None:
    siti, other = new_person(), new_person()
    ids = [await complaint_of(pool, store, siti, days_ago=d) for d in (3, 40)]
    open_id = await complaint_of(pool, store, siti, days_ago=1, closed=False)
    await complaint_of(pool, store, other, days_ago=3)
    keys = [
        ref["key"]
        for i in [*ids, open_id]
        for ref in await pool.fetchval("SELECT attachments FROM complaints WHERE id = $1", i)
    ]
    # One still open must be withdrawn through its lifecycle first: with the lifecycle engine
    # away (as here), nothing is erased. (Withdrawing: tests/integration/lifecycle.)
    erase = {"email": siti.email, "reason": "permintaan pelapor"}
    refused = await desk_alone.post("/v1/staff/rights/erase", json=erase, headers=ADMIN)
    assert_problem(refused, 503)
    assert await columns_holding(pool, siti.email)
    await pool.execute("UPDATE complaints SET status = 'closed' WHERE id = $1", open_id)
    # All closed, but their lifecycles must leave Temporal too: still nothing erased.
    refused = await desk_alone.post("/v1/staff/rights/erase", json=erase, headers=ADMIN)
    assert_problem(refused, 503)
    assert await columns_holding(pool, siti.email)

    answer = await desk.post(
        "/v1/staff/rights/erase",
        json={"phone": siti.phone, "reason": "permintaan pelapor"},
        headers=ADMIN,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"erased": 3}

    for marker in siti.markers:
        assert await columns_holding(pool, marker) == [], marker
    for key in keys:
        assert await store.get(key) is None
    assert len(await columns_holding(pool, other.email)) >= 1
    recorded = await pool.fetch(
        "SELECT username, reason FROM erasures WHERE complaint_id = ANY($1)", [*ids, open_id]
    )
    assert {(r["username"], r["reason"]) for r in recorded} == {
        ("rights-admin", "permintaan pelapor")
    }
    again = await desk.get("/v1/staff/rights/export", params={"phone": siti.phone}, headers=ADMIN)
    assert_problem(again, 404)
