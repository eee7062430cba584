"""HMAC-SHA256, the one way Aduan signs: derived keys, hex signatures, constant-time checks.

Every token, signature and keyed hash goes through here, so each keeps its exact key, message
and truncation at its call site while the primitive and the comparison live in one place.
"""

from __future__ import annotations

import hashlib
import hmac


def derive_key(secret: str, label: bytes) -> bytes:
    """A purpose-specific key: the HMAC of `label` under `secret`, so purposes never share one."""
    return hmac.new(secret.encode(), label, hashlib.sha256).digest()


def sign(key: bytes, message: bytes) -> str:
    """The hex HMAC-SHA256 of `message` under `key`."""
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def matches(expected: str | bytes, given: str | bytes) -> bool:
    """Constant-time equality of a secret we hold and a value someone sent."""
    # Bytes, not str: compare_digest refuses non-ASCII strings, and `given` is user input.
    return hmac.compare_digest(_bytes(expected), _bytes(given))


def _bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value
