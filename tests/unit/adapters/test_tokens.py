"""Staff tokens: what aduan.adapters.tokens issues verifies; expired, forged or incomplete ones
do not."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from aduan.adapters.tokens import (
    InvalidToken,
    IssuerUnavailable,
    TokenVerifier,
    issue_token,
    signing_key,
    verify_token,
)
from aduan.domain.staff import InvalidStaff, Role, Staff, make_staff
from devtools import servers

SECRET = "unit-test-secret-long-enough-for-hs256"
OFFICER = Staff(user="budi", role=Role.OFFICER, unit="penagihan")


def _signed(claims: dict[str, Any], secret: str = SECRET) -> str:
    """A token with exactly these claims, signed as the embedded default signs."""
    return jwt.encode(claims, signing_key(secret), algorithm="HS256")


def _in(hours: float) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


# --- issuing and verifying ------------------------------------------------------------


def test_an_issued_token_names_the_staff_member_it_was_issued_for() -> None:
    assert verify_token(issue_token(OFFICER, SECRET), SECRET) == OFFICER
    admin = Staff(user="root", role=Role.ADMIN)
    assert verify_token(issue_token(admin, SECRET), SECRET) == admin


def test_issuer_and_audience_are_issued_and_checked() -> None:
    token = issue_token(OFFICER, SECRET, issuer="https://sso.example.id", audience="aduan-desk")
    assert (
        verify_token(token, SECRET, issuer="https://sso.example.id", audience="aduan-desk")
        == OFFICER
    )
    with pytest.raises(InvalidToken):
        verify_token(token, SECRET, issuer="https://other.example.id", audience="aduan-desk")
    with pytest.raises(InvalidToken):
        verify_token(token, SECRET, issuer="https://sso.example.id", audience="elsewhere")
    with pytest.raises(InvalidToken):  # an issuer is configured: a token without one fails
        verify_token(issue_token(OFFICER, SECRET), SECRET, issuer="https://sso.example.id")


def test_the_signing_key_is_not_the_secret_itself() -> None:
    # Complainant access tokens are HMACs with the raw secret; staff tokens use their own key.
    raw = jwt.encode({"sub": "x", "role": "admin", "exp": _in(1)}, SECRET, algorithm="HS256")
    with pytest.raises(InvalidToken):
        verify_token(raw, SECRET)
    assert len(signing_key(SECRET)) == 32


# --- refused tokens --------------------------------------------------------------------


def test_an_expired_token_is_refused() -> None:
    token = issue_token(OFFICER, SECRET, lifetime=timedelta(hours=8), now=_in(-9))
    with pytest.raises(InvalidToken, match="expired"):
        verify_token(token, SECRET)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    with pytest.raises(InvalidToken, match=r"[Ss]ignature"):
        verify_token(issue_token(OFFICER, "another-secret"), SECRET)


def test_a_tampered_token_is_refused() -> None:
    header, _payload, signature = issue_token(OFFICER, SECRET).split(".")
    forged_payload = jwt.utils.base64url_encode(
        b'{"sub":"budi","role":"admin","exp":4102444800}'
    ).decode()
    with pytest.raises(InvalidToken):
        verify_token(f"{header}.{forged_payload}.{signature}", SECRET)


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c"])
def test_garbage_is_refused(token: str) -> None:
    with pytest.raises(InvalidToken):
        verify_token(token, SECRET)


def test_an_unsigned_token_is_refused() -> None:
    token = jwt.encode({"sub": "budi", "role": "admin", "exp": _in(1)}, None, algorithm="none")
    with pytest.raises(InvalidToken):
        verify_token(token, SECRET)


@pytest.mark.parametrize("missing", ["sub", "role", "exp"])
def test_a_token_missing_a_claim_is_refused(missing: str) -> None:
    claims: dict[str, Any] = {"sub": "budi", "role": "admin", "exp": _in(1)}
    del claims[missing]
    with pytest.raises(InvalidToken):
        verify_token(_signed(claims), SECRET)


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "budi", "role": "boss"},
        {"sub": "budi", "role": "officer"},
        {"sub": "budi", "role": "supervisor", "unit": ""},
        {"sub": "budi", "role": ["admin"]},
        {"sub": "budi", "role": "officer", "unit": 7},
    ],
    ids=[
        "unknown-role",
        "officer-without-unit",
        "supervisor-blank-unit",
        "role-not-a-string",
        "unit-not-a-string",
    ],
)
def test_a_token_with_an_impossible_role_or_unit_is_refused(claims: dict[str, Any]) -> None:
    with pytest.raises(InvalidToken):
        verify_token(_signed({**claims, "exp": _in(1)}), SECRET)


# --- make_staff -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "role", "unit"),
    [
        ("budi", "boss", "penagihan"),
        ("budi", "officer", None),
        ("budi", "supervisor", "  "),
        ("  ", "admin", None),
    ],
)
def test_make_staff_refuses_what_no_staff_member_can_be(
    user: str, role: str, unit: str | None
) -> None:
    with pytest.raises(InvalidStaff):
        make_staff(user, role, unit)


def test_make_staff_accepts_ops_and_admin_without_a_unit() -> None:
    assert make_staff("ani", "ops") == Staff(user="ani", role=Role.OPS)
    assert make_staff("budi", "officer", "penagihan") == OFFICER


# --- an OIDC issuer's key set ------------------------------------------------------------


@pytest.fixture(scope="module")
def issuer_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Issuer:
    """A real local HTTP server publishing a key set, counting how often it is fetched."""

    url: str = ""
    keys: list[dict[str, Any]] = field(default_factory=list)
    fetches: int = 0  # attempts, answered or not
    down: bool = False  # answer 503

    def publish(self, *keys: rsa.RSAPrivateKey | tuple[str, rsa.RSAPrivateKey]) -> None:
        """Serve these keys from now on (a bare key gets kid "k1")."""
        named = [k if isinstance(k, tuple) else ("k1", k) for k in keys]
        self.keys = [
            {**RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid, "use": "sig"}
            for kid, key in named
        ]


@pytest.fixture
def issuer(issuer_key: rsa.RSAPrivateKey) -> Iterator[Issuer]:
    served = Issuer()
    served.publish(issuer_key)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.fetches += 1
            body = json.dumps({"keys": served.keys}).encode()
            self.send_response(503 if served.down else 200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", servers.free_port()), Handler)
    served.url = f"http://127.0.0.1:{server.server_address[1]}/jwks"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield served
    server.shutdown()
    server.server_close()


def _verifier(issuer: Issuer, **options: Any) -> TokenVerifier:
    return TokenVerifier(
        SECRET,
        jwks_url=issuer.url,
        issuer="https://sso.example.id",
        audience="aduan-desk",
        **options,
    )


@pytest.fixture
def jwks_verifier(issuer: Issuer) -> TokenVerifier:
    return _verifier(issuer)


def _from_issuer(key: rsa.RSAPrivateKey, kid: str = "k1", **claims: Any) -> str:
    base = {
        "sub": "siti",
        "role": "supervisor",
        "unit": "penagihan",
        "exp": _in(1),
        "iss": "https://sso.example.id",
        "aud": "aduan-desk",
    }
    return jwt.encode({**base, **claims}, key, algorithm="RS256", headers={"kid": kid})


SITI = Staff(user="siti", role=Role.SUPERVISOR, unit="penagihan")


def test_with_a_jwks_issuer_its_tokens_are_verified_with_its_keys(
    jwks_verifier: TokenVerifier, issuer_key: rsa.RSAPrivateKey
) -> None:
    assert jwks_verifier.remote
    assert jwks_verifier.verify(_from_issuer(issuer_key)) == SITI
    with pytest.raises(InvalidToken):
        jwks_verifier.verify(_from_issuer(issuer_key, aud="someone-else"))


def test_with_a_jwks_issuer_tokens_signed_with_the_secret_are_refused(
    jwks_verifier: TokenVerifier,
) -> None:
    token = issue_token(OFFICER, SECRET, issuer="https://sso.example.id", audience="aduan-desk")
    with pytest.raises(InvalidToken):
        jwks_verifier.verify(token)
    # Even naming the issuer's key id: an HMAC header must not meet an RSA key.
    confused = jwt.encode(
        {"sub": "x", "role": "admin", "exp": _in(1)},
        signing_key(SECRET),
        algorithm="HS256",
        headers={"kid": "k1"},
    )
    with pytest.raises(InvalidToken):
        jwks_verifier.verify(confused)


def test_an_unreachable_issuer_is_unavailable_not_a_bad_token(
    issuer_key: rsa.RSAPrivateKey,
) -> None:
    verifier = TokenVerifier(SECRET, jwks_url=f"http://127.0.0.1:{servers.free_port()}/jwks")
    with pytest.raises(IssuerUnavailable):
        verifier.verify(_from_issuer(issuer_key))
    with pytest.raises(IssuerUnavailable):  # until the next refresh, without trying again
        verifier.verify(_from_issuer(issuer_key))


def test_random_key_ids_do_not_make_the_issuer_fetched_again(
    issuer: Issuer, issuer_key: rsa.RSAPrivateKey
) -> None:
    verifier = _verifier(issuer)
    for _ in range(200):
        with pytest.raises(InvalidToken):
            verifier.verify(_from_issuer(issuer_key, kid=uuid.uuid4().hex))

    assert issuer.fetches <= 1
    assert verifier.verify(_from_issuer(issuer_key)) == SITI
    assert issuer.fetches == 1


def _eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll `check` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the verifier never refreshed the key set"
        time.sleep(0.05)


def _verifies(verifier: TokenVerifier, token: str) -> bool:
    try:
        return verifier.verify(token) == SITI
    except InvalidToken:
        return False


def test_a_rotated_key_set_is_picked_up_after_the_refresh_interval(
    issuer: Issuer, issuer_key: rsa.RSAPrivateKey
) -> None:
    verifier = _verifier(issuer, jwks_refresh_s=1.0)
    assert verifier.verify(_from_issuer(issuer_key)) == SITI
    rotated = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer.publish(("k2", rotated))  # k1 withdrawn: it must stop opening the desk too
    new_token = _from_issuer(rotated, kid="k2")

    with pytest.raises(InvalidToken):  # within the interval: refused, the issuer not asked
        verifier.verify(new_token)
    assert issuer.fetches == 1
    _eventually(lambda: _verifies(verifier, new_token))

    assert issuer.fetches == 2
    with pytest.raises(InvalidToken):
        verifier.verify(_from_issuer(issuer_key))


def test_an_issuer_outage_keeps_the_keys_already_known(
    issuer: Issuer, issuer_key: rsa.RSAPrivateKey
) -> None:
    verifier = _verifier(issuer, jwks_refresh_s=0.2)
    token = _from_issuer(issuer_key)
    assert verifier.verify(token) == SITI
    issuer.down = True

    _eventually(lambda: verifier.verify(token) == SITI and issuer.fetches >= 2)
