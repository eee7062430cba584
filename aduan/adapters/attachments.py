"""The JetStream Object Store that keeps attachments: intake stores them, desk reads them,
each file encrypted under the payload keys (docs/privacy.md "Encryption").

What a file may be (type by its bytes, limits) is aduan.domain.attachments."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import nats
import structlog
from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import ObjectStoreConfig, StorageType
from nats.js.errors import BucketNotFoundError, ObjectNotFoundError
from nats.js.object_store import ObjectStore
from prometheus_client import Gauge

from aduan.adapters.payload_codec import Keyring, PayloadKeyError, keys_of
from aduan.config import PayloadKey, Settings
from aduan.domain import errors
from aduan.domain.attachments import AttachmentRef, Checked, valid_key

log = structlog.get_logger(__name__)

BUCKET = "ATTACHMENTS"  # the Object Store bucket (stream OBJ_ATTACHMENTS)
_CONNECT_TIMEOUT_S = 3.0
# A sealed object: this mark, the key id's length (one byte) and id, then nonce and cipher.
# An object without it was stored before encryption and is read as it is.
SEALED = b"aduan-sealed-1\n"
ALARM_SHARE = 0.8  # the store's use alarm rises once this share of its quota is used
STORE_BYTES = Gauge(
    "aduan_attachment_store_bytes",
    "Bytes kept in the attachment store",
    multiprocess_mode="mostrecent",
)
STORE_QUOTA = Gauge(
    "aduan_attachment_store_quota_bytes",
    "The attachment store's quota",
    multiprocess_mode="mostrecent",
)
STORE_ALARM = Gauge(
    "aduan_attachment_store_alarm",
    f"1 once the attachment store uses {ALARM_SHARE:.0%} of its quota",
    multiprocess_mode="mostrecent",
)


def _unavailable() -> errors.Unavailable:
    return errors.Unavailable("attachments cannot be stored or read right now; try again shortly")


def _full() -> errors.StoreFull:
    return errors.StoreFull(
        "the attachment store has no room for these files now; send the"
        " complaint without them, or try again later",
        reason="store_full",
    )


class AttachmentStore:
    """The attachments bucket, connected on first use: NATS away means 503, not a dead app."""

    def __init__(
        self,
        servers: list[str],
        keys: Sequence[PayloadKey],
        *,
        replicas: int = 1,
        quota_bytes: int | None = None,
    ) -> None:
        self.servers, self.replicas, self.quota_bytes = servers, replicas, quota_bytes
        self.keyring = Keyring(keys)
        self._client: NATS | None = None
        self._bucket: ObjectStore | None = None
        self._lock = asyncio.Lock()

    async def bucket(self) -> ObjectStore:
        """The bucket, creating it (idempotently) on first use; Unavailable if away."""
        async with self._lock:
            if self._bucket is not None and self._client is not None and not self._client.is_closed:
                return self._bucket
            await self.close()  # what a failed first use may have left half made
            try:
                self._client = await asyncio.wait_for(
                    nats.connect(
                        servers=self.servers,
                        name="aduan-attachments",
                        error_cb=_quiet,
                        max_reconnect_attempts=-1,
                        reconnect_time_wait=1,
                    ),
                    _CONNECT_TIMEOUT_S,
                )
                self._bucket = await self._open(self._client)
            except (OSError, NatsError) as exc:  # TimeoutError is an OSError
                log.warning("attachments.unavailable", error=type(exc).__name__)
                raise _unavailable() from exc
            return self._bucket

    async def _open(self, client: NATS) -> ObjectStore:
        # Open the bucket as it is; create it only when missing, so a bucket whose settings
        # an operator changed (replicas, say) is used, not refused as a conflict.
        js = client.jetstream()
        try:
            return await js.object_store(BUCKET)
        except BucketNotFoundError:
            return await js.create_object_store(
                BUCKET,
                ObjectStoreConfig(
                    storage=StorageType.FILE,
                    replicas=self.replicas,
                    description="complaint attachments",
                    max_bytes=self.quota_bytes or -1,
                ),
            )

    @classmethod
    def from_settings(cls, settings: Settings) -> AttachmentStore:
        """The store as the settings describe it: the bucket has as many replicas as the
        event stream (3 on a cluster), and its quota."""
        return cls(
            settings.nats_servers,
            keys_of(settings),
            replicas=settings.stream_replicas,
            quota_bytes=settings.attachment_store_max_bytes,
        )

    async def jetstream(self) -> JetStreamContext:
        """JetStream on the store's connection, to read other streams' sizes beside ours."""
        await self.bucket()
        assert self._client is not None  # bucket() connected it
        return self._client.jetstream()

    async def used_bytes(self) -> int:
        """Bytes the store holds now (the bucket's stream); sets the store's gauges."""
        bucket = await self.bucket()
        try:
            used = int((await bucket.status()).size)
        except (OSError, NatsError) as exc:
            raise _unavailable() from exc
        STORE_BYTES.set(used)
        if self.quota_bytes:
            STORE_QUOTA.set(self.quota_bytes)
            STORE_ALARM.set(int(used >= ALARM_SHARE * self.quota_bytes))
        return used

    async def put(self, files: Sequence[Checked]) -> list[AttachmentRef]:
        """Store every file under a new random key: all of them, or none (Unavailable,
        or StoreFull when they would pass the quota)."""
        bucket = await self.bucket()
        if (
            self.quota_bytes is not None
            and files
            and await self.used_bytes() + sum(len(f.data) for f in files) > self.quota_bytes
        ):
            log.error("attachments.store_full", quota_bytes=self.quota_bytes)
            raise _full()
        stored: list[AttachmentRef] = []
        try:
            for file in files:
                ref = AttachmentRef(
                    name=file.name,
                    key=secrets.token_urlsafe(24),
                    content_type=file.content_type,
                    size=len(file.data),
                    sha256=hashlib.sha256(file.data).hexdigest(),
                )
                await bucket.put(ref.key, self._seal(ref.key, file.data))
                stored.append(ref)
        except (OSError, NatsError) as exc:
            await self.discard(stored)
            log.warning("attachments.store_failed", error=type(exc).__name__)
            raise _unavailable() from exc
        return stored

    async def get(self, key: str) -> bytes | None:
        """The bytes stored under `key`, or None if there are none."""
        if not valid_key(key):
            return None
        bucket = await self.bucket()
        try:
            result = await bucket.get(key)
        except ObjectNotFoundError:
            return None
        except (OSError, NatsError) as exc:
            raise _unavailable() from exc
        return self._unseal(key, result.data or b"")

    def _seal(self, key: str, data: bytes) -> bytes:
        # The object's key is the associated data: one object cannot pass for another.
        newest = self.keyring.newest
        sealed = self.keyring.seal(data, key.encode())
        return SEALED + bytes([len(newest)]) + newest + sealed

    def _unseal(self, key: str, stored: bytes) -> bytes:
        if not stored.startswith(SEALED):
            return stored
        rest = stored[len(SEALED) :]
        key_id, sealed = rest[1 : 1 + rest[0]], rest[1 + rest[0] :]
        try:
            return self.keyring.open(key_id, sealed, key.encode())
        except PayloadKeyError as exc:  # a key taken out of ADUAN_PAYLOAD_KEYS too early
            log.error("attachments.undecryptable", error=str(exc))
            raise _unavailable() from exc

    async def discard(self, refs: Sequence[AttachmentRef]) -> None:
        """Delete objects no complaint will reference; failures only leave unreachable bytes."""
        if not refs:
            return
        try:
            bucket = await self.bucket()
            for ref in refs:
                await bucket.delete(ref.key)
        except (OSError, NatsError, errors.Unavailable) as exc:
            log.warning("attachments.discard_failed", error=type(exc).__name__, count=len(refs))

    async def close(self) -> None:
        """Close the connection, if one was opened."""
        client, self._client, self._bucket = self._client, None, None
        if client is not None and not client.is_closed:
            await client.close()


async def _quiet(error: Exception) -> None:
    # nats-py logs a traceback per failed attempt by default; one line says enough.
    log.debug("attachments.nats_error", error=type(error).__name__)


async def find_attachment(
    store: AttachmentStore, attachments: Sequence[Mapping[str, Any]], key: str
) -> tuple[AttachmentRef, bytes]:
    """One of a complaint's attachments (its `attachments` column) with its bytes; 404 if none."""
    ref = next((AttachmentRef.model_validate(a) for a in attachments if a["key"] == key), None)
    data = await store.get(key) if ref is not None else None
    if ref is None or data is None:
        raise errors.NotFound("this complaint has no such attachment")
    return ref, data
