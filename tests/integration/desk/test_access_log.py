"""The access log against real PostgreSQL: every staff read of a complaint is recorded with
whether its complainant's identity was shown, never with its text; only admins read it; the
table refuses to be rewritten; and a read the log cannot hold shows nothing.

Temporal is not running here (a closed port): an action reaches the log, then answers 503."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
import pytest_asyncio

from aduan.config import Settings
from aduan.domain.access_log import Access
from aduan.processes import http_options
from aduan.store import access_log
from devtools import servers
from services.desk.app import create_app
from tests.integration.desk.test_pages import account as page_account
from tests.integration.desk.test_pages import another_browser, browser, csrf_of, sign_in
from tests.support.complaints import new_unit, tracking_code, unit_complaint
from tests.support.desk import SECRET, auth
from tests.support.http import asgi_client, assert_problem, serve
from tests.support.samples import png

__all__ = ["browser"]  # the fixture, shared with the other page tests
TODAY = datetime.now(ZoneInfo("Asia/Jakarta")).date()


def _confidential(marker: str) -> dict[str, Any]:
    return {
        "description": f"Tagihan saya naik tiga kali lipat {marker}",
        "subject": f"Subjek {marker}",
        "complainant": {
            "name": f"Nama {marker}",
            "email": "rahasia.log@example.id",
            "phone": "0812777111",
            "confidential": True,
        },
        "account_ref": "PEL-7781",
    }


async def _log(desk: httpx.AsyncClient, admin: str, **params: str) -> list[dict[str, Any]]:
    answer = await desk.get(
        "/v1/staff/access-log", params=params, headers=auth("admin", user=admin)
    )
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()
    return rows


async def test_officer_and_supervisor_reads_are_logged_and_only_the_supervisor_saw_the_identity(
    desk: httpx.AsyncClient, pool: asyncpg.Pool, pg_dsn: str
) -> None:
    unit, marker = new_unit(), f"PENANDA{uuid.uuid4().hex[:12]}"
    complaint_id = await unit_complaint(pool, unit, **_confidential(marker))
    officer = await page_account(pool, "officer", unit)
    supervisor = await page_account(pool, "supervisor", unit)

    # Each opens the complaint's page in a browser, then reads it through the API.
    pages: dict[str, str] = {}
    for username in (officer, supervisor):
        async with another_browser(pg_dsn) as tab:
            await sign_in(tab, username)
            page = await tab.get(f"/complaints/{complaint_id}")
            assert page.status_code == 200
            pages[username] = page.text
        role = "officer" if username == officer else "supervisor"
        api = await desk.get(
            f"/v1/staff/complaints/{complaint_id}", headers=auth(role, unit, user=username)
        )
        assert api.status_code == 200, api.text
        assert (api.json()["complainant"].get("name") == f"Nama {marker}") is (
            username == supervisor
        )
    assert f"Nama {marker}" not in pages[officer] and "dirahasiakan" in pages[officer]
    assert f"Nama {marker}" in pages[supervisor] and "PEL-7781" in pages[supervisor]

    rows = await _log(desk, "auditor", complaint_id=complaint_id)
    reads = sorted(
        (r["username"], r["role"], r["unit"], r["detail"]["surface"], r["identity_shown"])
        for r in rows
        if r["action"] == Access.READ
    )
    assert reads == sorted(
        [
            (officer, "officer", unit, "page", False),
            (officer, "officer", unit, "api", False),
            (supervisor, "supervisor", unit, "page", True),
            (supervisor, "supervisor", unit, "api", True),
        ]
    )
    code = await tracking_code(pool, uuid.UUID(complaint_id))
    assert all(r["tracking_code"] == code and r["source"] == "127.0.0.1" for r in rows)
    assert all(r["user_agent"].startswith("python-httpx/") for r in rows)
    assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), reverse=True)

    # The admin's page tells the same, per complaint (by tracking code) and per staff member.
    async with another_browser(pg_dsn) as admin:
        await sign_in(admin, await page_account(pool, "admin"))
        by_code = await admin.get("/admin/access", params={"complaint": code.lower()})
        assert by_code.status_code == 200
        assert officer in by_code.text and supervisor in by_code.text
        assert by_code.text.count('class="identity-shown"') == 2
        assert by_code.text.count('class="identity-hidden"') == 2
        by_name = await admin.get("/admin/access", params={"username": supervisor})
        assert supervisor in by_name.text and officer not in by_name.text
        unknown = await admin.get("/admin/access", params={"complaint": "ADU-0000-0000"})
        assert unknown.status_code == 400 and "Tidak ada pengaduan" in unknown.text


async def test_the_log_holds_no_complaint_text_nor_what_staff_typed(
    desk: httpx.AsyncClient, pool: asyncpg.Pool, pg_dsn: str
) -> None:
    unit, marker = new_unit(), f"PENANDA{uuid.uuid4().hex[:12]}"
    complaint_id = await unit_complaint(pool, unit, status="in_progress", **_confidential(marker))
    officer = await page_account(pool, "officer", unit)
    async with another_browser(pg_dsn) as tab:
        await sign_in(tab, officer)
        page = await tab.get(f"/complaints/{complaint_id}")
        assert marker in page.text  # the officer reads the text; the log does not keep it
        searched = await tab.get("/", params={"q": f"naik {marker}"})
        assert searched.status_code == 200
        exported = await tab.get("/export.csv", params={"q": marker})
        assert exported.status_code == 200
        answer = await tab.post(
            f"/complaints/{complaint_id}/actions/respond",
            data={"csrf": csrf_of(page), "message": f"Jawaban {marker}"},
        )
        assert answer.status_code == 503  # Temporal is away: logged, then not taken
    api = await desk.post(
        f"/v1/staff/complaints/{complaint_id}/actions/note",
        json={"text": f"Catatan {marker}"},
        headers=auth("officer", unit, user=officer),
    )
    assert_problem(api, 503)

    rows = await _log(desk, "auditor", username=officer)
    assert {r["action"] for r in rows} >= {
        "sign_in", "read", "list", "export_csv", "act:respond", "act:note",
    }  # fmt: skip
    listed = next(r for r in rows if r["action"] == Access.LIST)
    assert listed["detail"]["searched"] is True and listed["detail"]["surface"] == "page"
    leaked = await pool.fetchval(
        "SELECT count(*) FROM access_log a WHERE a::text ILIKE '%' || $1 || '%'", marker
    )
    assert leaked == 0
    named = await pool.fetchval(
        """SELECT count(*) FROM access_log a
        WHERE a::text LIKE '%rahasia.log@%' OR a::text LIKE '%0812777111%'
           OR a::text LIKE '%PEL-7781%'"""
    )
    assert named == 0


@pytest.mark.parametrize("role", ["officer", "supervisor", "ops"])
async def test_only_admins_read_the_access_log(
    desk: httpx.AsyncClient, pool: asyncpg.Pool, pg_dsn: str, role: str
) -> None:
    unit = new_unit() if role != "ops" else None
    answer = await desk.get("/v1/staff/access-log", headers=auth(role, unit))
    assert "access log" in assert_problem(answer, 403)["detail"]
    async with another_browser(pg_dsn) as tab:
        await sign_in(tab, await page_account(pool, role, unit))
        refused = await tab.get("/admin/access")
        assert refused.status_code == 403 and "Log akses" not in refused.text


async def test_reading_the_log_is_logged_and_bad_filters_are_422(
    desk: httpx.AsyncClient,
) -> None:
    admin = f"a{uuid.uuid4().hex[:8]}"
    await _log(desk, admin, username="nobody-at-all")
    rows = await _log(desk, admin, username=admin)
    assert rows[0]["action"] == Access.READ_ACCESS_LOG
    assert rows[0]["detail"] == {"surface": "api", "for_username": "nobody-at-all"}
    for params, field in (
        ({"complaint_id": "not-a-uuid"}, "query.complaint_id"),
        ({"limit": "0"}, "query.limit"),
        ({"before": str(2**64)}, "query.before"),
        ({"sort": "at"}, "query.sort"),
    ):
        answer = await desk.get("/v1/staff/access-log", params=params, headers=auth("admin"))
        fields = [e["field"] for e in assert_problem(answer, 422)["errors"]]
        assert fields == [field], params


async def test_the_page_pages_newest_first(
    pool: asyncpg.Pool, pg_dsn: str, browser: httpx.AsyncClient
) -> None:
    staff = f"s{uuid.uuid4().hex[:8]}"
    await access_log.append(
        pool,
        [access_log.Entry(staff, "officer", "u", "list", detail={"rows": n}) for n in range(57)],
    )
    await sign_in(browser, await page_account(pool, "admin"))
    first = await browser.get("/admin/access", params={"username": staff})
    assert first.text.count("rows=") == 50 and "rows=56<" in first.text
    older = first.text.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    second = await browser.get(older)
    assert second.text.count("rows=") == 7 and "rows=0<" in second.text
    assert 'rel="next"' not in second.text and "Terbaru" in second.text


async def test_postgresql_refuses_to_rewrite_the_log(pool: asyncpg.Pool) -> None:
    staff = f"s{uuid.uuid4().hex[:8]}"
    await access_log.append(pool, [access_log.Entry(staff, "officer", "u", "read")])
    for statement in (
        "UPDATE access_log SET identity_shown = true WHERE username = $1",
        "DELETE FROM access_log WHERE username = $1",
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await pool.execute(statement, staff)
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await pool.execute("TRUNCATE access_log")
    assert await pool.fetchval("SELECT count(*) FROM access_log WHERE username = $1", staff) == 1


async def test_the_documented_retention_purge_removes_only_old_rows_and_rearms_the_trigger(
    pool: asyncpg.Pool,
) -> None:
    staff = f"s{uuid.uuid4().hex[:8]}"
    await pool.execute(
        """INSERT INTO access_log (at, username, role, action)
        VALUES (now() - interval '3 years', $1, 'officer', 'read'),
               (now(), $1, 'officer', 'read')""",
        staff,
    )
    async with pool.acquire() as connection, connection.transaction():
        # docs/privacy.md "Access log": retention, as an admin runs it.
        await connection.execute("ALTER TABLE access_log DISABLE TRIGGER access_log_append_only")
        await connection.execute("DELETE FROM access_log WHERE at < now() - interval '2 years'")
        await connection.execute("ALTER TABLE access_log ENABLE TRIGGER access_log_append_only")
    assert await pool.fetchval("SELECT count(*) FROM access_log WHERE username = $1", staff) == 1
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await pool.execute("DELETE FROM access_log WHERE username = $1", staff)


@pytest_asyncio.fixture
async def desk_that_cannot_log(pg_dsn: str, pool: asyncpg.Pool) -> AsyncIterator[httpx.AsyncClient]:
    """Desk connected as a database role that reads and writes everything but the log."""
    role = "desk_without_log"
    await pool.execute(
        f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE {role} LOGIN;
            END IF;
        END $$"""
    )
    await pool.execute(f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO {role}")
    await pool.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    await pool.execute(f"REVOKE INSERT ON access_log FROM {role}")
    settings = Settings(
        database_url=pg_dsn.replace("postgres@", f"{role}@", 1),
        secret_key=SECRET,
        temporal_address=f"127.0.0.1:{servers.free_port()}",
    )
    async with asgi_client(create_app(settings), "http://desk") as client:
        yield client


async def test_a_read_the_log_cannot_hold_shows_nothing(
    desk_that_cannot_log: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    unit, marker = new_unit(), f"PENANDA{uuid.uuid4().hex[:12]}"
    complaint_id = await unit_complaint(pool, unit, **_confidential(marker))
    answer = await desk_that_cannot_log.get(
        f"/v1/staff/complaints/{complaint_id}", headers=auth("supervisor", unit)
    )
    assert "access log" in assert_problem(answer, 503)["detail"]
    assert marker not in answer.text and "retry-after" in answer.headers
    listed = await desk_that_cannot_log.get(
        "/v1/staff/complaints", params={"unit": unit}, headers=auth("supervisor", unit)
    )
    assert_problem(listed, 503)


@pytest.mark.parametrize(
    ("trusted", "recorded"), [("127.0.0.1", "203.0.113.9"), ("10.9.9.9", "127.0.0.1")]
)
def test_the_source_is_the_forwarded_client_only_behind_a_trusted_proxy(
    pg_dsn: str, trusted: str, recorded: str
) -> None:
    settings = Settings(
        database_url=pg_dsn,
        secret_key=SECRET,
        temporal_address=f"127.0.0.1:{servers.free_port()}",
        trusted_proxies=[trusted],
    )
    user = f"p{uuid.uuid4().hex[:8]}"
    with serve(create_app(settings), http_options(settings)) as base:
        answer = httpx.get(
            f"{base}/v1/staff/complaints",
            headers={**auth("ops", user=user), "X-Forwarded-For": "203.0.113.9"},
            timeout=20,
        )
        assert answer.status_code == 200, answer.text
        found = httpx.get(
            f"{base}/v1/staff/access-log",
            params={"username": user},
            headers=auth("admin"),
            timeout=20,
        )
    assert [r["source"] for r in found.json()] == [recorded]


async def _visit_today(pool: asyncpg.Pool, complaint_id: str, inspector: str) -> None:
    """The field check a running lifecycle would have scheduled for `inspector` today."""
    await pool.execute(
        """INSERT INTO timeline (complaint_id, step, event_type, status, escalation_level,
            public, data, occurred_at)
        VALUES ($1, 'field-check-1', 'field_check_scheduled', 'in_progress', 'none', false,
            $2, now())""",
        uuid.UUID(complaint_id),
        {"inspector": inspector, "date": TODAY.isoformat(), "scope": "Baca meter"},
    )


async def test_the_inspectors_visits_record_each_complaint_with_whether_its_phone_was_shown(
    browser: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    unit = new_unit()
    inspector = await page_account(pool, "officer", unit)
    ordinary = await unit_complaint(
        pool, unit, status="in_progress", complainant={"name": "Wati", "phone": "0813999001"}
    )
    hidden = await unit_complaint(
        pool,
        unit,
        status="in_progress",
        complainant={"name": "Rahasia", "phone": "0813999002", "confidential": True},
    )
    for complaint_id in (ordinary, hidden):
        await _visit_today(pool, complaint_id, inspector)
    await sign_in(browser, inspector)
    visits = await browser.get("/visits")
    assert "0813999001" in visits.text and "0813999002" not in visits.text
    shown = dict(
        await pool.fetch(
            """SELECT complaint_id::text, identity_shown FROM access_log
            WHERE username = $1 AND action = 'read' AND detail->>'surface' = 'visits'""",
            inspector,
        )
    )
    assert shown == {ordinary: True, hidden: False}


async def test_a_file_added_and_read_over_the_api_is_in_the_log(
    pool: asyncpg.Pool, pg_dsn: str, nats_url: str
) -> None:
    settings = Settings(
        database_url=pg_dsn,
        nats_url=nats_url,
        secret_key=SECRET,
        temporal_address=f"127.0.0.1:{servers.free_port()}",
    )
    unit, user = new_unit(), f"o{uuid.uuid4().hex[:8]}"
    complaint_id = await unit_complaint(pool, unit, status="in_progress")
    url = f"/v1/staff/complaints/{complaint_id}/attachments"
    async with asgi_client(create_app(settings), "http://desk") as desk:
        uploaded = await desk.post(
            url,
            files={"photo": ("meteran rumah Wati.png", png(8, 8), "image/png")},
            headers=auth("officer", unit, user=user),
        )
        assert uploaded.status_code == 201, uploaded.text
        key = uploaded.json()[0]["key"]
        read = await desk.get(f"{url}/{key}", headers=auth("officer", unit, user=user))
        assert read.status_code == 200
        rows = await _log(desk, "auditor", username=user)
    assert [(r["action"], r["detail"]) for r in rows] == [
        ("download_attachment", {"surface": "api", "key": key}),
        ("add_attachments", {"surface": "api", "files": 1}),
    ]
    assert "Wati" not in str(rows)  # a file's name is the complainant's words: not kept
