"""Desk's staff API against real PostgreSQL: who may read, list and act, and what they see.

Temporal is not running here (the address is a closed port): an authorised action answers
503, which proves it got past every check before the Update.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import jwt
import pytest
from structlog.testing import capture_logs

from aduan.adapters.tokens import signing_key
from aduan.config import Settings
from devtools import servers
from services.desk.app import create_app
from tests.support.complaints import new_unit
from tests.support.complaints import unit_complaint as complaint
from tests.support.desk import SECRET, auth
from tests.support.http import asgi_client, assert_problem

NOW = datetime.now(UTC)


def ids(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [row["id"] for row in answer.json()]


# --- 401 --------------------------------------------------------------------------------


def _crafted(claims: dict[str, Any], secret: str = SECRET) -> str:
    return jwt.encode(
        {"sub": "x", "exp": NOW + timedelta(hours=1), **claims},
        signing_key(secret),
        algorithm="HS256",
    )


BAD_AUTHORIZATION = {
    "missing": None,
    "basic-scheme": "Basic dXNlcjpwYXNz",
    "garbage": "Bearer not-a-token",
    "wrong-secret": f"Bearer {_crafted({'role': 'admin'}, 'another-secret-of-32-bytes-len')}",
    "expired": f"Bearer {_crafted({'role': 'admin', 'exp': NOW - timedelta(hours=1)})}",
    "unknown-role": f"Bearer {_crafted({'role': 'director'})}",
    "officer-without-unit": f"Bearer {_crafted({'role': 'officer'})}",
}


@pytest.mark.parametrize("authorization", BAD_AUTHORIZATION.values(), ids=BAD_AUTHORIZATION)
async def test_without_a_valid_token_every_route_answers_401(
    desk: httpx.AsyncClient, pool: asyncpg.Pool, authorization: str | None
) -> None:
    complaint_id = await complaint(pool, new_unit())
    headers = {"Authorization": authorization} if authorization else {}
    for request in (
        desk.build_request("GET", "/v1/staff/complaints?status=bogus", headers=headers),
        desk.build_request("GET", f"/v1/staff/complaints/{complaint_id}", headers=headers),
        desk.build_request(
            "POST",
            f"/v1/staff/complaints/{complaint_id}/actions/acknowledge",
            headers=headers,
            content=b"{not json",
        ),
    ):
        answer = await desk.send(request)
        assert_problem(answer, 401)
        assert answer.headers["www-authenticate"] == "Bearer"


async def test_an_unreachable_identity_provider_is_503_not_401(pg_dsn: str) -> None:
    settings = Settings(
        database_url=pg_dsn,
        secret_key=SECRET,
        jwt_jwks_url=f"http://127.0.0.1:{servers.free_port()}/jwks",
    )
    async with asgi_client(create_app(settings), "http://desk") as client:
        answer = await client.get("/v1/staff/complaints", headers=auth("admin"))
    assert_problem(answer, 503)


# --- reading and acting by role -----------------------------------------------------------


async def test_an_officer_reads_and_acts_only_in_their_unit(
    desk: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    mine, theirs = new_unit(), new_unit()
    own = await complaint(pool, mine)
    other = await complaint(pool, theirs, level="supervisor")
    officer = auth("officer", mine)

    seen = await desk.get(f"/v1/staff/complaints/{own}", headers=officer)
    assert seen.status_code == 200 and seen.json()["unit"] == mine
    assert_problem(await desk.get(f"/v1/staff/complaints/{other}", headers=officer), 403)
    acted = await desk.post(
        f"/v1/staff/complaints/{other}/actions/acknowledge", json={}, headers=officer
    )
    assert_problem(acted, 403)
    # Their own unit gets through every check to the lifecycle engine, which is away here.
    acted = await desk.post(
        f"/v1/staff/complaints/{own}/actions/acknowledge", json={}, headers=officer
    )
    assert_problem(acted, 503)


async def test_an_officer_lists_only_their_unit(
    desk: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    mine, theirs = new_unit(), new_unit()
    own = await complaint(pool, mine)
    await complaint(pool, theirs, level="ombudsman")
    officer = auth("officer", mine)

    # The other unit's complaint is escalated: officers still do not see it.
    assert ids(await desk.get("/v1/staff/complaints", headers=officer)) == [own]
    assert ids(await desk.get("/v1/staff/complaints", headers=officer, params={"unit": mine})) == [
        own
    ]
    refused = await desk.get("/v1/staff/complaints", headers=officer, params={"unit": theirs})
    assert_problem(refused, 403)


async def test_a_supervisor_reads_escalations_anywhere_but_acts_only_in_their_unit(
    desk: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    mine, theirs = new_unit(), new_unit()
    own = await complaint(pool, mine)
    escalated = await complaint(pool, theirs, level="supervisor")
    quiet = await complaint(pool, theirs)
    supervisor = auth("supervisor", mine)

    listed = await desk.get("/v1/staff/complaints", headers=supervisor, params={"limit": 500})
    assert {own, escalated} <= set(ids(listed))
    assert quiet not in ids(listed)
    assert all(row["unit"] == mine or row["escalation_level"] != "none" for row in listed.json())
    assert ids(
        await desk.get("/v1/staff/complaints", headers=supervisor, params={"unit": theirs})
    ) == [escalated]

    assert (
        await desk.get(f"/v1/staff/complaints/{escalated}", headers=supervisor)
    ).status_code == 200
    assert_problem(await desk.get(f"/v1/staff/complaints/{quiet}", headers=supervisor), 403)
    acted = await desk.post(
        f"/v1/staff/complaints/{escalated}/actions/note",
        json={"text": "Saya cek"},
        headers=supervisor,
    )
    assert_problem(acted, 403)
    acted = await desk.post(
        f"/v1/staff/complaints/{own}/actions/note", json={"text": "Saya cek"}, headers=supervisor
    )
    assert_problem(acted, 503)


async def test_ops_read_everything_and_act_on_nothing(
    desk: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    complaint_id = await complaint(pool, new_unit())
    ops = auth("ops")
    assert (await desk.get(f"/v1/staff/complaints/{complaint_id}", headers=ops)).status_code == 200
    for name, body in (("acknowledge", {}), ("note", {"text": "lihat"})):
        acted = await desk.post(
            f"/v1/staff/complaints/{complaint_id}/actions/{name}", json=body, headers=ops
        )
        assert "ops" in assert_problem(acted, 403)["detail"]


async def test_an_admin_acts_anywhere(desk: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    complaint_id = await complaint(pool, None, status="received")
    acted = await desk.post(
        f"/v1/staff/complaints/{complaint_id}/actions/acknowledge", json={}, headers=auth("admin")
    )
    assert_problem(acted, 503)


async def test_an_action_is_checked_in_order_name_body_complaint_then_role(
    desk: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    other = await complaint(pool, new_unit())
    stranger = auth("officer", new_unit())
    url = f"/v1/staff/complaints/{other}/actions"

    unknown = await desk.post(f"{url}/escalate", json={}, headers=stranger)
    assert "acknowledge" in assert_problem(unknown, 404)["detail"]
    invalid = await desk.post(f"{url}/respond", json={"text": "x"}, headers=stranger)
    fields = {error["field"] for error in assert_problem(invalid, 422)["errors"]}
    assert "message" in fields
    assert_problem(await desk.post(f"{url}/respond", content=b"{oops", headers=stranger), 400)
    missing = await desk.post(
        f"/v1/staff/complaints/{uuid.uuid4()}/actions/respond",
        json={"message": "x"},
        headers=stranger,
    )
    assert_problem(missing, 404)
    assert_problem(await desk.post(f"{url}/respond", json={"message": "x"}, headers=stranger), 403)


# --- the queue ----------------------------------------------------------------------------


async def test_the_queue_filters_and_puts_the_soonest_unmet_deadline_first(
    desk: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    unit = new_unit()
    soon = await complaint(pool, unit, due={"first_response": timedelta(hours=2)})
    late = await complaint(
        pool,
        unit,
        status="in_progress",
        level="supervisor",
        due={"resolution": timedelta(hours=-1)},
    )
    later = await complaint(
        pool,
        unit,
        complaint_class="light",
        due={"first_response": timedelta(days=1), "routing": timedelta(hours=-5)},
        met=("routing",),
    )
    answered = await complaint(
        pool, unit, status="responded", due={"resolution": timedelta(hours=-3)}, met=("resolution",)
    )
    closed = await complaint(
        pool, unit, status="closed", due={"first_response": timedelta(hours=-9)}
    )
    admin = auth("admin")

    async def queue(**params: Any) -> list[str]:
        return ids(
            await desk.get("/v1/staff/complaints", headers=admin, params={"unit": unit, **params})
        )

    assert await queue() == [late, soon, later, answered, closed]
    listed = await desk.get("/v1/staff/complaints", headers=admin, params={"unit": unit})
    assert [row["overdue"] for row in listed.json()] == [True, False, False, False, False]
    assert await queue(overdue="true") == [late]
    assert await queue(overdue="false") == [soon, later, answered, closed]
    assert await queue(status="routed") == [soon, later]
    assert await queue(**{"class": "light"}) == [later]
    assert await queue(escalation_level="supervisor") == [late]
    assert await queue(limit=2) == [late, soon]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"escalation_level": "minister"},
        {"overdue": "maybe"},
        {"limit": "0"},
        {"limit": "501"},
        {"class": "express"},
        {"sort": "name"},
    ],
    ids=lambda params: "-".join(f"{k}={v}" for k, v in params.items()),
)
async def test_invalid_filters_are_422_problems(
    desk: httpx.AsyncClient, params: dict[str, str]
) -> None:
    answer = await desk.get("/v1/staff/complaints", headers=auth("admin"), params=params)
    body = assert_problem(answer, 422)
    assert any(next(iter(params)) in error["field"] for error in body["errors"]), body


# --- one complaint ------------------------------------------------------------------------


async def test_a_complaint_shows_unit_officer_class_deadlines_and_internal_notes(
    desk: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    unit = new_unit()
    complaint_id = await complaint(pool, unit, due={"first_response": timedelta(hours=-1)})
    for step, public in (("routed", True), ("note:1", False)):
        await pool.execute(
            """INSERT INTO timeline (complaint_id, step, event_type, status, escalation_level,
                   public, data, occurred_at) VALUES ($1, $2, $2, 'routed', 'none', $3, $4, $5)""",
            uuid.UUID(complaint_id),
            step,
            public,
            {"text": step},
            NOW,
        )
    seen = await desk.get(f"/v1/staff/complaints/{complaint_id}", headers=auth("officer", unit))
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert (body["unit"], body["officer"], body["complaint_class"]) == (unit, "budi", "standard")
    assert body["overdue"] is True
    assert [(d["kind"], d["met_at"]) for d in body["deadlines"]] == [("first_response", None)]
    assert [(t["step"], t["public"]) for t in body["timeline"]] == [
        ("routed", True),
        ("note:1", False),
    ]
    assert_problem(
        await desk.get(f"/v1/staff/complaints/{uuid.uuid4()}", headers=auth("admin")), 404
    )


CONFIDENTIAL = {
    "name": "Siti Rahasia",
    "email": "rahasia@example.id",
    "phone": "0812555",
    "confidential": True,
}


@pytest.mark.parametrize(
    ("role", "sees"), [("officer", False), ("ops", False), ("supervisor", True), ("admin", True)]
)
async def test_a_confidential_complainant_is_shown_only_to_supervisors_and_admins(
    desk: httpx.AsyncClient, pool: asyncpg.Pool, role: str, sees: bool
) -> None:
    unit = new_unit()
    complaint_id = await complaint(pool, unit, complainant=CONFIDENTIAL, account_ref="PEL-9")
    with capture_logs() as logs:
        seen = await desk.get(
            f"/v1/staff/complaints/{complaint_id}",
            headers=auth(role, unit if role in ("officer", "supervisor") else None),
        )
    assert seen.status_code == 200, seen.text
    if sees:
        assert seen.json()["complainant"] == CONFIDENTIAL
        assert seen.json()["account_ref"] == "PEL-9"
    else:
        assert seen.json()["complainant"] == {"confidential": True, "hidden": True}
        assert seen.json()["account_ref"] is None
        assert "Rahasia" not in seen.text and "0812555" not in seen.text
    assert "Rahasia" not in str(logs) and "rahasia@" not in str(logs)
