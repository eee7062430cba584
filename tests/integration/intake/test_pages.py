"""The citizen pages against real PostgreSQL: forms need their CSRF token, user text is
escaped, refusals are told in the page's language, the token stays out of URLs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest_asyncio

from aduan.config import Settings
from devtools import servers
from services.intake.app import create_app
from tests.support.http import asgi_client

SECRET = "pages-test-secret-long-enough"


@pytest_asyncio.fixture
async def intake(pg_dsn: str, nats_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=pg_dsn,
        nats_url=nats_url,
        secret_key=SECRET,
        temporal_address=f"127.0.0.1:{servers.free_port()}",
    )
    async with asgi_client(create_app(settings), "http://intake") as client:
        yield client


def hidden(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="(csrf|submission|nonce)" value="([^"]+)"', page))


async def post_form(intake: httpx.AsyncClient, path: str, **fields: str) -> httpx.Response:
    """GET the submit page for fresh tokens, then POST `fields` as the browser would."""
    tokens = hidden((await intake.get("/")).text)
    return await intake.post(path, data={**tokens, **fields})


async def submit(intake: httpx.AsyncClient, **fields: str) -> tuple[str, str]:
    answer = await post_form(intake, "/portal/complaints", description="Air mati", **fields)
    assert answer.status_code == 303, answer.text
    page = (await intake.get("/portal/receipt")).text
    code, token = (
        re.search(r'id="tracking-code">([^<]+)<', page),
        re.search(r'id="access-token">([^<]+)<', page),
    )
    assert code and token
    return code[1], token[1]


async def test_a_form_without_its_csrf_token_stores_nothing(
    intake: httpx.AsyncClient,
    pool: asyncpg.Pool,
) -> None:
    await intake.get("/")  # the browser has its CSRF cookie...
    before = await pool.fetchval("SELECT count(*) FROM complaints")
    for token in ({}, {"csrf": "0" * 64}):  # ...but the forged form lacks the matching token
        answer = await intake.post("/portal/complaints", data={"description": "x", **token})
        assert answer.status_code == 403
        assert "kedaluwarsa" in answer.text
    assert await pool.fetchval("SELECT count(*) FROM complaints") == before


async def test_what_was_typed_comes_back_escaped_with_the_fix_in_the_pages_language(
    intake: httpx.AsyncClient,
) -> None:
    fields = {
        "description": "Tagihan naik",
        "subject": "<script>alert(1)</script>",
        "email": "bukan-email",
    }
    answer = await post_form(intake, "/portal/complaints", **fields)
    assert answer.status_code == 422
    assert "<script>alert(1)</script>" not in answer.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text
    assert "Alamat e-mail tidak valid" in answer.text

    await intake.get("/?lang=en")
    english = await post_form(intake, "/portal/complaints", **fields)
    assert english.status_code == 422
    assert "This e-mail address is not valid" in english.text
    assert '<html lang="en">' in english.text


async def test_an_anonymous_complaint_keeps_no_identity(
    intake: httpx.AsyncClient,
    pool: asyncpg.Pool,
) -> None:
    code, _ = await submit(intake, name="Rudi", email="rudi@example.id", anonymous="on")
    row = await pool.fetchrow(
        "SELECT channel, language, complainant FROM complaints WHERE tracking_code = $1", code
    )
    assert (row["channel"], row["language"]) == ("web", "id")
    assert row["complainant"]["anonymous"] is True
    assert row["complainant"]["name"] is None and row["complainant"]["email"] is None


async def test_tracking_keeps_the_token_out_of_urls_and_refuses_in_words(
    intake: httpx.AsyncClient,
) -> None:
    code, token = await submit(intake)
    intake.cookies.delete("aduan_track")
    assert 'name="token"' in (await intake.get("/track")).text  # not followed: the form

    wrong = await post_form(intake, "/track", tracking_code=code, token="f" * 32)
    assert wrong.status_code == 404
    assert "tidak cocok" in wrong.text
    opened = await post_form(intake, "/track", tracking_code=code.lower(), token=token)
    assert opened.status_code == 303
    assert token not in opened.headers["location"]

    page = await intake.get("/track")
    assert code in page.text and "Diterima" in page.text
    assert token not in page.text  # the tracking page never shows the token again

    # Replies are refused while nobody asked for information; an empty one in words first.
    empty = await intake.post("/track/actions/replies", data={**hidden(page.text), "message": "  "})
    assert empty.status_code == 422
    assert "Tuliskan pesan Anda terlebih dahulu" in empty.text

    await intake.post("/track/forget", data=hidden(page.text))
    assert 'name="token"' in (await intake.get("/track")).text


async def test_a_form_token_acts_only_in_the_tracking_session_it_was_issued_in(
    intake: httpx.AsyncClient,
) -> None:
    first, first_token = await submit(intake)
    second, second_token = await submit(intake)
    intake.cookies.delete("aduan_track")
    before = hidden((await intake.get("/track")).text)  # the sign-in form: no session yet
    opened = await intake.post(
        "/track", data={**before, "tracking_code": first, "token": first_token}
    )
    assert opened.status_code == 303  # signing in takes the token from before the session

    empty_reply = {"message": "  "}  # refused in words (422) once past the CSRF check
    stale = await intake.post("/track/actions/replies", data={**before, **empty_reply})
    assert stale.status_code == 403 and "kedaluwarsa" in stale.text
    mine = hidden((await intake.get("/track")).text)  # rendered with the session's cookie
    assert (
        await intake.post("/track/actions/replies", data={**mine, **empty_reply})
    ).status_code == 422

    switched = await intake.post(
        "/track", data={**mine, "tracking_code": second, "token": second_token}
    )
    assert switched.status_code == 303
    other = await intake.post("/track/actions/replies", data={**mine, **empty_reply})
    assert other.status_code == 403 and "kedaluwarsa" in other.text  # the first one's token
    forget = await intake.post("/track/forget", data=mine)
    assert second in (await intake.get("/track")).text and forget.status_code == 303


async def test_in_production_every_cookie_is_secure_even_over_plain_http(
    pg_dsn: str,
    nats_url: str,
) -> None:
    # TLS ends at the proxy: the request looks like plain HTTP and no public URL is set.
    settings = Settings(
        database_url=pg_dsn,
        nats_url=nats_url,
        environment="production",
        secret_key="production-pages-secret-" + "x" * 16,
        temporal_address=f"127.0.0.1:{servers.free_port()}",
    )
    async with asgi_client(create_app(settings), "http://intake") as client:
        page = await client.get("/?lang=en")  # the CSRF and the language cookies
        # The client keeps Secure cookies off plain HTTP, as a browser would: sent by hand.
        browser = f"aduan_csrf={page.cookies['aduan_csrf']}"
        answer = await client.post(
            "/portal/complaints",
            data={**hidden(page.text), "description": "Air mati"},
            headers={"Cookie": browser},
        )
        assert answer.status_code == 303, answer.text
        browser += f"; aduan_track={answer.cookies['aduan_track']}"
        tracked = await client.get("/track", headers={"Cookie": browser})
        forget = await client.post(
            "/track/forget", data=hidden(tracked.text), headers={"Cookie": browser}
        )
    answers = (page, answer, tracked, forget)
    cookies = [cookie for one in answers for cookie in one.headers.get_list("set-cookie")]
    assert sorted(cookie.split("=")[0] for cookie in cookies) == [
        "aduan_csrf",
        "aduan_lang",
        "aduan_track",
        "aduan_track",
        "aduan_track",
    ]
    assert 'aduan_track=""' in cookies[-1]  # forgotten: the cookie is cleared
    assert all("; secure" in cookie.lower() for cookie in cookies), cookies
