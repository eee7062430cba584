"""Signing in and out: with a password (growing delays after wrong ones, then a lock), or
through the identity provider when ADUAN_OIDC_* are set."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from aduan.adapters.oidc import Attempt, Provider, SignInFailed
from aduan.adapters.passwords import verify_password
from aduan.domain import signing
from aduan.domain.access_log import Access
from aduan.domain.signin import delay_after
from aduan.store import accounts
from services.desk import audit
from services.desk.pages import render
from services.desk.pages.session import (
    COOKIE,
    SignedInDep,
    check_signin_form,
    form_fields,
    open_cookie,
    posted,
    remember_signin,
    secure,
    signin_token,
)

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    # Only a path of this site: never another host ("//evil", "https://...").
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _form_page(
    request: Request,
    next_path: str,
    *,
    status: int = 200,
    error: str | None = None,
    username: str = "",
    until: datetime | None = None,
    detail: str = "",
) -> HTMLResponse:
    token, fresh = signin_token(request)
    response = render.page(
        request,
        "login.html",
        None,
        status=status,
        error=error,
        until=until,
        detail=detail,
        provider=request.app.state.oidc,
        next=next_path,
        username=username,
        signin_csrf=token,
    )
    if fresh:
        remember_signin(request, response, fresh)
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_form(
    request: Request, next: Annotated[str | None, Query(max_length=2000)] = None
) -> HTMLResponse:
    """The sign-in form."""
    return _form_page(request, _safe_next(next))


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    """Check the password; a session cookie and the page asked for, or the form again."""
    if request.app.state.oidc is not None:  # staff sign in at the provider, not here
        return _form_page(request, "/", status=403, error="desk.login.use_provider")
    fields = await form_fields(request)
    check_signin_form(request, fields)
    username = fields.get("username", "").strip().lower()[:64]
    password = fields.get("password", "")[:1024]
    next_path = _safe_next(fields.get("next"))
    pool = request.app.state.pool
    now = datetime.now(UTC)
    account = await accounts.find(pool, username)
    if account is not None and account.active and account.locked(now):
        return _form_page(
            request,
            next_path,
            status=429,
            error="desk.login.locked",
            username=username,
            until=account.locked_until,
        )
    stored = await accounts.password_hash(pool, username)
    right = await run_in_threadpool(verify_password, stored, password)  # Argon2: ~50 ms CPU
    if not right or account is None or not account.active:
        failures = await accounts.failed_signin(pool, username, now) if account else 0
        await asyncio.sleep(delay_after(failures))  # guessing slows down before the lock
        return _form_page(
            request, next_path, status=401, error="desk.login.wrong", username=username
        )
    await audit.record(request, account.staff, Access.SIGN_IN, surface="page", method="password")
    value, _ = await accounts.open_session(pool, username, now)
    response = RedirectResponse(next_path, status_code=303)
    open_cookie(request, response, value)
    return response


@router.post("/logout")
async def logout(request: Request, signed: SignedInDep) -> Response:
    """End this browser's session."""
    await posted(request, signed)
    # The session ends first: a log that cannot be written must not keep anyone signed in.
    await accounts.close_session(request.app.state.pool, signed.cookie)
    await audit.record(request, signed.account.staff, Access.SIGN_OUT, surface="page")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


# Through the identity provider (ADUAN_OIDC_*) --------------------------------------------

OIDC_COOKIE = "aduan_desk_oidc"
_OIDC_LABEL = b"aduan desk oidc attempt v1"
_OIDC_SECONDS = 600  # to sign in at the provider and come back


def _attempt_cookie(request: Request, attempt: Attempt) -> str:
    settings = request.app.state.settings
    body = json.dumps([attempt.state, attempt.nonce, attempt.verifier, attempt.next, time.time()])
    mac = signing.sign(signing.derive_key(settings.secret_key, _OIDC_LABEL), body.encode())
    return f"{base64.urlsafe_b64encode(body.encode()).decode()}.{mac}"


def _attempt_of(request: Request) -> Attempt | None:
    settings = request.app.state.settings
    raw = request.cookies.get(OIDC_COOKIE, "")
    encoded, _, mac = raw.partition(".")
    try:
        body = base64.urlsafe_b64decode(encoded.encode()).decode()
        key = signing.derive_key(settings.secret_key, _OIDC_LABEL)
        if not signing.matches(signing.sign(key, body.encode()), mac):
            return None
        state, nonce, verifier, next_path, started = json.loads(body)
    except ValueError:
        return None
    if time.time() - float(started) > _OIDC_SECONDS:
        return None
    return Attempt(str(state), str(nonce), str(verifier), _safe_next(str(next_path)))


@router.get("/login/oidc")
async def oidc_start(
    request: Request, next: Annotated[str | None, Query(max_length=2000)] = None
) -> Response:
    """Off to the identity provider, with a fresh state, nonce and PKCE verifier."""
    provider: Provider | None = request.app.state.oidc
    if provider is None:
        return RedirectResponse("/login", status_code=303)
    try:
        url, attempt = await provider.start(_safe_next(next))
    except SignInFailed as exc:
        return _form_page(request, "/", status=503, error="desk.login.provider", detail=str(exc))
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        OIDC_COOKIE,
        _attempt_cookie(request, attempt),
        max_age=_OIDC_SECONDS,
        httponly=True,
        samesite="lax",  # the provider sends the browser back with a top-level GET
        secure=secure(request),
        path="/login/oidc",
    )
    return response


@router.get("/login/oidc/callback")
async def oidc_callback(
    request: Request,
    code: Annotated[str | None, Query(max_length=4000)] = None,
    state: Annotated[str | None, Query(max_length=200)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Back from the provider: check state, exchange the code, open a session."""
    provider: Provider | None = request.app.state.oidc
    attempt = _attempt_of(request)
    if (
        provider is None
        or attempt is None
        or not state
        or not signing.matches(attempt.state, state)
    ):
        return _form_page(request, "/", status=400, error="desk.login.provider_again")
    if error or not code:
        return _form_page(
            request, attempt.next, status=401, error="desk.login.provider", detail=error or ""
        )
    try:
        identity = await provider.finish(code, attempt)
    except SignInFailed as exc:
        return _form_page(
            request, attempt.next, status=401, error="desk.login.provider", detail=str(exc)
        )
    pool = request.app.state.pool
    account = await accounts.from_provider(
        pool, identity.staff, display_name=identity.display_name, email=identity.email
    )
    if account is None:
        return _form_page(request, attempt.next, status=401, error="desk.login.disabled")
    await audit.record(request, account.staff, Access.SIGN_IN, surface="page", method="oidc")
    value, _ = await accounts.open_session(pool, account.username, datetime.now(UTC))
    response = RedirectResponse(attempt.next, status_code=303)
    open_cookie(request, response, value)
    response.delete_cookie(OIDC_COOKIE, path="/login/oidc")
    return response
