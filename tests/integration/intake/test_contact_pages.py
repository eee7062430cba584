"""The pages a stranger's flood or a typed-in address lead to, in a real headless Chromium
with axe-core: the receipt's confirmation link, and the page past a rate limit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect

from aduan.config import Settings
from aduan.store.complaints import contact_token
from services.intake.app import create_app
from tests.support.browser import assert_accessible, chromium
from tests.support.http import serve


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def test_the_receipt_link_asks_before_it_confirms_and_then_says_so(
    pg_dsn: str,
    browser: Browser,
) -> None:
    settings = Settings(database_url=pg_dsn)
    with serve(create_app(settings)) as base:
        email = f"wulan-{uuid.uuid4().hex[:6]}@example.id"
        created = httpx.post(
            f"{base}/v1/complaints",
            json={
                "description": "Meteran air saya berputar walau keran tertutup",
                "channel": "web",
                "complainant": {"email": email},
            },
        ).json()
        token = contact_token(settings.secret_key, uuid.UUID(created["id"]), email)
        link = f"{base}/contact/confirm/{created['tracking_code']}/{token}"

        page = browser.new_page()
        page.goto(link)  # what a mail scanner does: it confirms nothing
        expect(page.get_by_role("heading", name="Konfirmasi alamat e-mail")).to_be_visible()
        expect(page.get_by_text(created["tracking_code"])).to_be_visible()
        assert_accessible(page)
        page.reload()
        confirm = page.get_by_role("button", name="Ya, kabari saya tentang pengaduan ini")
        confirm.click()
        expect(page.get_by_role("status")).to_contain_text("sudah dikonfirmasi")
        assert_accessible(page)
        page.goto(link + "?lang=en")  # confirmed once is confirmed: no button any more
        expect(page.get_by_role("status")).to_contain_text("your e-mail address is confirmed")
        expect(page.get_by_role("button")).to_have_count(0)

        page.goto(f"{base}/contact/confirm/{created['tracking_code']}/{'0' * 32}")
        expect(page.get_by_role("alert")).to_contain_text("This confirmation link is not valid")
        assert_accessible(page)
        page.close()


def test_past_the_limit_a_visitor_reads_how_long_to_wait(pg_dsn: str, browser: Browser) -> None:
    with serve(create_app(Settings(database_url=pg_dsn, rate_logins="2/hour"))) as base:
        page = browser.new_page()
        for _ in range(3):
            page.goto(base + "/track")
            page.get_by_label("Kode pelacakan").fill("ADU-0000-0000")
            page.get_by_label("Token").fill("0" * 32)
            page.get_by_role("button", name="Lihat pengaduan").click()
        expect(page.get_by_role("heading", name="Terlalu banyak permintaan")).to_be_visible()
        expect(page.get_by_role("alert")).to_contain_text("coba lagi dalam 60 menit")
        assert_accessible(page)
        page.get_by_role("link", name="Kembali").click()
        expect(page.get_by_role("heading", name="Lacak pengaduan")).to_be_visible()
        page.close()
