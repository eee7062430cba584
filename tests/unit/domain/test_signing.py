"""One HMAC for every token and signature, producing exactly what each call site gave before."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import cast

import asyncpg

from aduan.adapters import tokens
from aduan.config import Settings
from aduan.domain import signing
from aduan.store import complaints
from aduan.store.ratelimit import RateLimits
from services.intake import channels, csrf
from services.notification import webhooks

# RFC 4231, test case 2: HMAC-SHA256 with key "Jefe".
RFC4231_KEY = b"Jefe"
RFC4231_DATA = b"what do ya want for nothing?"
RFC4231_MAC = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"

SECRET = "a-test-secret-of-some-length"
COMPLAINT = uuid.UUID("6f1c2d3e-4b5a-4978-8a6b-5c4d3e2f1a0b")


def _old(key: bytes, message: bytes) -> hmac.HMAC:
    return hmac.new(key, message, hashlib.sha256)


def test_sign_is_hmac_sha256_in_hex() -> None:
    assert signing.sign(RFC4231_KEY, RFC4231_DATA) == RFC4231_MAC


def test_a_derived_key_is_the_label_signed_under_the_secret() -> None:
    assert signing.derive_key("Jefe", RFC4231_DATA) == bytes.fromhex(RFC4231_MAC)


def test_matches_compares_str_and_bytes() -> None:
    assert signing.matches("abc", "abc") and signing.matches(b"abc", "abc")
    assert not signing.matches("abc", "abd") and not signing.matches("abc", "")


def test_matches_refuses_non_ascii_input_without_raising() -> None:
    assert not signing.matches("abc", "ábc")
    assert signing.matches("ábc", "ábc")


def test_complainant_tokens_are_what_they_were() -> None:
    old = _old(SECRET.encode(), str(COMPLAINT).encode()).hexdigest()[:32]
    assert complaints.access_token(SECRET, COMPLAINT) == old
    assert complaints.token_matches(SECRET, COMPLAINT, old)
    assert not complaints.token_matches(SECRET, COMPLAINT, old[:-1] + "é")


def test_contact_tokens_are_what_they_were() -> None:
    key = _old(SECRET.encode(), b"aduan contact v1").digest()
    old = _old(key, f"{COMPLAINT}:siti@example.id".encode()).hexdigest()[:32]
    assert complaints.contact_token(SECRET, COMPLAINT, " Siti@Example.ID ") == old


def test_staff_token_key_csrf_and_webhook_signatures_are_what_they_were() -> None:
    assert tokens.signing_key(SECRET) == _old(SECRET.encode(), b"aduan staff token v1").digest()
    csrf_key = _old(SECRET.encode(), b"aduan csrf v2").digest()
    message = json.dumps(["cookie-value", "session"]).encode()
    assert csrf._sign(SECRET, "cookie-value", "session") == _old(csrf_key, message).hexdigest()
    body = b'{"type":"complaint.created"}'
    old = "sha256=" + _old(SECRET.encode(), body).hexdigest()
    assert webhooks.signature(body, SECRET) == old
    assert channels.signature_valid(SECRET, body, old.upper(), prefix="sha256=")
    assert not channels.signature_valid(SECRET, body, old + "é", prefix="sha256=")


def test_rate_limit_identities_are_what_they_were() -> None:
    limits = RateLimits(cast(asyncpg.Pool, None), Settings(secret_key=SECRET))
    key = _old(SECRET.encode(), b"aduan rate limit v1").digest()
    assert (
        limits.identity("phone:6281234567890")
        == (_old(key, b"phone:6281234567890").hexdigest()[:32])
    )
