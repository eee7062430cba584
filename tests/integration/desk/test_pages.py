"""The desk's pages against real PostgreSQL, as a browser without JavaScript uses them:
sign-in with its lock, sessions, CSRF, the role rules on pages, the queue and its CSV export.

Temporal is not running here; the browser tests (tests/e2e/test_desk.py) take actions."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
import pytest_asyncio

from aduan.adapters.passwords import hash_password
from aduan.config import Settings
from aduan.domain.routing import load_rules
from aduan.domain.signin import MAX_FAILURES
from aduan.domain.staff import make_staff
from aduan.store import accounts, units
from devtools import servers
from services.desk.app import create_app
from services.intake import tracking
from tests.support.complaints import new_unit, tracking_code, unit_complaint
from tests.support.desk import SECRET
from tests.support.http import asgi_client
from tests.support.routing import SHIPPED_RULES

PASSWORD = "a-long-enough-password"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@asynccontextmanager
async def another_browser(pg_dsn: str) -> AsyncIterator[httpx.AsyncClient]:
    """A cookie-keeping client of its own desk app, as one more browser."""
    settings = Settings(
        database_url=pg_dsn, secret_key=SECRET, temporal_address=f"127.0.0.1:{servers.free_port()}"
    )
    async with asgi_client(create_app(settings), "http://desk") as client:
        yield client


@pytest_asyncio.fixture
async def browser(pg_dsn: str) -> AsyncIterator[httpx.AsyncClient]:
    """One browser on desk."""
    async with another_browser(pg_dsn) as client:
        yield client


async def account(
    pool: asyncpg.Pool, role: str = "officer", unit: str | None = None, password: str = PASSWORD
) -> str:
    username = f"u{uuid.uuid4().hex[:10]}"
    if role in ("officer", "supervisor"):
        unit = unit or new_unit()
    staff = make_staff(username, role, unit)
    assert await accounts.add(pool, staff, hash_password(password), display_name=username.title())
    return username


def csrf_of(page: httpx.Response) -> str:
    found = _CSRF.search(page.text)
    assert found, "the page carries a form with its CSRF token"
    return found[1]


async def sign_in(
    browser: httpx.AsyncClient, username: str, password: str = PASSWORD, next: str = "/"
) -> httpx.Response:
    form = await browser.get("/login")
    return await browser.post(
        "/login",
        data={"csrf": csrf_of(form), "username": username, "password": password, "next": next},
    )


async def test_a_page_without_a_session_goes_to_sign_in_and_back_after_it(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    answer = await browser.get("/?status=routed")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/%3Fstatus%3Drouted"
    username = await account(pool, "admin")
    signed = await sign_in(browser, username, next="/?status=routed")
    assert signed.status_code == 303 and signed.headers["location"] == "/?status=routed"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    queue = await browser.get("/?status=routed")
    assert queue.status_code == 200 and "Antrean pengaduan" in queue.text


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
async def test_sign_in_never_sends_the_browser_to_another_site(
    browser: httpx.AsyncClient, pool: asyncpg.Pool, target: str
) -> None:
    signed = await sign_in(browser, await account(pool, "admin"), next=target)
    assert signed.headers["location"] == "/"


async def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    username = await account(pool)
    for attempt in range(1, MAX_FAILURES + 1):
        wrong = await sign_in(browser, username, "not-the-password")
        assert wrong.status_code == 401, attempt
        assert "kata sandi salah" in wrong.text
    locked = await sign_in(browser, username)
    assert locked.status_code == 429
    assert "dikunci sampai" in locked.text
    # An admin's new password lifts the lock.
    assert await accounts.set_password(pool, username, hash_password("another-password-1"))
    assert (await sign_in(browser, username, "another-password-1")).status_code == 303


async def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    username = await account(pool, "admin")
    assert (await sign_in(browser, username)).status_code == 303
    assert (await browser.get("/")).status_code == 200
    assert await accounts.set_active(pool, username, False)
    assert (await browser.get("/")).status_code == 303, "the open session ended with it"
    refused = await sign_in(browser, username)
    assert refused.status_code == 401 and "kata sandi salah" in refused.text


async def test_an_unknown_name_is_told_apart_from_a_wrong_password_by_nothing(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    known = await sign_in(browser, await account(pool), "not-the-password")
    unknown = await sign_in(browser, "nobody-" + uuid.uuid4().hex[:6], "not-the-password")
    assert known.status_code == unknown.status_code == 401
    assert re.sub(r'value="[^"]*"', "", known.text) == re.sub(r'value="[^"]*"', "", unknown.text)


async def test_a_form_without_its_csrf_token_is_refused(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    username = await account(pool, "admin")
    no_token = await browser.post("/login", data={"username": username, "password": PASSWORD})
    assert no_token.status_code == 403 and "Formulir ini sudah kedaluwarsa" in no_token.text
    await sign_in(browser, username)
    forged = await browser.post(
        "/admin/users", data={"csrf": "forged", "username": "mallory", "role": "admin"}
    )
    assert forged.status_code == 403
    assert await accounts.find(pool, "mallory") is None


async def test_an_expired_session_signs_in_again(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    username = await account(pool, "admin")
    await sign_in(browser, username)
    await pool.execute(
        "UPDATE staff_sessions SET seen_at = $2 WHERE username = $1",
        username,
        datetime.now(UTC) - timedelta(hours=1),
    )
    assert (await browser.get("/")).status_code == 303
    assert (
        await pool.fetchval("SELECT count(*) FROM staff_sessions WHERE username = $1", username)
        == 0
    )


async def test_sign_out_ends_the_session(browser: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    await sign_in(browser, await account(pool, "admin"))
    queue = await browser.get("/")
    out = await browser.post("/logout", data={"csrf": csrf_of(queue)})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert (await browser.get("/")).status_code == 303


async def test_an_officer_typing_another_units_complaint_gets_a_403_page(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    mine, theirs = new_unit(), new_unit()
    other = await unit_complaint(pool, theirs)
    own = await unit_complaint(pool, mine)
    await sign_in(browser, await account(pool, "officer", mine))
    refused = await browser.get(f"/complaints/{other}")
    assert refused.status_code == 403
    assert "milik unit lain" in refused.text and "<h1>" in refused.text
    assert (await browser.get(f"/complaints/{own}")).status_code == 200
    assert (await browser.get(f"/?unit={theirs}")).status_code == 403
    queue = await browser.get("/")
    assert await tracking_code(pool, uuid.UUID(own)) in queue.text
    assert await tracking_code(pool, uuid.UUID(other)) not in queue.text


async def test_a_confidential_complainant_is_hidden_from_an_officer_on_the_page(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    unit = new_unit()
    hidden = await unit_complaint(
        pool,
        unit,
        complainant={"name": "Rahasia Sekali", "email": "r@example.id", "confidential": True},
    )
    await sign_in(browser, await account(pool, "officer", unit))
    page = await browser.get(f"/complaints/{hidden}")
    assert page.status_code == 200
    assert "Rahasia Sekali" not in page.text and "r@example.id" not in page.text
    assert "dirahasiakan" in page.text


async def test_the_tracking_code_opens_the_complaint_and_words_search_the_text(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    unit = new_unit()
    leak = await unit_complaint(
        pool, unit, description="Pipa bócor di depan rumah, air mengalir terus sejak pagi."
    )
    other = await unit_complaint(pool, unit, description="Tagihan listrik naik dua kali lipat.")
    await sign_in(browser, await account(pool, "officer", unit))
    code = await tracking_code(pool, uuid.UUID(leak))
    found = await browser.get("/", params={"q": code.lower()})
    assert found.status_code == 303 and found.headers["location"] == f"/complaints/{leak}"
    # Stemmed (kebocoran: bocor) and without accents (bócor: bocor).
    searched = await browser.get("/", params={"q": "kebocoran pipa"})
    assert code in searched.text
    assert await tracking_code(pool, uuid.UUID(other)) not in searched.text


async def test_a_bad_filter_is_named_on_the_page_not_a_500(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await sign_in(browser, await account(pool, "admin"))
    answer = await browser.get("/", params={"status": "lost", "from": "yesterday", "page": "x"})
    assert answer.status_code == 400
    assert "Status itu tidak dikenal" in answer.text and "TTTT-BB-HH" in answer.text


async def test_csv_export_holds_exactly_the_filtered_rows_without_identity(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    unit = new_unit()
    late = [
        await unit_complaint(
            pool, unit, due={"first_response": timedelta(hours=-2)}, complainant={"name": "Ani"}
        )
        for _ in range(3)
    ]
    await unit_complaint(pool, unit, due={"first_response": timedelta(days=2)})
    await unit_complaint(pool, new_unit(), due={"first_response": timedelta(hours=-2)})
    await sign_in(browser, await account(pool, "admin"))
    answer = await browser.get("/export.csv", params={"unit": unit, "overdue": "yes"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    codes = {await tracking_code(pool, uuid.UUID(c)) for c in late}
    assert {row["tracking_code"] for row in rows} == codes
    assert all(row["overdue"] == "True" and row["unit"] == unit for row in rows)
    assert "Ani" not in answer.text


async def test_an_admin_adds_an_officer_who_signs_in_with_the_password_shown_once(
    browser: httpx.AsyncClient, pool: asyncpg.Pool, pg_dsn: str
) -> None:
    await sign_in(browser, await account(pool, "admin"))
    page = await browser.get("/admin/users")
    name = f"n{uuid.uuid4().hex[:8]}"
    added = await browser.post(
        "/admin/users",
        data={"csrf": csrf_of(page), "username": name, "role": "officer", "unit": "penagihan"},
    )
    assert added.status_code == 201
    password = re.search(rf"Kata sandi {name}: (\S+) ", added.text)
    assert password, added.text
    no_unit = await browser.post(
        "/admin/users", data={"csrf": csrf_of(page), "username": "x" + name, "role": "officer"}
    )
    assert no_unit.status_code == 422 and "needs a unit" in no_unit.text
    async with another_browser(pg_dsn) as officer:
        assert (await sign_in(officer, name, password[1])).status_code == 303
        assert (await officer.get("/admin/users")).status_code == 403


async def test_the_language_switch_is_remembered(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    assert 'lang="en"' in (await browser.get("/login?lang=en")).text
    assert "Sign in" in (await browser.get("/login")).text
    await sign_in(browser, await account(pool, "admin"))
    assert "Complaint queue" in (await browser.get("/")).text


async def test_an_answer_starts_from_the_categorys_template_with_the_complaint_filled_in(
    browser: httpx.AsyncClient, pool: asyncpg.Pool, pg_dsn: str
) -> None:
    await sign_in(browser, await account(pool, "admin"))
    page = await browser.get("/admin/templates")
    assert page.status_code == 200
    typo = await browser.post(
        "/admin/templates",
        data={"csrf": csrf_of(page), "title": "T", "language": "id", "body": "Yth. {nama}"},
    )
    assert typo.status_code == 422 and "unknown placeholders nama" in typo.text
    title = f"Meter {uuid.uuid4().hex[:6]}"
    saved = await browser.post(
        "/admin/templates",
        data={
            "csrf": csrf_of(page),
            "title": title,
            "language": "id",
            "category": "",
            "body": "Yth. {name}, pengaduan {tracking_code} sudah kami periksa.",
        },
    )
    assert saved.status_code == 303
    template_id = await pool.fetchval("SELECT id FROM response_templates WHERE title = $1", title)
    unit = new_unit()
    shown = await unit_complaint(pool, unit, status="in_progress", complainant={"name": "Sari"})
    hidden = await unit_complaint(
        pool, unit, status="in_progress", complainant={"name": "Rahasia", "confidential": True}
    )
    async with another_browser(pg_dsn) as officer:
        await sign_in(officer, await account(pool, "officer", unit))
        offered = await officer.get(f"/complaints/{shown}")
        assert f"?template={template_id}" in offered.text and title in offered.text
        filled = await officer.get(f"/complaints/{shown}", params={"template": template_id})
        code = await tracking_code(pool, uuid.UUID(shown))
        assert f"Yth. Sari, pengaduan {code} sudah kami periksa." in filled.text
        anonymous = await officer.get(f"/complaints/{hidden}", params={"template": template_id})
        assert "Yth. Bapak/Ibu," in anonymous.text and "Rahasia" not in anonymous.text
        assert (await officer.get("/admin/templates")).status_code == 403


async def test_a_supervisor_needs_to_see_the_late_and_the_escalated_and_nothing_else(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    unit = new_unit()
    late = await unit_complaint(pool, unit, due={"resolution": timedelta(hours=-1)})
    on_time = await unit_complaint(pool, unit, due={"resolution": timedelta(days=3)})
    elsewhere = await unit_complaint(pool, new_unit(), level="ombudsman")
    await sign_in(browser, await account(pool, "supervisor", unit))
    page = await browser.get("/", params={"attention": "yes"})
    assert page.status_code == 200 and "Perlu perhatian" in page.text
    shown = {
        c
        for c in (late, on_time, elsewhere)
        if await tracking_code(pool, uuid.UUID(c)) in page.text
    }
    assert shown == {late, elsewhere}


async def test_a_phone_complaint_is_filed_once_and_ends_on_what_to_read_out(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    username = await account(pool, "officer")
    await sign_in(browser, username)
    form = await browser.get("/entry")
    key = re.search(r'name="key" value="([^"]+)"', form.text)
    assert form.status_code == 200 and key
    fields = {
        "csrf": csrf_of(form),
        "key": key[1],
        "description": "Penelepon: air tidak mengalir sejak kemarin di Jl. Mawar.",
        "name": "Pak Budi",
        "phone": "0812-3456-7890",
    }
    filed = await browser.post("/entry", data=fields)
    again = await browser.post("/entry", data=fields)  # the button pressed twice
    assert filed.status_code == again.status_code == 201
    code = re.search(r'id="tracking-code">(ADU-[0-9A-Z-]+)<', filed.text)
    assert code and code[1] in again.text and 'id="access-token"' in filed.text
    rows = await pool.fetch(
        "SELECT channel, entered_by FROM complaints WHERE tracking_code = $1", code[1]
    )
    assert [tuple(r) for r in rows] == [("phone", username)]
    empty = await browser.post("/entry", data={**fields, "key": "other", "description": " "})
    assert empty.status_code == 422 and "description" in empty.text
    assert "Pak Budi" in empty.text, "what was typed is kept"


async def test_ops_see_a_deadline_nobody_marked_missed_with_a_link_to_its_lifecycle(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    unit = new_unit()
    stuck = await unit_complaint(pool, unit, due={"first_response": timedelta(hours=-1)})
    fresh = await unit_complaint(pool, unit, due={"first_response": timedelta(minutes=-1)})
    await sign_in(browser, await account(pool, "ops"))
    page = await browser.get("/ops")
    assert page.status_code == 200
    stuck_table = page.text.split('id="stuck"')[1].split("</table>")[0]
    assert await tracking_code(pool, uuid.UUID(stuck)) in stuck_table
    assert await tracking_code(pool, uuid.UUID(fresh)) not in stuck_table, "not yet: 5 minutes"
    assert f"/workflows/complaint-{stuck}" in stuck_table
    assert "NATS tidak menjawab" in page.text, "no NATS here: said, not waited for"
    assert re.search(rf"<td>{unit}</td><td>diteruskan ke unit</td><td>2</td>", page.text)


async def test_an_officer_does_not_see_the_ops_page(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await sign_in(browser, await account(pool, "officer"))
    assert (await browser.get("/ops")).status_code == 403


async def test_an_admin_names_a_unit_for_complainants_and_gives_its_officers_an_address(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    await sign_in(browser, await account(pool, "admin"))
    page = await browser.get("/admin/units")
    assert page.status_code == 200 and 'value="penagihan"' in page.text, "the rules' units"
    token = csrf_of(page)
    unknown = await browser.post("/admin/units", data={"csrf": token, "code": "nowhere"})
    assert unknown.status_code == 422 and "not a unit of the routing rules" in unknown.text
    bad = await browser.post(
        "/admin/units", data={"csrf": token, "code": "penagihan", "email": "a@b, c@d"}
    )
    assert bad.status_code == 422 and "is not one e-mail address" in bad.text
    try:
        saved = await browser.post(
            "/admin/units",
            data={
                "csrf": token,
                "code": "penagihan",
                "name_id": "Bagian Penagihan",
                "name_en": "Billing Department",
                "email": "penagihan@pdam.example.id",
            },
        )
        assert saved.status_code == 303
        complaint_id = await unit_complaint(pool, "penagihan", language="en")
        row = await pool.fetchrow("SELECT * FROM complaints WHERE id = $1", uuid.UUID(complaint_id))
        view = await tracking.view(pool, row, load_rules(SHIPPED_RULES))
        assert (view.unit, view.unit_name) == ("penagihan", "Billing Department")
        unit = await units.find(pool, "penagihan")
        assert unit is not None and unit.email == "penagihan@pdam.example.id"
    finally:  # the other tests of this database mail penagihan at ADUAN_UNIT_EMAIL
        await pool.execute("DELETE FROM units WHERE code = 'penagihan'")


async def test_an_admin_gives_an_officer_another_unit_and_the_officer_signs_in_again(
    browser: httpx.AsyncClient, pool: asyncpg.Pool, pg_dsn: str
) -> None:
    first, second = new_unit(), new_unit()
    officer_name = await account(pool, "officer", first)
    mine = await unit_complaint(pool, second)
    async with another_browser(pg_dsn) as officer:
        await sign_in(officer, officer_name)
        assert (await officer.get(f"/complaints/{mine}")).status_code == 403
        await sign_in(browser, await account(pool, "admin"))
        page = await browser.get("/admin/users")
        no_unit = await browser.post(
            f"/admin/users/{officer_name}/role",
            data={"csrf": csrf_of(page), "role": "supervisor", "unit": ""},
        )
        assert no_unit.status_code == 422 and "needs a unit" in no_unit.text
        moved = await browser.post(
            f"/admin/users/{officer_name}/role",
            data={"csrf": csrf_of(page), "role": "officer", "unit": second},
        )
        assert moved.status_code == 303
        assert (await officer.get(f"/complaints/{mine}")).status_code == 303, "signed out"
        await sign_in(officer, officer_name)
        assert (await officer.get(f"/complaints/{mine}")).status_code == 200
