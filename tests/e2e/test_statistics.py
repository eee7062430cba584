"""The public statistics page in a real headless Chromium against the running system: a few
complaints nobody answers escalate, then a visitor finds "Statistik" on the complaint form and
sees the charts (inline SVG the page's Content-Security-Policy lets through) with their
tables, in Bahasa Indonesia and in English, and axe finds nothing wrong with either."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.support.browser import assert_accessible, chromium
from tests.support.stack import Stack
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
SCREENSHOTS = os.environ.get("ADUAN_SCREENSHOTS")  # where to keep the pages' pictures
COMPLAINTS = 6


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _escalated(stack: Stack, ids: list[str]) -> bool:
    levels = [stack.desk.get(f"/v1/staff/complaints/{i}").json()["escalation_level"] for i in ids]
    return all(level == "ombudsman" for level in levels)


def _cell(page: Page, name: str) -> str:
    return page.locator(f'[data-cell="{name}"]').inner_text().strip()


def _fits_and_shoot(page: Page, name: str) -> None:
    """Readable on a phone and on a desktop screen: nothing wider than the window (then a
    picture of each, when asked)."""
    for width in (390, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, width
        if SCREENSHOTS:
            page.screenshot(path=Path(SCREENSHOTS) / f"{name}-{width}.png", full_page=True)


def test_a_visitor_sees_the_charts_and_their_numbers_after_a_few_complaints(
    stack: Stack, browser: Browser
) -> None:
    ids = []
    for n in range(COMPLAINTS):
        answer = stack.intake.post(
            "/v1/complaints",
            json={
                "description": f"Tagihan air saya naik dua kali lipat ({n})",
                "category": "billing",
                "answers": {"billing_month": "2026-11"},
            },
        )
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    # Nobody acknowledges them: first response missed, the supervisor told, then the Ombudsman.
    eventually(lambda: _escalated(stack, ids), timeout=90, what="all six at the Ombudsman")

    base = str(stack.intake.base_url).rstrip("/")
    page = browser.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if _blocked(m) else None)
    page.goto(base + "/")
    page.get_by_role("link", name="Statistik", exact=True).click()
    expect(page).to_have_url(base + "/statistik")
    expect(page.locator("h1")).to_have_text("Statistik pengaduan")

    month = datetime.now(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m")
    assert int(_cell(page, f"month:{month}:received")) >= COMPLAINTS
    assert int(_cell(page, f"month:{month}:escalated_supervisor")) >= COMPLAINTS
    assert int(_cell(page, "unit:penagihan:first_response:missed")) >= COMPLAINTS
    # Eleven months ago this stack did not exist: its count is shown as "< 5", never as 0.
    now = datetime.now(ZoneInfo("Asia/Jakarta"))
    back = now.year * 12 + now.month - 1 - 11
    assert _cell(page, f"month:{back // 12}-{back % 12 + 1:02d}:received") == "< 5"
    chart = page.get_by_role("img", name="Pengaduan per bulan")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 200  # drawn, not blocked
    table = page.get_by_role("table", name="Pengaduan per bulan: angkanya")
    expect(table.get_by_role("columnheader", name="Diterima")).to_be_visible()
    expect(page.get_by_role("img", name="Tenggat dipenuhi dan terlewat per unit")).to_be_visible()
    assert page.locator("script").count() == 0
    assert_accessible(page)
    _fits_and_shoot(page, "statistics-id")

    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Complaint statistics")
    expect(page.get_by_role("img", name="Complaints per month")).to_be_visible()
    expect(
        page.get_by_role("table", name="Deadlines met and missed per unit: the numbers")
    ).to_be_visible()
    assert_accessible(page)
    _fits_and_shoot(page, "statistics-en")

    rows = page.request.get(base + "/v1/public/stats?format=csv").text().splitlines()
    assert rows[0] == "figure,by,key,value" and f"received,month,{month}," in "\n".join(rows)
    assert refused == []  # nothing on the page was refused by its Content-Security-Policy
    page.close()


def _blocked(message: ConsoleMessage) -> bool:
    return "Content Security Policy" in message.text or "Refused to" in message.text
