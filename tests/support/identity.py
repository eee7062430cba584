"""A stand-in for a provider's OpenID Connect server, served on a real port: discovery, an
authorization endpoint that signs in whoever the test names at once, a token endpoint that
checks the client and the PKCE verifier, and its signing keys."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse

from tests.support.http import serve

CLIENT_ID, CLIENT_SECRET = "aduan-desk", "desk-client-secret"


@dataclass
class IdentityServer:
    """The provider: `claims` are who signs in next; `nonce` set replaces the one asked for."""

    url: str = ""
    claims: dict[str, Any] = field(default_factory=dict)
    nonce: str | None = None
    codes: dict[str, dict[str, str]] = field(default_factory=dict)


@contextmanager
def identity_server() -> Iterator[IdentityServer]:
    """Serve the provider until the block ends."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = {**jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": "k1"}
    idp = IdentityServer()
    app = FastAPI()

    @app.get("/.well-known/openid-configuration")
    async def discovery() -> dict[str, str]:
        return {
            "issuer": idp.url,
            "authorization_endpoint": f"{idp.url}/authorize",
            "token_endpoint": f"{idp.url}/token",
            "jwks_uri": f"{idp.url}/jwks",
        }

    @app.get("/authorize")
    async def authorize(request: Request) -> RedirectResponse:
        asked = dict(request.query_params)
        code = secrets.token_urlsafe(16)
        idp.codes[code] = asked
        query = urlencode({"code": code, "state": asked["state"]})
        return RedirectResponse(f"{asked['redirect_uri']}?{query}", status_code=302)

    @app.post("/token")
    async def token(
        request: Request, code: str = Form(), code_verifier: str = Form()
    ) -> JSONResponse:
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        asked = idp.codes.pop(code, None)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if request.headers.get("authorization") != f"Basic {basic}" or asked is None:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if challenge != asked["code_challenge"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        claims = {
            "iss": idp.url,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": idp.nonce or asked["nonce"],
            **idp.claims,
        }
        signed = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
        return JSONResponse({"access_token": "x", "token_type": "Bearer", "id_token": signed})

    @app.get("/jwks")
    async def jwks() -> dict[str, Any]:
        return {"keys": [jwk]}

    with serve(app) as url:
        idp.url = url
        yield idp
