"""Who is signed in: the session cookie, its idle and absolute expiry, and CSRF on forms.

A signed-in browser's forms carry its session's own CSRF token (stored with the session).
The sign-in form, shown before any session exists, carries a signed double-submit token:
an HMAC of a random cookie value, which another site can make the browser send but cannot
read or sign."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request, Response

from aduan.config import Settings
from aduan.domain import signing
from aduan.domain.signin import SessionLimits
from aduan.store import accounts
from aduan.store.accounts import Account

COOKIE = "aduan_desk"
SIGNIN_COOKIE = "aduan_desk_signin"
CSRF_FIELD = "csrf"
LIMITS = SessionLimits()
_LABEL = b"aduan desk sign-in csrf v1"


class SignInNeeded(Exception):
    """No valid session: the browser is sent to the sign-in page, then back to `next`."""

    def __init__(self, next: str) -> None:
        super().__init__(next)
        self.next = next


class FormRefused(Exception):
    """A form without the right CSRF token: refused with a page saying so."""

    def __init__(self, key: str = "desk.error.csrf") -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class SignedIn:
    """The staff member behind this request, and the CSRF token their forms carry."""

    account: Account
    csrf: str
    cookie: str


def secure(request: Request) -> bool:
    """Cookies over HTTPS only: in production, or when the request came over HTTPS."""
    settings: Settings = request.app.state.settings
    return settings.environment == "production" or request.url.scheme == "https"


async def signed_in(request: Request) -> SignedIn:
    """The session the cookie opens, if it is alive; SignInNeeded otherwise."""
    value = request.cookies.get(COOKIE)
    if value:
        pool = request.app.state.pool
        found = await accounts.session(pool, value)
        now = datetime.now(UTC)
        if found and LIMITS.alive(found.created_at, found.seen_at, now):
            await accounts.touch_session(pool, value, now)
            return SignedIn(found.account, found.csrf, value)
        if found:
            await accounts.close_session(pool, value)
    there = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise SignInNeeded(there)


SignedInDep = Annotated[SignedIn, Depends(signed_in)]


def check_form(signed: SignedIn, fields: dict[str, str]) -> None:
    """FormRefused unless the form carries this session's CSRF token."""
    if not signing.matches(signed.csrf, fields.get(CSRF_FIELD, "")):
        raise FormRefused()


def open_cookie(request: Request, response: Response, value: str) -> None:
    """Set the session cookie; it lasts as long as the session may (absolute expiry)."""
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(LIMITS.absolute.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure(request),
        path="/",
    )
    response.delete_cookie(SIGNIN_COOKIE, path="/")


def signin_token(request: Request) -> tuple[str, str | None]:
    """The sign-in form's CSRF token, and a new cookie value if the browser has none."""
    value = request.cookies.get(SIGNIN_COOKIE) or ""
    fresh = None
    if len(value) < 32:
        value = fresh = secrets.token_urlsafe(32)
    return _sign(request, value), fresh


def remember_signin(request: Request, response: Response, value: str) -> None:
    """Set the cookie whose value `signin_token` made up."""
    response.set_cookie(
        SIGNIN_COOKIE, value, httponly=True, samesite="lax", secure=secure(request), path="/"
    )


def check_signin_form(request: Request, fields: dict[str, str]) -> None:
    """FormRefused unless the sign-in form's token matches this browser's cookie."""
    value = request.cookies.get(SIGNIN_COOKIE) or ""
    submitted = fields.get(CSRF_FIELD, "")
    if len(value) < 32 or not submitted or not signing.matches(_sign(request, value), submitted):
        raise FormRefused()


def _sign(request: Request, value: str) -> str:
    settings: Settings = request.app.state.settings
    return signing.sign(signing.derive_key(settings.secret_key, _LABEL), value.encode())
