"""CSRF protection of the citizen pages' forms: a signed double-submit token.

The browser holds a random value in an HttpOnly cookie; each form carries an HMAC of that
value under a key derived from ADUAN_SECRET_KEY. Another site can make the browser send the
cookie but can neither read it nor compute the HMAC, and a cookie planted from a sibling
domain fails too, because the planter cannot sign it."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from aduan.config import Settings

COOKIE = "aduan_csrf"
FIELD = "csrf"
_LABEL = b"aduan csrf v1"  # its own key: CSRF tokens never double as access tokens


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _LABEL, hashlib.sha256).digest()


def _sign(secret: str, value: str) -> str:
    return hmac.new(_key(secret), value.encode(), hashlib.sha256).hexdigest()


def issue(request: Request, secret: str) -> tuple[str, str | None]:
    """The token to put in a form, and a new cookie value to set if the browser has none."""
    value = request.cookies.get(COOKIE) or ""
    fresh = None
    if len(value) < 32:
        value = fresh = secrets.token_urlsafe(32)
    return _sign(secret, value), fresh


def remember(request: Request, response: Response, value: str) -> None:
    """Set the cookie whose value `issue` made up."""
    response.set_cookie(COOKIE, value, httponly=True, samesite="lax", path="/",
                        secure=secure_cookies(request))


def secure_cookies(request: Request) -> bool:
    """Cookies travel over HTTPS only, when the public site is HTTPS (behind a TLS proxy the
    request itself may look like plain HTTP)."""
    settings: Settings = request.app.state.settings
    return request.url.scheme == "https" or settings.intake_link.startswith("https://")


def valid(request: Request, submitted: str | None, secret: str) -> bool:
    """Whether the form's token matches the browser's cookie."""
    value = request.cookies.get(COOKIE) or ""
    if len(value) < 32 or not submitted:
        return False
    return hmac.compare_digest(_sign(secret, value).encode(), submitted.encode())
