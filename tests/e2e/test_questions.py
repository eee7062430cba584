"""Category questions in a real headless Chromium against the running system: a citizen
picks the billing category, gets its questions as a second step with everything typed kept,
is told beside the field what is wrong, sends; routing sends it to the billing unit and
staff read the answers on the complaint's page. axe-core checks every page on the way."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import assert_accessible, chromium
from tests.support.samples import png
from tests.support.stack import Stack
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
SCREENSHOTS = os.environ.get("ADUAN_SCREENSHOTS")  # where to keep the pages' pictures
PHOTO = {"name": "tagihan.png", "mimeType": "image/png", "buffer": png(4, 4)}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=Path(SCREENSHOTS) / name, full_page=True)


def _admin_password(stack: Stack) -> str:
    def printed() -> str | None:
        found = re.search(r"user admin, password (\S+)", stack.log.read_text("utf-8"))
        return found[1] if found else None

    return eventually(printed, what="the first admin's password in make run's output")


def _staff_view(stack: Stack, code: str) -> dict[str, Any] | None:
    queue = stack.desk.get("/v1/staff/complaints", params={"limit": 500}).json()
    found = next((row["id"] for row in queue if row["tracking_code"] == code), None)
    if found is None:
        return None
    detail: dict[str, Any] = stack.desk.get(f"/v1/staff/complaints/{found}").json()
    return detail if detail["unit"] else None  # routed


def test_a_citizen_answers_the_billing_questions_and_staff_read_them(
    stack: Stack, browser: Browser
) -> None:
    base = str(stack.intake.base_url).rstrip("/")
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    page.goto(base + "/")
    page.get_by_label("Apa yang terjadi?").fill("Tagihan air bulan Maret naik dua kali lipat.")
    page.get_by_label("Jenis pengaduan").select_option(label="Tagihan dan pembayaran")
    page.get_by_label("E-mail").fill("maya@example.id")
    page.get_by_label("Foto atau dokumen").set_input_files(files=[PHOTO])
    page.get_by_role("button", name="Kirim pengaduan").click()

    # No script: the same form again, its questions added and everything typed kept.
    questions = page.get_by_role("region", name="Pertanyaan tentang Tagihan dan pembayaran")
    expect(questions).to_be_visible()
    expect(page.locator("#notice")).to_contain_text("punya beberapa pertanyaan")
    expect(page.get_by_label("Apa yang terjadi?")).to_have_value(
        "Tagihan air bulan Maret naik dua kali lipat."
    )
    expect(page.get_by_label("E-mail")).to_have_value("maya@example.id")
    expect(page.locator("#attachments-again")).to_contain_text("pilih lagi")
    assert_accessible(page)
    _shot(page, "questions-step.png")

    questions.get_by_label("Bulan tagihan").fill("Maret 2026")
    questions.get_by_label("Jumlah tagihan (Rp)").fill("250000")
    questions.get_by_label("Nomor meter").fill("88-1234")
    page.get_by_role("button", name="Kirim pengaduan").click()
    month = page.get_by_label("Bulan tagihan")
    expect(month).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#answer-billing_month-error")).to_have_text(
        "Bulan tagihan: jawaban tidak dalam bentuk yang diminta; lihat contoh di bawah kolomnya."
    )
    expect(page.get_by_label("Nomor meter")).to_have_value("88-1234")
    assert_accessible(page)
    _shot(page, "citizen-questions.png")  # docs/questions.md

    month.fill("2026-03")
    page.get_by_label("Foto atau dokumen").set_input_files(files=[PHOTO])
    page.get_by_role("button", name="Kirim pengaduan").click()
    expect(page.locator("h1")).to_have_text("Pengaduan Anda sudah kami terima")
    code = page.inner_text("#tracking-code").strip()

    detail = eventually(lambda: _staff_view(stack, code), what="the complaint routed")
    assert detail["unit"] == "penagihan" and detail["category"] == "billing"
    assert detail["answers"] == {
        "billing_month": "2026-03",
        "amount_billed": 250000,
        "meter_number": "88-1234",
    }
    assert len(detail["attachments"]) == 1

    # English, and a choice question: the meter category.
    page.goto(base + "/?lang=en")
    page.get_by_label("What happened?").fill("The meter runs with every tap closed.")
    page.get_by_label("Kind of complaint").select_option(value="meter")
    page.get_by_role("button", name="Send complaint").click()
    problem = page.get_by_label("What is wrong with the meter?")
    expect(problem).to_be_visible()
    problem.select_option(label="The numbers run with the taps closed")
    assert_accessible(page)
    _shot(page, "questions-step-en.png")
    page.get_by_role("button", name="Send complaint").click()
    expect(page.locator("h1")).to_contain_text("received")
    context.close()

    # Staff read the answers with the questions asked.
    desk = browser.new_context(viewport={"width": 1366, "height": 768})
    staff = desk.new_page()
    staff.goto(stack.url("DESK_PORT") + "/login")
    staff.get_by_label("Nama pengguna").fill("admin")
    staff.get_by_label("Kata sandi").fill(_admin_password(stack))
    staff.get_by_role("button", name="Masuk").click()
    expect(staff.get_by_role("heading", name="Antrean pengaduan")).to_be_visible()
    staff.goto(stack.url("DESK_PORT") + f"/complaints/{detail['id']}")
    answers = staff.locator("#answers")
    expect(answers).to_contain_text("Jawaban atas pertanyaan jenis pengaduan")
    expect(staff.locator("#answer-billing_month")).to_have_text("2026-03")
    expect(staff.locator("#answer-meter_number")).to_have_text("88-1234")
    assert_accessible(staff)
    _shot(staff, "questions-desk.png")
    desk.close()
