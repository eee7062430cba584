"""Staff tokens (JSON Web Tokens) carrying a user, a role and a unit: issued and verified.

The embedded default signs HS256 tokens with a key derived from ADUAN_SECRET_KEY
(`aduan token` issues them); production may instead trust an OIDC issuer's key set (JWKS).
"""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import structlog

from aduan.config import Settings
from aduan.domain import signing
from aduan.domain.staff import InvalidStaff, Staff, make_staff

log = structlog.get_logger(__name__)

ALGORITHM = "HS256"
DEFAULT_LIFETIME = timedelta(hours=8)  # one working day
# Asymmetric algorithms only: an issuer's public key must never double as an HMAC secret.
REMOTE_ALGORITHMS = [
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
]
_LEEWAY = timedelta(seconds=30)  # clock skew between the issuer and us
# The issuer's key set is fetched at most this often, whatever key ids tokens name: a
# stranger's random `kid`s must not make desk hammer the identity provider.
JWKS_REFRESH_S = 60.0
_KEY_LABEL = b"aduan staff token v1"


class InvalidToken(Exception):
    """The token is malformed, forged, expired, or lacks what a staff member needs."""


class IssuerUnavailable(Exception):
    """The identity provider's key set could not be fetched."""


def signing_key(secret: str) -> bytes:
    """The HS256 key: derived, so staff tokens and complainant tokens never share a key."""
    return signing.derive_key(secret, _KEY_LABEL)


def issue_token(
    staff: Staff,
    secret: str,
    *,
    lifetime: timedelta = DEFAULT_LIFETIME,
    now: datetime | None = None,
    issuer: str = "",
    audience: str = "",
) -> str:
    """A signed token for `staff`, valid for `lifetime` from `now`."""
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": staff.user,
        "role": str(staff.role),
        "iat": issued,
        "exp": issued + lifetime,
    }
    if staff.unit:
        claims["unit"] = staff.unit
    if issuer:
        claims["iss"] = issuer
    if audience:
        claims["aud"] = audience
    return jwt.encode(claims, signing_key(secret), algorithm=ALGORITHM)


class _IssuerKeys:
    """The issuer's signing keys by key id, fetched at most once per `refresh_s`.

    Between fetches an unknown key id is refused without asking the issuer; a failed fetch
    keeps the keys we had, so an issuer outage does not lock staff out."""

    def __init__(self, url: str, refresh_s: float = JWKS_REFRESH_S) -> None:
        # PyJWKClient only fetches and parses: its own caches refetch on unknown key ids
        # (after a cooldown, in recent versions) and keep keys the issuer has dropped.
        self._client = jwt.PyJWKClient(url, cache_jwk_set=False, timeout=5)
        self._refresh_s = refresh_s
        self._keys: dict[str, jwt.PyJWK] | None = None
        self._fetched_at = -math.inf  # monotonic time of the last attempt, failed or not
        self._lock = threading.Lock()  # desk verifies in threads: one fetch for all of them

    def get(self, kid: object) -> jwt.PyJWK:
        """The key named `kid`: PyJWKClientError if the issuer has none of that id,
        PyJWKClientConnectionError if no key set could be fetched yet."""
        with self._lock:
            if time.monotonic() - self._fetched_at >= self._refresh_s:
                self._fetched_at = time.monotonic()
                try:
                    self._keys = {str(key.key_id): key for key in self._client.get_signing_keys()}
                except jwt.PyJWTError:
                    if self._keys is None:
                        raise
                    log.warning("auth.jwks_refresh_failed", exc_info=True)
            keys = self._keys
        if keys is None:  # the first fetch failed less than `refresh_s` ago
            raise jwt.PyJWKClientConnectionError("the issuer's key set is not available yet")
        key = keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise jwt.PyJWKClientError("no signing key of the issuer has this key id")
        return key


class TokenVerifier:
    """Checks a bearer token: our own HS256 key, or the JWKS issuer's keys when configured."""

    def __init__(
        self,
        secret: str,
        *,
        jwks_url: str = "",
        issuer: str = "",
        audience: str = "",
        jwks_refresh_s: float = JWKS_REFRESH_S,
    ) -> None:
        self._secret_key = signing_key(secret)
        self.issuer, self.audience = issuer, audience
        # With an issuer configured, only its tokens count: a leaked dev secret must not
        # open a production desk.
        self._jwks = _IssuerKeys(jwks_url, jwks_refresh_s) if jwks_url else None

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenVerifier:
        """The verifier ADUAN_SECRET_KEY and ADUAN_JWT_* describe."""
        return cls(
            settings.secret_key,
            jwks_url=settings.jwt_jwks_url,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )

    @property
    def remote(self) -> bool:
        """True when verifying may fetch keys over the network (callers run it in a thread)."""
        return self._jwks is not None

    def verify(self, token: str) -> Staff:
        """The staff member a token names; InvalidToken (or IssuerUnavailable) otherwise."""
        try:
            key, algorithms = self._key(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                issuer=self.issuer or None,
                audience=self.audience or None,
                leeway=_LEEWAY,
                options={"require": self._required()},
            )
        except jwt.PyJWKClientConnectionError as exc:
            raise IssuerUnavailable("the identity provider's keys cannot be fetched") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"the token is not valid: {exc}") from exc
        return _staff_from(claims)

    def _key(self, token: str) -> tuple[Any, list[str]]:
        if self._jwks is None:
            return self._secret_key, [ALGORITHM]
        return self._jwks.get(jwt.get_unverified_header(token).get("kid")).key, REMOTE_ALGORITHMS

    def _required(self) -> list[str]:
        return ["exp", "sub"] + ["iss"] * bool(self.issuer) + ["aud"] * bool(self.audience)


def _staff_from(claims: dict[str, Any]) -> Staff:
    role, unit = claims.get("role"), claims.get("unit")
    if not isinstance(role, str) or not (unit is None or isinstance(unit, str)):
        raise InvalidToken("the token's role and unit must be strings")
    try:
        return make_staff(str(claims["sub"]), role, unit)
    except InvalidStaff as exc:
        raise InvalidToken(f"the token is not valid: {exc}") from exc


def verify_token(token: str, secret: str, *, issuer: str = "", audience: str = "") -> Staff:
    """Verify a token signed for the embedded default (HS256 with `secret`)."""
    return TokenVerifier(secret, issuer=issuer, audience=audience).verify(token)
