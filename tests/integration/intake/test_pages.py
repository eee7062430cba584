"""The citizen pages against real PostgreSQL: forms need their CSRF token, user text is
escaped, refusals are told in the page's language, the token stays out of URLs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest_asyncio

from aduan import devstack
from aduan.config import Settings
from services.intake.app import create_app
from tests.conftest import asgi_client

SECRET = "pages-test-secret-long-enough"


@pytest_asyncio.fixture
async def intake(pg_dsn: str, nats_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=pg_dsn, nats_url=nats_url, secret_key=SECRET,
                        temporal_address=f"127.0.0.1:{devstack.free_port()}")
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
    code, token = re.search(r'id="tracking-code">([^<]+)<', page), \
        re.search(r'id="access-token">([^<]+)<', page)
    assert code and token
    return code[1], token[1]


async def test_a_form_without_its_csrf_token_stores_nothing(
    intake: httpx.AsyncClient, pool: asyncpg.Pool,
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
    fields = {"description": "Tagihan naik", "subject": "<script>alert(1)</script>",
              "email": "bukan-email"}
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
    intake: httpx.AsyncClient, pool: asyncpg.Pool,
) -> None:
    code, _ = await submit(intake, name="Rudi", email="rudi@example.id", anonymous="on")
    row = await pool.fetchrow("SELECT channel, language, complainant FROM complaints"
                              " WHERE tracking_code = $1", code)
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
    empty = await intake.post("/track/actions/replies", data={**hidden(page.text),
                                                                "message": "  "})
    assert empty.status_code == 422
    assert "Tuliskan pesan Anda terlebih dahulu" in empty.text

    await intake.post("/track/forget", data=hidden(page.text))
    assert 'name="token"' in (await intake.get("/track")).text
