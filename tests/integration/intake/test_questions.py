"""Category questions on the API and the citizen form, against real PostgreSQL: a required
answer missing or a wrong one is a 422 naming the question (on the page: next to its field,
in the page's language), nothing is stored, and the answers given are stored cleaned."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from aduan.config import Settings
from services.intake.app import create_app
from tests.support.http import asgi_client, assert_problem

BILLING = {
    "description": "Tagihan air bulan Maret naik dua kali lipat padahal pemakaian sama.",
    "category": "billing",
    "complainant": {"email": "siti@example.id"},
}


@pytest_asyncio.fixture
async def intake(pg_dsn: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=pg_dsn, secret_key="questions-test-secret-long-enough")
    async with asgi_client(create_app(settings), "http://intake") as client:
        yield client


async def _count(pool: asyncpg.Pool) -> int:
    found: int = await pool.fetchval("SELECT count(*) FROM complaints")
    return found


@pytest.mark.parametrize(
    ("changes", "field", "mentions"),
    [
        ({}, "answers.billing_month", "an answer is required"),
        ({"answers": {"billing_month": " "}}, "answers.billing_month", "an answer is required"),
        ({"answers": {"billing_month": "2026-3"}}, "answers.billing_month", "not in the form"),
        (
            {"answers": {"billing_month": "2026-03", "amount_billed": True}},
            "answers.amount_billed",
            "must be a number",
        ),
        (
            {"answers": {"billing_month": "2026-03", "meter_number": ["88"]}},
            "answers.meter_number",
            "must be text",
        ),
        ({"answers": {"billing_month": "2026-03", "colour": "x"}}, "answers.colour", "no such"),
        ({"category": None, "answers": {"meter_number": "88-1234"}}, "answers.meter_number", ""),
        ({"category": "no_water", "answers": {"meter_number": "88"}}, "answers.meter_number", ""),
    ],
)
async def test_the_api_refuses_a_missing_or_wrong_answer_naming_the_question(
    intake: httpx.AsyncClient,
    pool: asyncpg.Pool,
    changes: dict[str, Any],
    field: str,
    mentions: str,
) -> None:
    before = await _count(pool)
    body = {k: v for k, v in {**BILLING, **changes}.items() if v is not None}
    problem = assert_problem(await intake.post("/v1/complaints", json=body), 422)
    assert problem["type"] == "/problems/invalid-input"
    [error] = problem["errors"]
    assert error["field"] == field and mentions in error["message"]
    assert await _count(pool) == before


async def test_the_api_stores_the_answers_cleaned_and_announces_only_which_were_given(
    intake: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    answers = {"billing_month": "2026-03", "amount_billed": "250000", "meter_number": "88-1234"}
    answer = await intake.post("/v1/complaints", json={**BILLING, "answers": answers})
    assert answer.status_code == 201, answer.text
    created = answer.json()
    stored = await pool.fetchval("SELECT answers FROM complaints WHERE id = $1", created["id"])
    assert stored == {
        "billing_month": "2026-03",
        "amount_billed": 250000,
        "meter_number": "88-1234",
    }
    event = await pool.fetchval(
        "SELECT payload FROM outbox WHERE payload->>'complaint_id' = $1", created["id"]
    )
    # Routing needs to know what was answered; a meter number names a customer: not on the bus.
    assert event["data"]["answered"] == ["amount_billed", "billing_month", "meter_number"]
    assert "88-1234" not in str(event)

    plain = await intake.post("/v1/complaints", json={**BILLING, "category": "no_water"})
    assert plain.status_code == 201, plain.text
    assert (
        await pool.fetchval("SELECT answers FROM complaints WHERE id = $1", plain.json()["id"])
        == {}
    )


def _tokens(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="(csrf|submission|questions_for)" value="([^"]*)"', page))


async def _post(intake: httpx.AsyncClient, page: str, fields: dict[str, str]) -> httpx.Response:
    return await intake.post("/portal/complaints", data={**_tokens(page), **fields})


async def _receipt(intake: httpx.AsyncClient, pool: asyncpg.Pool) -> asyncpg.Record:
    """The complaint whose receipt this browser was just shown."""
    page = (await intake.get("/portal/receipt")).text
    code = re.search(r'id="tracking-code">([^<]+)<', page)
    assert code, page
    row: asyncpg.Record = await pool.fetchrow(
        "SELECT * FROM complaints WHERE tracking_code = $1", code[1]
    )
    return row


def _field(page: str, code: str) -> str:
    found = re.search(rf'<input id="answer-{code}"[^>]*>', page)
    assert found, f"no field for {code}"
    return found[0]


async def test_the_form_asks_the_categorys_questions_in_a_second_step_and_says_what_is_missing(
    intake: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    before = await _count(pool)
    first = (await intake.get("/")).text
    assert 'id="questions"' not in first
    typed = {
        "description": "Tagihan air naik dua kali lipat",
        "category": "billing",
        "email": "siti@example.id",
        "subject": "Lonjakan tagihan",
    }

    # No script: choosing the category and pressing the button shows its questions...
    step = await _post(intake, first, typed)
    assert step.status_code == 200
    assert await _count(pool) == before
    assert (
        'id="questions"' in step.text and "Pertanyaan tentang Tagihan dan pembayaran" in step.text
    )
    assert _tokens(step.text)["questions_for"] == "billing"
    assert 'for="answer-billing_month">Bulan tagihan *<' in step.text
    assert 'for="answer-amount_billed">Jumlah tagihan (Rp) (opsional)<' in step.text
    assert 'inputmode="decimal"' in _field(step.text, "amount_billed")
    # ...with everything typed so far kept.
    assert "Tagihan air naik dua kali lipat</textarea>" in step.text
    assert 'value="siti@example.id"' in step.text and 'value="Lonjakan tagihan"' in step.text

    # The required one left blank: the form again, the error beside the field.
    missing = await _post(intake, step.text, {**typed, "answers.amount_billed": "250000"})
    assert missing.status_code == 422
    assert await _count(pool) == before
    month = _field(missing.text, "billing_month")
    assert 'aria-invalid="true"' in month and "answer-billing_month-error" in month
    error = re.search(r'id="answer-billing_month-error">([^<]+)<', missing.text)
    assert error and error[1] == "Bulan tagihan: pertanyaan ini wajib dijawab."
    assert 'value="250000"' in _field(missing.text, "amount_billed")  # kept

    await intake.get("/?lang=en")
    wrong = await _post(
        intake,
        missing.text,
        {**typed, "answers.billing_month": "March", "answers.amount_billed": "a lot"},
    )
    assert wrong.status_code == 422
    assert "Billing month: the answer is not in the form asked for" in wrong.text
    assert "Amount billed (Rp): write digits only, for example 250000." in wrong.text

    done = await _post(
        intake,
        wrong.text,
        {**typed, "answers.billing_month": "2026-03", "answers.amount_billed": "250000"},
    )
    assert done.status_code == 303, done.text
    stored = await _receipt(intake, pool)
    assert stored["category"] == "billing" and stored["subject"] == "Lonjakan tagihan"
    assert stored["answers"] == {"billing_month": "2026-03", "amount_billed": 250000}


async def test_changing_to_a_category_without_questions_leaves_the_answers_behind(
    intake: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    first = (await intake.get("/")).text
    typed = {"description": "Air mati sejak pagi", "category": "meter"}
    step = await _post(intake, first, typed)
    assert 'id="answer-meter_problem"' in step.text
    assert '<option value="stuck">Angka tidak bergerak</option>' in step.text

    done = await _post(
        intake, step.text, {**typed, "category": "no_water", "answers.meter_problem": "stuck"}
    )
    assert done.status_code == 303, done.text
    stored = await _receipt(intake, pool)
    assert (stored["category"], stored["answers"]) == ("no_water", {})
