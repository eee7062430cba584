"""Temporal's payloads encrypted: AES-256-GCM under the newest of ADUAN_PAYLOAD_KEYS, the key's
id beside each payload, every listed key still decrypting (docs/privacy.md "Encryption")."""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from aduan.config import PAYLOAD_KEY_BYTES, PayloadKey, Settings, parse_payload_keys

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12  # 96 bits, random per payload: AES-GCM's own nonce size
# Outside production without ADUAN_PAYLOAD_KEYS: the key made once in the data folder.
DEVELOPMENT_KEYS = "payload-keys"


class PayloadKeyError(ValueError):
    """A payload this process cannot decrypt: its key is not listed, or the bytes changed."""


class Keyring:
    """AES-256-GCM under the newest key, opened with the key a sealed text names: the one
    cipher of Temporal's payloads and the attachment store."""

    def __init__(self, keys: Sequence[PayloadKey]) -> None:
        if not keys:
            raise ValueError("encryption needs at least one key")
        self._ciphers = {key.id: AESGCM(key.secret) for key in keys}
        self.newest = keys[-1].id.encode()
        self._sealing = self._ciphers[keys[-1].id]

    def seal(self, plain: bytes, context: bytes = b"") -> bytes:
        """`plain` sealed under the newest key (a random nonce first). The key id and
        `context` are the associated data: neither can be swapped without opening failing."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._sealing.encrypt(nonce, plain, self.newest + context)

    def open(self, key_id: bytes, sealed: bytes, context: bytes = b"") -> bytes:
        """What `seal` was given; PayloadKeyError when the key is not listed or the bytes
        (or their key id or context) changed."""
        name = key_id.decode(errors="replace")
        cipher = self._ciphers.get(name)
        if cipher is None:
            raise PayloadKeyError(
                f"data is encrypted with key {name!r}, which is not in ADUAN_PAYLOAD_KEYS:"
                " put it back (docs/privacy.md, rotating keys)"
            )
        try:
            return cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], key_id + context)
        except (InvalidTag, ValueError):  # ValueError: too short to hold a nonce
            raise PayloadKeyError(
                f"data under key {name!r} does not decrypt: the key listed under that id is"
                " not the one it was encrypted with, or the data changed"
            ) from None


class EncryptionCodec(PayloadCodec):
    """Encrypts each payload whole (metadata and data) with the newest key; decrypts with
    the key its metadata names. A payload without the encrypted encoding (written before
    encryption was on, e.g. the recorded replay histories) passes through as it is."""

    def __init__(self, keys: Sequence[PayloadKey]) -> None:
        self.keyring = Keyring(keys)

    @property
    def newest_key_id(self) -> str:
        """The id new payloads are encrypted under."""
        return self.keyring.newest.decode()

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Each payload encrypted under the newest key."""
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Each payload as it was before `encode`; PayloadKeyError if one cannot be."""
        return [self.decrypt(payload) for payload in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        """One payload sealed, its key id beside it."""
        sealed = self.keyring.seal(payload.SerializeToString())
        return Payload(metadata={"encoding": ENCODING, KEY_ID: self.keyring.newest}, data=sealed)

    def decrypt(self, payload: Payload) -> Payload:
        """One payload opened, or passed through when it was never encrypted."""
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        opened = self.keyring.open(payload.metadata.get(KEY_ID, b""), payload.data)
        return Payload.FromString(opened)


def keys_of(settings: Settings) -> list[PayloadKey]:
    """The keys this process encrypts and decrypts with: ADUAN_PAYLOAD_KEYS, or (outside
    production, where Settings refuses none) the development key of the data folder."""
    return settings.payload_keyring or development_keys(settings.data_dir)


def development_keys(data_dir: Path) -> list[PayloadKey]:
    """The keys in `data_dir`/payload-keys (ADUAN_PAYLOAD_KEYS' form), made on first use: one
    random key. Processes starting together all end up with the one file that won."""
    path = data_dir / DEVELOPMENT_KEYS
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        secret = base64.b64encode(os.urandom(PAYLOAD_KEY_BYTES)).decode()
        draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        draft.write_text(f"dev-{secrets.token_hex(4)}:{secret}\n")
        draft.chmod(0o600)
        try:
            with contextlib.suppress(FileExistsError):  # another process was first: use its
                os.link(draft, path)  # whole, or not at all: never a half-written file
        finally:
            draft.unlink()
    try:
        keys = parse_payload_keys(path.read_text())
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    if not keys:
        raise ValueError(f"{path} lists no key: delete it to have one made, or set one")
    return keys
