"""The monthly SLA report in headless Chromium, as staff get it: ops download a unit's PDF
from the ops page, a supervisor their unit's HTML report from the needs-attention list, and
the report itself reads as a page; axe-core on every page on the way."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import Browser, Page, expect

from aduan.config import Settings
from aduan.store import db
from devtools import servers
from services.desk.app import create_app
from tests.integration.desk.test_pages import PASSWORD, account
from tests.support.browser import assert_accessible, chromium
from tests.support.complaints import new_unit
from tests.support.desk import SECRET
from tests.support.http import serve
from tests.support.reports import EXTENSION_REASON, sla_months

# Where to keep screenshots of the pages (docs/images), when asked to.
SCREENSHOTS = os.environ.get("ADUAN_SCREENSHOTS")


@dataclass(frozen=True)
class People:
    unit: str
    codes: dict[str, str]
    ops: str
    supervisor: str


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def people(pg_dsn: str) -> People:
    """A unit with two handled months, an ops account and the unit's supervisor."""

    async def seed() -> People:
        pool = await db.create_pool(pg_dsn)
        try:
            unit = new_unit()
            codes = await sla_months(pool, unit)
            ops, supervisor = await account(pool, "ops"), await account(pool, "supervisor", unit)
            return People(unit, codes, ops, supervisor)
        finally:
            await pool.close()

    # Playwright's sync API keeps an event loop running on this thread: seed on another.
    with ThreadPoolExecutor(max_workers=1) as other:
        return other.submit(asyncio.run, seed()).result()


@pytest.fixture
def desk(pg_dsn: str) -> Iterator[str]:
    settings = Settings(
        database_url=pg_dsn, secret_key=SECRET, temporal_address=f"127.0.0.1:{servers.free_port()}"
    )
    with serve(create_app(settings)) as base:
        yield base


def _shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=Path(SCREENSHOTS) / name, full_page=True)


def _sign_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("heading", name="Antrean pengaduan")).to_be_visible()


def test_ops_download_a_units_pdf_from_the_ops_page(
    desk: str, browser: Browser, people: People, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _sign_in(page, desk, people.ops)
    page.get_by_role("link", name="Operasional").click()
    form = page.get_by_role("form", name="Laporan SLA bulanan")
    expect(form).to_be_visible()
    assert_accessible(page)
    form.get_by_label("Bulan").fill("2026-10")
    form.get_by_label("Format").select_option("pdf")
    form.get_by_label("Unit").fill(people.unit)
    _shot(page, "desk-report-form.png")
    with page.expect_download() as started:
        form.get_by_role("button", name="Unduh laporan").click()
    download = started.value
    assert download.suggested_filename == f"aduan-sla-2026-10-{people.unit}.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    reader = pypdf.PdfReader(io.BytesIO(saved.read_bytes()))
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Pengaduan diterima 6 3 +3" in first
    page.close()


def test_a_supervisor_reads_their_units_report_as_a_page(
    desk: str, browser: Browser, people: People, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    _sign_in(page, desk, people.supervisor)
    page.get_by_role("link", name="Perlu perhatian").click()
    form = page.get_by_role("form", name="Laporan SLA bulanan")
    expect(page.locator("#report")).to_contain_text(f"unit Anda, {people.unit}")
    expect(form.get_by_label("Unit")).to_have_count(0)  # their own unit, without asking
    assert_accessible(page)
    form.get_by_label("Bulan").fill("2026-10")
    form.get_by_label("Format").select_option("html")
    with page.expect_download() as started:
        form.get_by_role("button", name="Unduh laporan").click()
    saved = tmp_path / started.value.suggested_filename
    started.value.save_as(saved)

    report = browser.new_page(viewport={"width": 1280, "height": 900})
    report.goto(saved.as_uri())
    expect(report.get_by_role("heading", name="Laporan SLA Bulanan — Oktober 2026")).to_be_visible()
    trends = report.locator("#trends")
    expect(trends.get_by_role("row", name="Pengaduan diterima")).to_contain_text("6")
    expect(report.locator("#extension-list")).to_contain_text(EXTENSION_REASON)
    expect(report.locator("#every-complaint")).to_contain_text(people.codes["ignored"])
    assert_accessible(report)
    _shot(report, "report-html.png")
    report.close()
    page.close()
