"""Intake's JSON API against its own OpenAPI document: no 5xx, every answer documented."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import schemathesis
from hypothesis import strategies as st

from aduan.config import Settings
from aduan.lifecycle.actions import COMPLAINANT_ACTIONS
from services.intake.app import create_app
from tests.support.fuzz import CHECKS, FUZZ, json_api_schema
from tests.support.http import serve

pytestmark = pytest.mark.fuzz
schema = json_api_schema(create_app(Settings()))


@dataclass(frozen=True)
class Intake:
    """The running intake and one complaint it accepted, to aim some cases at."""

    base_url: str
    tracking_code: str
    access_token: str


@pytest.fixture(scope="module")
def intake(fuzz_settings: Settings) -> Iterator[Intake]:
    with serve(create_app(fuzz_settings)) as base_url:
        answer = httpx.post(
            f"{base_url}/v1/complaints",
            json={"description": "Tagihan air naik dua kali lipat", "channel": "web"},
        )
        assert answer.status_code == 201, answer.text
        created = answer.json()
        yield Intake(base_url, created["tracking_code"], created["access_token"])


@FUZZ
@schema.parametrize()
@schema.given(known=st.booleans(), action=st.none() | st.sampled_from(sorted(COMPLAINANT_ACTIONS)))
def test_intake_answers_match_its_openapi(
    case: schemathesis.Case, known: bool, action: str | None, intake: Intake
) -> None:
    # Random tracking codes only ever meet 404; half the cases use a real complaint and its
    # token so that validation and the lifecycle engine are reached too.
    path = case.path_parameters or {}
    if known and "tracking_code" in path:
        path["tracking_code"] = intake.tracking_code
        case.headers = {**(case.headers or {}), "X-Access-Token": intake.access_token}
    if action is not None and "name" in path:
        path["name"] = action
    case.call_and_validate(base_url=intake.base_url, checks=CHECKS)


# --- what the fuzzer found, pinned ---------------------------------------------------------


def _problem(answer: httpx.Response, status: int) -> str:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    detail: str = answer.json()["detail"]
    return detail


def test_a_nul_character_in_a_complaint_is_refused_by_name(intake: Intake) -> None:
    # PostgreSQL cannot store U+0000: it was a 500 on insert.
    for body in (
        {"description": "Tagihan\x00 naik"},
        {"description": "Tagihan naik", "complainant": {"name": "Si\x00ti"}},
    ):
        answer = httpx.post(f"{intake.base_url}/v1/complaints", json=body)
        assert "NUL" in _problem(answer, 422)
    assert "complainant.name" in _problem(answer, 422)


def test_a_nul_character_in_a_reply_is_refused_before_it_reaches_the_lifecycle(
    intake: Intake,
) -> None:
    answer = httpx.post(
        f"{intake.base_url}/v1/complaints/{intake.tracking_code}/replies",
        json={"message": "jawaban\x00"},
        headers={"X-Access-Token": intake.access_token},
    )
    assert "message" in _problem(answer, 422)


def test_a_nul_character_in_a_tracking_code_is_a_422_not_a_500(intake: Intake) -> None:
    answer = httpx.get(
        f"{intake.base_url}/v1/complaints/ADU-%00", headers={"X-Access-Token": intake.access_token}
    )
    assert "NUL" in _problem(answer, 422)
