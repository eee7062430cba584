"""Signing in to the desk's pages through the provider's OpenID Connect server (a real local
stand-in): code flow with PKCE, state and nonce checked, role and unit from the ID token."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
import pytest_asyncio

from aduan.config import Settings
from aduan.store import accounts
from devtools import servers
from services.desk.app import create_app
from tests.support.desk import SECRET
from tests.support.http import asgi_client
from tests.support.identity import CLIENT_ID, CLIENT_SECRET, IdentityServer, identity_server


@pytest.fixture(scope="module")
def idp() -> Iterator[IdentityServer]:
    with identity_server() as server:
        yield server


@pytest_asyncio.fixture
async def browser(pg_dsn: str, idp: IdentityServer) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=pg_dsn,
        secret_key=SECRET,
        temporal_address=f"127.0.0.1:{servers.free_port()}",
        desk_public_url="http://desk",
        oidc_issuer=idp.url,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
    )
    async with asgi_client(create_app(settings), "http://desk") as client:
        yield client


async def _round_trip(browser: httpx.AsyncClient, next_path: str = "/") -> httpx.Response:
    """The browser's way: to the provider, signed in there at once, and back."""
    started = await browser.get("/login/oidc", params={"next": next_path})
    assert started.status_code == 303
    async with httpx.AsyncClient() as outside:
        at_provider = await outside.get(started.headers["location"])
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["location"])
    assert back.netloc == "desk" and back.path == "/login/oidc/callback"
    return await browser.get(f"{back.path}?{back.query}")


async def test_staff_sign_in_at_the_provider_with_its_role_and_unit(
    browser: httpx.AsyncClient, idp: IdentityServer, pool: asyncpg.Pool
) -> None:
    login = await browser.get("/login")
    assert "Masuk melalui layanan identitas" in login.text and 'type="password"' not in login.text
    name = f"sso{uuid.uuid4().hex[:8]}"
    idp.claims = {
        "sub": "s-1",
        "preferred_username": name,
        "name": "Siti SSO",
        "role": "officer",
        "unit": "penagihan",
    }
    idp.nonce = None
    signed = await _round_trip(browser, "/?status=routed")
    assert signed.status_code == 303 and signed.headers["location"] == "/?status=routed"
    queue = await browser.get("/")
    assert queue.status_code == 200 and "Siti SSO (petugas, penagihan)" in queue.text
    account = await accounts.find(pool, name)
    assert account is not None and (account.role, account.unit) == ("officer", "penagihan")


async def test_a_token_for_another_sign_in_is_refused(
    browser: httpx.AsyncClient, idp: IdentityServer
) -> None:
    idp.claims = {"sub": "s-2", "preferred_username": "mallory", "role": "admin"}
    idp.nonce = "replayed-from-elsewhere"
    refused = await _round_trip(browser)
    assert refused.status_code == 401 and "nonce" in refused.text
    assert (await browser.get("/")).status_code == 303, "no session"


async def test_a_callback_without_the_browsers_own_attempt_is_refused(
    browser: httpx.AsyncClient, idp: IdentityServer
) -> None:
    forged = await browser.get("/login/oidc/callback", params={"code": "x", "state": "y"})
    assert forged.status_code == 400 and "mulai lagi" in forged.text


async def test_a_provider_account_without_a_role_cannot_sign_in(
    browser: httpx.AsyncClient, idp: IdentityServer
) -> None:
    idp.claims = {"sub": "s-3", "preferred_username": "norole"}
    idp.nonce = None
    refused = await _round_trip(browser)
    assert refused.status_code == 401 and "role" in refused.text


async def test_password_sign_in_is_off_with_a_provider(browser: httpx.AsyncClient) -> None:
    form = await browser.get("/login")
    assert 'name="password"' not in form.text, "there is no password form at all"
    answer = await browser.post("/login", data={"username": "admin", "password": "x" * 12})
    assert answer.status_code == 403 and "gunakan layanan identitas" in answer.text
