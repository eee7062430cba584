"""Signing staff in through an OpenID Connect provider: authorization code flow with PKCE.

The provider's metadata comes from its discovery document; the ID token is checked against
its published keys (signature, issuer, audience = our client id, expiry) and against the
nonce we sent. Role and unit are the token's `role` and `unit` claims, as for bearer JWTs."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from aduan.config import Settings
from aduan.domain.signin import username_problem
from aduan.domain.staff import InvalidStaff, Staff, make_staff

_ALGORITHMS = ["RS256", "ES256", "PS256", "EdDSA"]


class SignInFailed(Exception):
    """The provider refused, or answered something we cannot trust; the message says what."""


@dataclass(frozen=True)
class Attempt:
    """What the browser carries (in a signed cookie) between leaving and coming back."""

    state: str
    nonce: str
    verifier: str
    next: str


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in."""

    staff: Staff
    display_name: str
    email: str | None


class Provider:
    """One OpenID Connect provider, as ADUAN_OIDC_* configure it."""

    def __init__(self, issuer: str, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id, self.client_secret, self.redirect_uri = (
            client_id,
            client_secret,
            redirect_uri,
        )
        self._metadata: dict[str, Any] | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Provider | None:
        """The configured provider, or None when sign-in is by password."""
        if not (settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret):
            return None
        return cls(
            settings.oidc_issuer,
            settings.oidc_client_id,
            settings.oidc_client_secret,
            f"{settings.desk_link}/login/oidc/callback",
        )

    async def metadata(self) -> dict[str, Any]:
        """The discovery document (fetched once)."""
        if self._metadata is None:
            url = f"{self.issuer}/.well-known/openid-configuration"
            try:
                async with httpx.AsyncClient(timeout=10) as client:
                    answer = await client.get(url)
                answer.raise_for_status()
                self._metadata = answer.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise SignInFailed(f"the identity provider cannot be reached ({url})") from exc
        return self._metadata

    async def start(self, next_path: str) -> tuple[str, Attempt]:
        """Where to send the browser, and what to remember until it comes back."""
        attempt = Attempt(
            secrets.token_urlsafe(24),
            secrets.token_urlsafe(24),
            secrets.token_urlsafe(48),
            next_path,
        )
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": self.redirect_uri,
                "scope": "openid profile email",
                "state": attempt.state,
                "nonce": attempt.nonce,
                "code_challenge": create_s256_code_challenge(attempt.verifier),
                "code_challenge_method": "S256",
            }
        )
        return f"{(await self.metadata())['authorization_endpoint']}?{query}", attempt

    async def finish(self, code: str, attempt: Attempt) -> Identity:
        """Exchange the code (with the PKCE verifier) and check the ID token."""
        meta = await self.metadata()
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                answer = await client.post(
                    meta["token_endpoint"],
                    data={
                        "grant_type": "authorization_code",
                        "code": code,
                        "redirect_uri": self.redirect_uri,
                        "code_verifier": attempt.verifier,
                    },
                    auth=(self.client_id, self.client_secret),
                )
            answer.raise_for_status()
            id_token = answer.json()["id_token"]
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            raise SignInFailed("the identity provider did not give an ID token") from exc
        # Fetching the provider's keys blocks: off the event loop.
        return await asyncio.to_thread(self._identity, meta, str(id_token), attempt.nonce)

    def _identity(self, meta: dict[str, Any], id_token: str, nonce: str) -> Identity:
        try:
            key = jwt.PyJWKClient(meta["jwks_uri"], timeout=10).get_signing_key_from_jwt(id_token)
            claims = jwt.decode(
                id_token,
                key.key,
                algorithms=_ALGORITHMS,
                audience=self.client_id,
                issuer=meta.get("issuer", self.issuer),
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise SignInFailed(f"the ID token is not valid: {exc}") from exc
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise SignInFailed("the ID token was not issued for this sign-in (nonce)")
        username = str(claims.get("preferred_username") or claims["sub"]).strip().lower()
        problem = username_problem(username)
        if problem:
            raise SignInFailed(f"the provider's user name {username!r} cannot be used: {problem}")
        role, unit = claims.get("role"), claims.get("unit")
        try:
            staff = make_staff(username, str(role or ""), unit if isinstance(unit, str) else None)
        except InvalidStaff as exc:
            raise SignInFailed(f"the provider gave no usable role and unit: {exc}") from exc
        name = claims.get("name")
        email = claims.get("email")
        return Identity(
            staff, str(name) if name else username, str(email) if isinstance(email, str) else None
        )
