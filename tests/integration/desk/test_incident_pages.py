"""The desk's incident pages against real PostgreSQL, as a browser without JavaScript uses
them: related complaints on a complaint's page, linking them into a new incident, the
incident's page (unlink, close), and who may do what. Answering an incident takes running
lifecycles: tests/e2e/test_incidents.py does it in a real browser."""

from __future__ import annotations

import random
import re

import asyncpg
import httpx

from tests.integration.desk.test_pages import account, browser, csrf_of, sign_in

__all__ = ["browser"]  # the fixture, shared with the other page tests
from tests.support.complaints import new_unit, unit_complaint
from tests.support.incident_texts import OTHER_TOPICS, OUTAGE_TITLE, SAME_OUTAGE


async def _outage(pool: asyncpg.Pool, unit: str, count: int) -> tuple[str, list[str]]:
    area = f"{random.randint(10, 99)}.{random.randint(10, 99)}.{random.randint(10, 99)}"
    ids = [
        await unit_complaint(
            pool,
            unit,
            description=text,
            category="no_water",
            location={"region_code": f"{area}.{n}"},
        )
        for n, text in enumerate(SAME_OUTAGE[:count])
    ]
    return area, ids


async def test_a_supervisor_links_related_complaints_into_a_new_incident(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    unit = new_unit()
    area, ids = await _outage(pool, unit, 4)
    other = await unit_complaint(
        pool, unit, description=OTHER_TOPICS[0], category="billing",
        location={"region_code": f"{area}.9"},
    )  # fmt: skip
    await sign_in(browser, await account(pool, "supervisor", unit))

    shown = await browser.get(f"/complaints/{ids[0]}")
    assert shown.status_code == 200
    related = shown.text.split('id="related"', 1)[1].split("</section>", 1)[0]
    for complaint_id in ids[1:]:
        assert f'value="{complaint_id}"' in related
    assert other not in related
    assert f'value="{area}"' in related  # the district, suggested as the incident's region

    linked = await browser.post(
        "/incidents/link",
        data={
            "csrf": csrf_of(shown),
            "incident": "new",
            "complaint": ids,  # this one and the three related, ticked
            "title": OUTAGE_TITLE,
            "description": "Pipa pecah; perbaikan sedang berjalan.",
            "category": "no_water",
            "region_code": area,
        },
    )
    assert linked.status_code == 303, linked.text
    page = await browser.get(linked.headers["location"])
    assert "Insiden dibuka." in page.text
    assert OUTAGE_TITLE in page.text
    assert page.text.count('class="code" href="/complaints/') == 4
    incident_url = linked.headers["location"].split("?")[0]

    again = await browser.get(f"/complaints/{ids[1]}")
    assert 'id="incident-of"' in again.text and incident_url in again.text

    removed = await browser.post(
        f"{incident_url}/complaints/{ids[3]}/unlink", data={"csrf": csrf_of(page)}
    )
    assert removed.status_code == 303
    page = await browser.get(removed.headers["location"])
    assert "dilepas" in page.text
    assert page.text.count('class="code" href="/complaints/') == 3

    closed = await browser.post(f"{incident_url}/close", data={"csrf": csrf_of(page)})
    page = await browser.get(closed.headers["location"])
    assert 'id="incident-status">ditutup' in page.text
    assert "Jawab semua pengaduan" not in page.text  # a closed incident takes no answer
    listed = await browser.get("/incidents?lang=en")
    assert OUTAGE_TITLE in listed.text and "closed" in listed.text


async def test_officers_read_incidents_but_manage_none(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    unit = new_unit()
    _, ids = await _outage(pool, unit, 2)
    await sign_in(browser, await account(pool, "officer", unit))
    shown = await browser.get(f"/complaints/{ids[0]}")
    assert "Pengaduan terkait" in shown.text
    assert 'action="/incidents/link"' not in shown.text
    listed = await browser.get("/incidents")
    assert listed.status_code == 200 and "Buka insiden baru" not in listed.text
    refused = await browser.post(
        "/incidents",
        data={"csrf": csrf_of(listed), "title": "x", "description": "y",
              "category": "no_water", "region_code": "32"},
    )  # fmt: skip
    assert refused.status_code == 403
    assert "supervisor" in refused.text


async def test_bad_incident_forms_come_back_with_what_was_wrong(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await sign_in(browser, await account(pool, "admin"))
    listed = await browser.get("/incidents")
    token = csrf_of(listed)
    wrong = await browser.post(
        "/incidents",
        data={"csrf": token, "title": "Air mati", "description": "d" * 5001,
              "category": "nonsense", "region_code": "32;1"},
    )  # fmt: skip
    assert wrong.status_code == 422
    assert re.search(r"description: .*5000", wrong.text), wrong.text
    assert 'value="Air mati"' in wrong.text  # what was typed is still there
    forged = await browser.post("/incidents", data={"csrf": "forged", "title": "x"})
    assert forged.status_code == 403
    missing = await browser.get("/incidents/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404

    created = await browser.post(
        "/incidents",
        data={"csrf": token, "title": "Air mati", "description": "Pipa pecah.",
              "category": "no_water", "region_code": "32.73"},
    )  # fmt: skip
    assert created.status_code == 303
    page = await browser.get(created.headers["location"])
    empty = await browser.post(
        created.headers["location"].split("?")[0] + "/respond",
        data={"csrf": csrf_of(page), "message": "   "},
    )
    assert empty.status_code == 422 and "message" in empty.text
