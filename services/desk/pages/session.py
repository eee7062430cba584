"""Who is signed in: the session cookie, its idle and absolute expiry, and CSRF on forms.

A signed-in browser's forms carry its session's own CSRF token (stored with the session).
The sign-in form, shown before any session exists, carries a signed double-submit token:
an HMAC of a random cookie value, which another site can make the browser send but cannot
read or sign."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request, Response

from aduan.config import Settings
from aduan.domain import signing
from aduan.domain.errors import Forbidden
from aduan.domain.signin import SessionLimits
from aduan.domain.staff import Staff
from aduan.store import accounts
from aduan.store.accounts import Account
from services.desk import access

COOKIE = "aduan_desk"
SIGNIN_COOKIE = "aduan_desk_signin"
CSRF_FIELD = "csrf"
LIMITS = SessionLimits()
TOUCH_AFTER = timedelta(minutes=1)  # how stale the last-seen time may be (idle expiry's grain)
_LABEL = b"aduan desk sign-in csrf v1"


class SignInNeeded(Exception):
    """No valid session: the browser is sent to the sign-in page, then back to `next`."""

    def __init__(self, next: str) -> None:
        super().__init__(next)
        self.next = next


class Refused(Exception):
    """Answered with the error page saying why (`key` in the catalogue): a form without its
    CSRF token, a page the role may not see, a complaint that is not there."""

    def __init__(
        self, key: str = "desk.error.csrf", *, status: int = 403, signed: SignedIn | None = None
    ) -> None:
        super().__init__(key)
        self.key, self.status, self.signed = key, status, signed


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
            if now - found.seen_at > TOUCH_AFTER:  # not a write for every page view
                await accounts.touch_session(pool, value, now)
            return SignedIn(found.account, found.csrf, value)
        if found:
            await accounts.close_session(pool, value)
    there = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise SignInNeeded(there)


SignedInDep = Annotated[SignedIn, Depends(signed_in)]


def allowed(require: Callable[[Staff], None], key: str) -> Callable[..., Awaitable[SignedIn]]:
    """A dependency: the signed-in staff member if `require` (a rule of services/desk/access.py)
    lets them through; the error page `key` otherwise."""

    async def check(signed: SignedInDep) -> SignedIn:
        try:
            require(signed.account.staff)
        except Forbidden as exc:
            raise Refused(key, signed=signed) from exc
        return signed

    return check


AdminDep = Annotated[SignedIn, Depends(allowed(access.require_admin, "desk.error.admin"))]
WatcherDep = Annotated[SignedIn, Depends(allowed(access.require_watcher, "desk.error.ops"))]
EntryDep = Annotated[SignedIn, Depends(allowed(access.require_entry, "desk.error.entry"))]


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form's text fields."""
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


async def posted(request: Request, signed: SignedIn) -> dict[str, str]:
    """The posted form's text fields, once its CSRF token is this session's (Refused if not)."""
    fields = await form_fields(request)
    check_form(signed, fields)
    return fields


def check_form(signed: SignedIn, fields: dict[str, str]) -> None:
    """Refused unless the form carries this session's CSRF token."""
    if not signing.matches(signed.csrf, fields.get(CSRF_FIELD, "")):
        raise Refused()


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
    """Refused unless the sign-in form's token matches this browser's cookie."""
    value = request.cookies.get(SIGNIN_COOKIE) or ""
    submitted = fields.get(CSRF_FIELD, "")
    if len(value) < 32 or not submitted or not signing.matches(_sign(request, value), submitted):
        raise Refused()


def _sign(request: Request, value: str) -> str:
    settings: Settings = request.app.state.settings
    return signing.sign(signing.derive_key(settings.secret_key, _LABEL), value.encode())
