"""Category questions at the desk, against real PostgreSQL: phone entry asks them as the
citizen form does, and staff read the answers with their questions, a confidential
complainant's meter number hidden with the identity from those who may not see it."""

from __future__ import annotations

import re

import asyncpg
import httpx

from tests.integration.desk.test_pages import account, browser, csrf_of, sign_in

__all__ = ["browser"]  # the fixture, shared with the other page tests
from tests.support.complaints import new_unit, unit_complaint
from tests.support.desk import auth
from tests.support.http import assert_problem

CALL = {
    "description": "Penelepon: tagihan air bulan Maret dua kali lipat dari biasanya.",
    "category": "billing",
    "complainant": {"name": "Bu Sari", "phone": "0812-3456-7890"},
}
ANSWERS = {"billing_month": "2026-03", "meter_number": "88-1234"}


async def test_phone_entry_over_the_api_checks_the_answers_and_staff_read_them(
    desk: httpx.AsyncClient,
) -> None:
    officer = auth("officer", "layanan-pelanggan")
    missing = await desk.post("/v1/staff/complaints", json=CALL, headers=officer)
    assert [e["field"] for e in assert_problem(missing, 422)["errors"]] == ["answers.billing_month"]
    filed = await desk.post(
        "/v1/staff/complaints", json={**CALL, "answers": ANSWERS}, headers=officer
    )
    assert filed.status_code == 201, filed.text
    seen = await desk.get(f"/v1/staff/complaints/{filed.json()['id']}", headers=auth("admin"))
    assert seen.json()["answers"] == ANSWERS and seen.json()["answers_hidden"] is False


async def test_a_confidential_complainants_meter_number_is_hidden_with_their_identity(
    desk: httpx.AsyncClient, browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    unit = new_unit()
    complaint_id = await unit_complaint(
        pool,
        unit,
        category="billing",
        answers={**ANSWERS, "amount_billed": 250000},
        complainant={"name": "Bu Sari", "confidential": True},
    )
    path = f"/v1/staff/complaints/{complaint_id}"
    as_officer = (await desk.get(path, headers=auth("officer", unit))).json()
    assert as_officer["answers"] == {"billing_month": "2026-03", "amount_billed": 250000}
    assert as_officer["answers_hidden"] is True
    as_supervisor = (await desk.get(path, headers=auth("supervisor", unit))).json()
    assert as_supervisor["answers"]["meter_number"] == "88-1234"

    await sign_in(browser, await account(pool, "officer", unit))
    page = await browser.get(f"/complaints/{complaint_id}")
    assert page.status_code == 200
    answers = page.text.split('<section id="answers">')[1].split("</section>")[0]
    assert "<dt>Bulan tagihan</dt>" in answers and 'id="answer-billing_month">2026-03<' in answers
    assert 'id="answer-amount_billed">250000<' in answers
    assert "88-1234" not in page.text and "disembunyikan bersama identitas" in answers


async def test_the_entry_page_asks_the_callers_category_its_questions_before_filing(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await sign_in(browser, await account(pool, "officer"))
    form = await browser.get("/entry")
    key = re.search(r'name="key" value="([^"]+)"', form.text)
    assert key and 'id="questions"' not in form.text
    fields = {
        "csrf": csrf_of(form),
        "key": key[1],
        "description": CALL["description"],
        "category": "billing",
        "name": "Bu Sari",
    }
    step = await browser.post("/entry", data=fields)
    assert step.status_code == 200 and 'id="questions"' in step.text
    assert "tanyakan kepada penelepon" in step.text and "Bu Sari" in step.text
    assert 'name="questions_for" value="billing"' in step.text

    fields |= {"questions_for": "billing", "answers.meter_number": "88-1234"}
    missing = await browser.post("/entry", data=fields)
    assert missing.status_code == 422
    assert "Bulan tagihan: pertanyaan ini wajib dijawab." in missing.text
    assert re.search(r'<input id="answer-billing_month"[^>]*aria-invalid="true"', missing.text)

    filed = await browser.post("/entry", data={**fields, "answers.billing_month": "2026-03"})
    assert filed.status_code == 201, filed.text
    code = re.search(r'id="tracking-code">(ADU-[0-9A-Z-]+)<', filed.text)
    assert code
    stored = await pool.fetchval("SELECT answers FROM complaints WHERE tracking_code = $1", code[1])
    assert stored == ANSWERS
