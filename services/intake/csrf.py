"""CSRF protection of the citizen pages' forms: a signed double-submit token.

The browser holds a random value in an HttpOnly cookie; each form carries an HMAC of that
value under a key derived from ADUAN_SECRET_KEY. Another site can make the browser send the
cookie but can neither read it nor compute the HMAC, and a cookie planted from a sibling
domain fails too, because the planter cannot sign it.

The HMAC also covers the tracking session's cookie (empty without one): a token issued before
the browser followed a complaint, or while it followed another, does not act on this one."""

from __future__ import annotations

import json
import secrets

from fastapi import Request, Response

from aduan.config import Settings
from aduan.domain import signing

COOKIE = "aduan_csrf"
FIELD = "csrf"
SESSION_COOKIE = "aduan_track"  # the tracking session (routes/pages.py) tokens are bound to
_LABEL = b"aduan csrf v2"  # its own key: CSRF tokens never double as access tokens


def _key(secret: str) -> bytes:
    return signing.derive_key(secret, _LABEL)


def _sign(secret: str, value: str, session: str) -> str:
    message = json.dumps([value, session]).encode()  # unambiguous: no value runs into the other
    return signing.sign(_key(secret), message)


def _session(request: Request) -> str:
    return request.cookies.get(SESSION_COOKIE) or ""


def issue(request: Request, secret: str) -> tuple[str, str | None]:
    """The token to put in a form (bound to this browser's tracking session, if any), and a
    new cookie value to set if the browser has none."""
    value = request.cookies.get(COOKIE) or ""
    fresh = None
    if len(value) < 32:
        value = fresh = secrets.token_urlsafe(32)
    return _sign(secret, value, _session(request)), fresh


def remember(request: Request, response: Response, value: str) -> None:
    """Set the cookie whose value `issue` made up."""
    response.set_cookie(
        COOKIE, value, httponly=True, samesite="lax", path="/", secure=secure_cookies(request)
    )


def secure_cookies(request: Request) -> bool:
    """Cookies travel over HTTPS only: always in production, elsewhere when the public site or
    the request is HTTPS (behind a TLS proxy the request itself may look like plain HTTP)."""
    settings: Settings = request.app.state.settings
    return (
        settings.environment == "production"
        or request.url.scheme == "https"
        or settings.intake_link.startswith("https://")
    )


def valid(
    request: Request, submitted: str | None, secret: str, *, sessionless: bool = False
) -> bool:
    """Whether the form's token matches the browser's cookies; `sessionless` also accepts a
    token issued without a tracking session (the sign-in form, which starts a new one)."""
    value = request.cookies.get(COOKIE) or ""
    if len(value) < 32 or not submitted:
        return False
    sessions = {_session(request), ""} if sessionless else {_session(request)}
    return any(signing.matches(_sign(secret, value, session), submitted) for session in sessions)
