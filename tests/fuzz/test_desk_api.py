"""Desk's JSON API against its own OpenAPI document, with valid staff tokens of every role:
no 5xx, every answer documented."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
import pytest_asyncio
import schemathesis
from hypothesis import strategies as st

from aduan.adapters.tokens import issue_token
from aduan.config import Settings
from aduan.domain.staff import make_staff
from aduan.lifecycle.actions import STAFF_ACTIONS
from services.desk.app import create_app
from tests.support.complaints import insert_complaint
from tests.support.fuzz import CHECKS, FUZZ, SECRET, json_api_schema
from tests.support.http import serve

pytestmark = pytest.mark.fuzz
schema = json_api_schema(create_app(Settings()))
UNIT = f"fuzz-{uuid.uuid4().hex[:8]}"
# Who calls: each role, an officer of the seeded complaint's unit and one of another unit.
CALLERS = [
    ("admin", None),
    ("ops", None),
    ("supervisor", UNIT),
    ("officer", UNIT),
    ("officer", "another-unit"),
]


@dataclass(frozen=True)
class Desk:
    """The running desk and a routed complaint of UNIT, to aim some cases at."""

    base_url: str
    complaint_id: str


@pytest_asyncio.fixture(scope="module")
async def complaint_of_unit(pool: asyncpg.Pool) -> str:
    complaint_id = await insert_complaint(pool)
    await pool.execute(
        "UPDATE complaints SET unit = $2, status = 'routed' WHERE id = $1", complaint_id, UNIT
    )
    return str(complaint_id)


@pytest.fixture(scope="module")
def desk(fuzz_settings: Settings, complaint_of_unit: str) -> Iterator[Desk]:
    with serve(create_app(fuzz_settings)) as base_url:
        yield Desk(base_url, complaint_of_unit)


@FUZZ
@schema.parametrize()
@schema.given(
    known=st.booleans(),
    caller=st.sampled_from(CALLERS),
    action=st.none() | st.sampled_from(sorted(STAFF_ACTIONS)),
)
def test_desk_answers_match_its_openapi(
    case: schemathesis.Case,
    known: bool,
    caller: tuple[str, str | None],
    action: str | None,
    desk: Desk,
) -> None:
    # Random ids only ever meet 404; half the cases use a real complaint so that the role
    # checks, the action bodies and the lifecycle engine are reached too.
    path = case.path_parameters or {}
    if known and "complaint_id" in path:
        path["complaint_id"] = desk.complaint_id
    if action is not None and "name" in path:
        path["name"] = action
    token = issue_token(make_staff("fuzzer", *caller), SECRET)
    case.call_and_validate(
        base_url=desk.base_url, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
    )


# --- what the fuzzer found, pinned ---------------------------------------------------------


def _admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(make_staff('fuzzer', 'admin'), SECRET)}"}


def test_a_nul_character_in_a_queue_filter_is_a_422_not_a_500(desk: Desk) -> None:
    answer = httpx.get(
        f"{desk.base_url}/v1/staff/complaints", params={"unit": "a\x00"}, headers=_admin()
    )
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"


def test_a_nul_character_in_an_answer_is_refused_before_it_reaches_the_lifecycle(
    desk: Desk,
) -> None:
    # The lifecycle's activity would write it to PostgreSQL and fail on every retry.
    answer = httpx.post(
        f"{desk.base_url}/v1/staff/complaints/{desk.complaint_id}/actions/respond",
        json={"message": "Sudah\x00 diperbaiki"},
        headers=_admin(),
    )
    assert answer.status_code == 422, answer.text
    assert "message" in answer.json()["detail"]
