"""The payload codec: what it encrypts reads back only with a listed key, rotation keeps old
payloads readable, payloads from before encryption pass through, tampering is caught."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError
from temporalio.api.common.v1 import Payload

from aduan.adapters import temporal
from aduan.adapters.payload_codec import (
    ENCODING,
    KEY_ID,
    EncryptionCodec,
    PayloadKeyError,
    development_keys,
    keys_of,
)
from aduan.config import Settings, parse_payload_keys
from aduan.lifecycle.models import RespondInput
from tests.support.payload_keys import KEY_1, KEY_2, ROTATED_KEYRING, TEST_KEYRING

SECRET_TEXT = "Pipa bocor di depan rumah Bu Siti, Jl. Melati 7"


def _plain(text: str = SECRET_TEXT) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=f'"{text}"'.encode())


async def test_an_encrypted_payload_shows_nothing_of_its_text_and_reads_back() -> None:
    codec = EncryptionCodec(TEST_KEYRING)
    [sealed] = await codec.encode([_plain()])
    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata[KEY_ID] == b"test-1"
    assert b"Siti" not in sealed.SerializeToString()
    assert b"json/plain" not in sealed.SerializeToString()  # the inner metadata is sealed too
    assert await codec.decode([sealed]) == [_plain()]


async def test_the_same_payload_encrypts_differently_each_time() -> None:
    codec = EncryptionCodec(TEST_KEYRING)
    first, second = await codec.encode([_plain(), _plain()])
    assert first.data != second.data  # a fresh nonce per payload


async def test_after_rotation_new_payloads_use_the_newest_key_and_old_ones_still_read() -> None:
    before = EncryptionCodec(TEST_KEYRING)
    after = EncryptionCodec(ROTATED_KEYRING)
    [old] = await before.encode([_plain("lama")])
    [new] = await after.encode([_plain("baru")])
    assert new.metadata[KEY_ID] == b"test-2"
    assert await after.decode([old, new]) == [_plain("lama"), _plain("baru")]
    with pytest.raises(PayloadKeyError, match="'test-2', which is not in ADUAN_PAYLOAD_KEYS"):
        await before.decode([new])  # a process left on the old list says which key it lacks


async def test_a_payload_from_before_encryption_passes_through() -> None:
    assert await EncryptionCodec(TEST_KEYRING).decode([_plain()]) == [_plain()]


async def test_a_changed_payload_or_a_swapped_key_id_does_not_decrypt() -> None:
    codec = EncryptionCodec(ROTATED_KEYRING)
    [sealed] = await codec.encode([_plain()])
    flipped = Payload()
    flipped.CopyFrom(sealed)
    flipped.data = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    swapped = Payload()
    swapped.CopyFrom(sealed)
    swapped.metadata[KEY_ID] = b"test-1"
    cut = Payload()
    cut.CopyFrom(sealed)
    cut.data = sealed.data[:5]
    for changed in (flipped, swapped, cut):
        with pytest.raises(PayloadKeyError, match="does not decrypt"):
            await codec.decode([changed])


async def test_the_data_converter_encrypts_what_a_workflow_is_given() -> None:
    converter = temporal.data_converter(TEST_KEYRING)
    answer = RespondInput(actor="ani", message=SECRET_TEXT)
    [payload] = await converter.encode([answer])
    assert b"Siti" not in payload.SerializeToString()
    assert await converter.decode([payload], [RespondInput]) == [answer]


def test_keys_parse_newest_last_and_bad_ones_are_refused_without_showing_them() -> None:
    assert [key.id for key in parse_payload_keys(f"{KEY_1}, {KEY_2}")] == ["test-1", "test-2"]
    secret = KEY_1.split(":", 1)[1]
    for bad, says in (
        ("test-1", "must be id:base64key"),
        (f"bad id:{secret}", "must be id:base64key"),
        ("short:c2hvcnQ=", "must hold 32 random bytes"),
        (f"{KEY_1},{KEY_1}", "the id test-1 is used twice"),
    ):
        with pytest.raises(ValidationError, match=says) as refused:
            Settings(payload_keys=bad)
        assert secret not in str(refused.value) and "c2hvcnQ" not in str(refused.value)
    assert "lY8a" not in repr(Settings(payload_keys=KEY_1))


def test_production_refuses_to_start_without_payload_keys() -> None:
    with pytest.raises(ValidationError, match="set ADUAN_PAYLOAD_KEYS in production"):
        Settings(environment="production", secret_key="s" * 40, payload_keys="")
    production = Settings(environment="production", secret_key="s" * 40, payload_keys=KEY_1)
    assert keys_of(production) == TEST_KEYRING


def test_development_makes_one_key_in_the_data_folder_and_keeps_it(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", payload_keys="")
    made = keys_of(settings)
    assert [len(key.secret) for key in made] == [32] and made[0].id.startswith("dev-")
    assert keys_of(settings) == made  # the next process, or the next start, reads the same
    path = tmp_path / "data" / "payload-keys"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["payload-keys"]  # no drafts left
    path.write_text(f"{path.read_text().strip()},{KEY_2}\n")  # a developer rotates: add one
    assert [key.id for key in development_keys(path.parent)] == [made[0].id, "test-2"]


def test_a_broken_development_key_file_says_where_it_is(tmp_path: Path) -> None:
    (tmp_path / "payload-keys").write_text("nonsense\n")
    with pytest.raises(ValueError, match=f"{tmp_path}/payload-keys: ADUAN_PAYLOAD_KEYS entry 1"):
        development_keys(tmp_path)
