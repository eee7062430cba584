"""A complainant's rights in headless Chromium, with axe-core on every page: the complainant
asks for a copy of their data on the tracking page, the admin finds the request on
/admin/rights, downloads the export and is told an open complaint cannot be erased yet."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from aduan.config import Settings
from aduan.store import db
from devtools import servers
from services.desk.app import create_app as desk_app
from services.intake.app import create_app as intake_app
from tests.integration.desk.test_pages import PASSWORD, account
from tests.support.browser import assert_accessible, chromium
from tests.support.desk import SECRET
from tests.support.http import serve

SCREENSHOTS = os.environ.get("ADUAN_SCREENSHOTS")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _admin(pg_dsn: str) -> str:
    async def seed() -> str:
        pool = await db.create_pool(pg_dsn)
        try:
            return await account(pool, "admin")
        finally:
            await pool.close()

    # Playwright's sync API keeps an event loop running on this thread: seed on another.
    with ThreadPoolExecutor(max_workers=1) as other:
        return other.submit(asyncio.run, seed()).result()


def _shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=Path(SCREENSHOTS) / name, full_page=True)


def test_a_request_from_the_tracking_page_reaches_the_admin_who_exports_the_data(
    pg_dsn: str, nats_url: str, browser: Browser, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=pg_dsn,
        nats_url=nats_url,
        secret_key=SECRET,
        temporal_address=f"127.0.0.1:{servers.free_port()}",
    )
    admin = _admin(pg_dsn)
    email = f"dewi-{uuid.uuid4().hex[:8]}@example.id"
    with serve(intake_app(settings)) as intake, serve(desk_app(settings)) as desk:
        created = httpx.post(
            f"{intake}/v1/complaints",
            json={
                "description": "Air keruh sejak seminggu di rumah Dewi",
                "channel": "web",
                "complainant": {"name": "Dewi Lestari", "email": email},
            },
        ).json()
        code = created["tracking_code"]

        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(intake + "/track")
        page.get_by_label("Kode pelacakan").fill(code)
        page.get_by_label("Token").fill(created["access_token"])
        page.get_by_role("button", name="Lihat pengaduan").click()
        rights = page.get_by_role("region", name="Data pribadi Anda")
        expect(rights).to_be_visible()
        rights.get_by_label("Minta salinan data").check()
        rights.get_by_role("button", name="Kirim permintaan").click()
        expect(page.get_by_role("status")).to_contain_text("Permintaan Anda sudah kami terima")
        assert_accessible(page)
        _shot(page, "track-rights.png")

        page.goto(desk + "/login")
        page.get_by_label("Nama pengguna").fill(admin)
        page.get_by_label("Kata sandi").fill(PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        page.get_by_role("link", name="Hak pelapor").click()
        requests = page.locator("#rights-requests")
        expect(requests.get_by_role("row", name=code)).to_contain_text("Salinan data")
        assert_accessible(page)
        requests.get_by_role("link", name=code).click()
        expect(page.locator("#rights-found")).to_contain_text(code)
        assert_accessible(page)
        _shot(page, "desk-rights.png")

        with page.expect_download() as started:
            page.get_by_role("link", name="Unduh semua data (JSON)").click()
        saved = tmp_path / "export.json"
        started.value.save_as(saved)
        held = json.loads(saved.read_text(encoding="utf-8"))
        assert [c["tracking_code"] for c in held["complaints"]] == [code]
        assert held["complaints"][0]["complainant"]["email"] == email

        page.goto(desk + f"/admin/rights?tracking_code={code}")
        page.get_by_label("Alasan penghapusan (wajib)").fill("permintaan pelapor")
        page.get_by_role("button", name="Hapus sekarang").click()
        # Still open: it must be withdrawn through its lifecycle first, and with the engine
        # away (as here) nothing is erased.
        expect(page.get_by_role("alert")).to_contain_text("belum ada data yang dihapus")
        expect(page.locator("#rights-requests")).not_to_contain_text(code)  # the export was done
        assert_accessible(page)
        page.goto(desk + "/admin/rights?lang=en")
        expect(
            page.get_by_role("heading", name="Complainant rights: copy and erasure of data")
        ).to_be_visible()
        page.close()
