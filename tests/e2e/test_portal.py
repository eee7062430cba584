"""The citizen pages in a real headless Chromium (Debian's, driven by Playwright) against the
running system: submit with a photo, follow the complaint, answer the officer, read it in
English; the token never appears in a URL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import assert_accessible, chromium
from tests.support.samples import png
from tests.support.stack import Stack
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
PHOTO = png(4, 4)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _submit(page: Page, base: str) -> tuple[str, str]:
    page.goto(base + "/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("h1")).to_have_text("Kirim pengaduan")
    assert_accessible(page)
    page.fill(
        "#description",
        "Meteran air saya rusak, angkanya berputar terus walau keran"
        " tertutup. <b>Mohon</b> diperiksa.",
    )
    page.fill("#subject", "Meter rusak")
    page.select_option("#category", "information")  # class light: calm deadlines
    page.fill("#name", "Wulan")
    page.fill("#email", "wulan@example.id")
    page.set_input_files(
        "#attachments", files=[{"name": "meter.png", "mimeType": "image/png", "buffer": PHOTO}]
    )
    page.click("#send")
    expect(page.locator("h1")).to_have_text("Pengaduan Anda sudah kami terima")
    expect(page.locator(".warning")).to_contain_text("jangan bagikan token")
    assert_accessible(page)
    return page.inner_text("#tracking-code").strip(), page.inner_text("#access-token").strip()


def _status(page: Page, text: str) -> bool:
    page.reload()
    return text in page.inner_text("#status")


def test_a_citizen_submits_with_a_photo_follows_answers_and_reads_it_in_english(
    stack: Stack,
    browser: Browser,
    tmp_path: Path,
) -> None:
    base = str(stack.intake.base_url).rstrip("/")
    submitter = browser.new_context()
    code, token = _submit(submitter.new_page(), base)
    assert re.fullmatch(r"ADU-[0-9A-Z]{4}-[0-9A-Z]{4}", code) and len(token) == 32
    submitter.close()

    # Another browser (say, at home): the tracking form, then the complaint itself.
    context = browser.new_context(accept_downloads=True)
    urls: list[str] = []
    context.on("request", lambda request: urls.append(request.url))
    page = context.new_page()
    page.goto(base + "/track")
    page.fill("#tracking_code", code.lower())
    page.fill("#token", "0" * 32)
    page.click("#show")
    expect(page.locator("#errors")).to_contain_text("tidak cocok")
    assert_accessible(page)
    page.fill("#token", token)
    page.click("#show")
    expect(page.locator("#tracking-code")).to_have_text(code)
    eventually(lambda: _status(page, "Diteruskan ke unit"), what="routing on the page")
    expect(page.locator("#escalation")).to_contain_text("Tidak ada")
    expect(page.locator("#deadlines")).to_contain_text("WIB")
    expect(page.locator("#deadlines")).to_contain_text("Tanggapan pertama")
    assert_accessible(page)

    with page.expect_download() as download:
        page.click("#attachments a")
    saved = tmp_path / "meter.png"
    download.value.save_as(saved)
    assert saved.read_bytes() == PHOTO

    complaint_id = _complaint_id(stack, code)
    for action, body in (
        ("acknowledge", {}),
        ("request-info", {"message": "Mohon kirim nomor meter Anda."}),
    ):
        answer = stack.desk.post(f"/v1/staff/complaints/{complaint_id}/actions/{action}", json=body)
        assert answer.status_code == 200, answer.text
    page.reload()
    expect(page.locator("#status")).to_contain_text("Menunggu informasi dari Anda")
    expect(page.locator("#timeline")).to_contain_text("Mohon kirim nomor meter Anda.")

    page.fill("#message-replies", "Nomor meter 88-1234 <script>alert(1)</script>")
    page.click("#action-replies button")
    expect(page.locator("#notice")).to_contain_text("Balasan Anda sudah terkirim")
    expect(page.locator("#status")).to_contain_text("Sedang ditangani")
    expect(page.locator("#timeline")).to_contain_text("<script>alert(1)</script>")  # as text
    expect(page.locator("#action-replies")).to_have_count(0)
    assert_accessible(page)

    # A stale form (a tab left open) is refused in words, not with an error code page.
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    stale = page.request.post(base + "/track/actions/confirm", form={"csrf": csrf or ""})
    assert stale.status == 409
    assert "Konfirmasi hanya dapat diberikan setelah kami menanggapi" in stale.text()

    page.click("#switch-language")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("Track a complaint")
    expect(page.locator("#status")).to_contain_text("Being handled")
    expect(page.locator("#timeline")).to_contain_text("You replied")
    assert_accessible(page)
    page.goto(base + "/")
    expect(page.locator("h1")).to_have_text("Submit a complaint")  # the choice is kept

    assert urls and not [url for url in urls if token in url]
    context.close()


def _complaint_id(stack: Stack, code: str) -> str:
    # The staff queue knows complaints by id; find ours by its tracking code.
    queue = stack.desk.get("/v1/staff/complaints", params={"limit": 500}).json()
    return next(row["id"] for row in queue if row["tracking_code"] == code)
