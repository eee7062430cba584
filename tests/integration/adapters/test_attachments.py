"""Attachments rest encrypted in the JetStream Object Store: what NATS holds is not the file,
a key added later still reads the old ones, and an object cannot pass for another."""

from __future__ import annotations

import pytest
from nats.js import JetStreamContext

from aduan.adapters.attachments import BUCKET, AttachmentStore
from aduan.domain import errors
from aduan.domain.attachments import Checked
from tests.support.payload_keys import ROTATED_KEYRING
from tests.support.samples import png

PLAIN_KEY = "p" * 32  # the shape of a key, of an object stored before encryption
PHOTO = Checked(name="meter.png", data=png(), content_type="image/png")


async def test_what_nats_holds_is_not_the_file_yet_the_file_comes_back(
    store: AttachmentStore, js: JetStreamContext
) -> None:
    [ref] = await store.put([PHOTO])

    held = (await (await js.object_store(BUCKET)).get(ref.key)).data or b""
    assert PHOTO.data not in held and b"PNG" not in held
    assert await store.get(ref.key) == PHOTO.data


async def test_a_file_stored_under_key_1_is_read_once_key_2_is_added(
    store: AttachmentStore, nats_url: str
) -> None:
    [ref] = await store.put([PHOTO])
    rotated = AttachmentStore([nats_url], ROTATED_KEYRING)
    try:
        assert await rotated.get(ref.key) == PHOTO.data
        [newer] = await rotated.put([PHOTO])
    finally:
        await rotated.close()
    # Key 2 taken away too early: the newer file is unreadable, said as such, not a crash.
    with pytest.raises(errors.Unavailable):
        await store.get(newer.key)


async def test_one_object_cannot_pass_for_another_and_old_plain_ones_still_read(
    store: AttachmentStore, js: JetStreamContext
) -> None:
    [first, second] = await store.put([PHOTO, PHOTO])
    bucket = await js.object_store(BUCKET)
    sealed_first = (await bucket.get(first.key)).data or b""
    await bucket.put(second.key, sealed_first)  # someone with NATS access swaps the bytes
    with pytest.raises(errors.Unavailable):
        await store.get(second.key)

    await bucket.put(PLAIN_KEY, PHOTO.data)  # stored before this release
    assert await store.get(PLAIN_KEY) == PHOTO.data
