"""Signing in and out with a password: growing delays after wrong ones, then a lock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from aduan.adapters.passwords import verify_password
from aduan.domain.signin import delay_after
from aduan.store import accounts
from services.desk.pages import render
from services.desk.pages.session import (
    COOKIE,
    SignedInDep,
    check_form,
    check_signin_form,
    open_cookie,
    remember_signin,
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
) -> HTMLResponse:
    token, fresh = signin_token(request)
    response = render.page(
        request,
        "login.html",
        None,
        status=status,
        error=error,
        until=until,
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
    fields = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
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
    value, _ = await accounts.open_session(pool, username, now)
    response = RedirectResponse(next_path, status_code=303)
    open_cookie(request, response, value)
    return response


@router.post("/logout")
async def logout(request: Request, signed: SignedInDep) -> Response:
    """End this browser's session."""
    check_form(signed, {k: v for k, v in (await request.form()).items() if isinstance(v, str)})
    await accounts.close_session(request.app.state.pool, signed.cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
