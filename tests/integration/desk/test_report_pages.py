"""The monthly SLA report's download on the desk's pages, against real PostgreSQL: the form
on the ops page and on a supervisor's needs-attention list, the file it gives, and who may
have which unit's report."""

from __future__ import annotations

import csv
import io

import asyncpg
import httpx
import pypdf
import pytest
import pytest_asyncio

from tests.integration.desk.test_pages import account, browser, sign_in
from tests.support.complaints import new_unit
from tests.support.reports import REPORTED, sla_months

__all__ = ["browser"]  # the fixture, shared with the other page tests


@pytest_asyncio.fixture
async def units(pool: asyncpg.Pool) -> dict[str, dict[str, str]]:
    """Two units, each with September and October 2026 handled: tracking codes by name."""
    return {unit: await sla_months(pool, unit) for unit in (new_unit(), new_unit())}


def october_codes(codes: dict[str, str]) -> set[str]:
    return {code for name, code in codes.items() if not name.startswith("sep_")}


def downloaded_codes(answer: httpx.Response) -> set[str]:
    return {r["tracking_code"] for r in csv.DictReader(io.StringIO(answer.text.lstrip("\ufeff")))}


async def test_ops_download_a_units_pdf_from_the_ops_page(
    browser: httpx.AsyncClient, pool: asyncpg.Pool, units: dict[str, dict[str, str]]
) -> None:
    unit = next(iter(units))
    await sign_in(browser, await account(pool, "ops"))
    ops = await browser.get("/ops")
    assert ops.status_code == 200
    form = ops.text.split('id="report"', 1)[1].split("</section>", 1)[0]
    assert 'action="/reports/monthly"' in form and 'name="unit"' in form
    assert "Laporan SLA bulanan" in form and 'type="month"' in form

    answer = await browser.get(
        "/reports/monthly", params={"month": str(REPORTED), "format": "pdf", "unit": unit}
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="aduan-sla-{REPORTED}-{unit}.pdf"'
    )
    assert answer.headers["cache-control"] == "no-store"
    first = " ".join(pypdf.PdfReader(io.BytesIO(answer.content)).pages[0].extract_text().split())
    assert "Laporan SLA Bulanan — Oktober 2026" in first and f"Unit kerja {unit}" in first
    assert "Pengaduan diterima 6 3 +3" in first


async def test_an_admin_downloads_every_units_csv(
    browser: httpx.AsyncClient, pool: asyncpg.Pool, units: dict[str, dict[str, str]]
) -> None:
    await sign_in(browser, await account(pool, "admin"))
    answer = await browser.get("/reports/monthly", params={"month": "2026-10", "format": "csv"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == 'attachment; filename="aduan-sla-2026-10.csv"'
    listed = downloaded_codes(answer)
    for codes in units.values():
        assert october_codes(codes) <= listed
        assert not {codes["sep_a"], codes["sep_b"]} & listed  # September is not October


async def test_a_supervisor_gets_their_own_units_report_and_no_other(
    browser: httpx.AsyncClient, pool: asyncpg.Pool, units: dict[str, dict[str, str]]
) -> None:
    mine, other = units
    await sign_in(browser, await account(pool, "supervisor", mine))
    attention = await browser.get("/?attention=yes")
    form = attention.text.split('id="report"', 1)[1].split("</section>", 1)[0]
    assert mine in form and 'name="unit"' not in form  # their unit, without asking

    answer = await browser.get("/reports/monthly", params={"month": "2026-10", "format": "csv"})
    assert answer.status_code == 200
    assert downloaded_codes(answer) == october_codes(units[mine])
    html = await browser.get(
        "/reports/monthly", params={"month": "2026-10", "format": "html", "unit": mine}
    )
    assert html.status_code == 200 and "text/html" in html.headers["content-type"]
    assert html.headers["content-disposition"].startswith("attachment;")

    refused = await browser.get(
        "/reports/monthly", params={"month": "2026-10", "format": "csv", "unit": other}
    )
    assert refused.status_code == 403
    assert "hanya untuk supervisor (unitnya sendiri)" in refused.text
    assert units[other]["on_time"] not in refused.text


async def test_an_officer_has_no_report(browser: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    await sign_in(browser, await account(pool, "officer"))
    answer = await browser.get("/reports/monthly", params={"month": "2026-10"})
    assert answer.status_code == 403
    queue = await browser.get("/?attention=yes")
    assert 'id="report"' not in queue.text


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"month": "2026-13"}, "Bulan tidak valid"),
        ({"month": ""}, "Bulan tidak valid"),
        ({"month": "2999-01"}, "Bulan tidak valid"),
        ({"month": "2026-10", "format": "docx"}, "Format tidak dikenal"),
        ({"month": "2026-10", "unit": "x\x00y"}, "Unit: kode unit"),
        ({"month": "2026-10", "unit": "u" * 101}, "Unit: kode unit"),
    ],
)
async def test_bad_input_is_a_422_page_naming_the_field(
    browser: httpx.AsyncClient, pool: asyncpg.Pool, params: dict[str, str], says: str
) -> None:
    await sign_in(browser, await account(pool, "ops"))
    answer = await browser.get("/reports/monthly", params=params)
    assert answer.status_code == 422 and says in answer.text


async def test_without_a_session_the_download_asks_to_sign_in(
    browser: httpx.AsyncClient,
) -> None:
    answer = await browser.get("/reports/monthly?month=2026-10&format=pdf")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=/reports/monthly")
