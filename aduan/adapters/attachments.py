"""Attachments: their type recognised from the bytes, their limits, and the JetStream
Object Store that keeps them (shared by intake, which stores them, and desk, which reads)."""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import nats
import structlog
from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import ObjectStoreConfig, StorageType
from nats.js.errors import BucketNotFoundError, ObjectNotFoundError
from nats.js.object_store import ObjectStore
from prometheus_client import Gauge
from pydantic import BaseModel
from starlette.responses import Response

from aduan.web.problems import Problem

log = structlog.get_logger(__name__)

BUCKET = "ATTACHMENTS"  # the Object Store bucket (stream OBJ_ATTACHMENTS)
ALLOWED_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf")
_KEY = re.compile(r"^[A-Za-z0-9_-]{32}$")
_CONNECT_TIMEOUT_S = 3.0
ALARM_SHARE = 0.8  # the store's use alarm rises once this share of its quota is used
STORE_BYTES = Gauge("aduan_attachment_store_bytes", "Bytes kept in the attachment store")
STORE_QUOTA = Gauge("aduan_attachment_store_quota_bytes", "The attachment store's quota")
STORE_ALARM = Gauge(
    "aduan_attachment_store_alarm",
    f"1 once the attachment store uses {ALARM_SHARE:.0%} of its quota",
)


def sniff(data: bytes) -> str | None:
    """The content type the leading bytes prove, or None for anything but the allowed types."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def clean_name(name: str) -> str:
    """A file name safe to show and to put in a header: no folders, no control characters."""
    base = re.split(r"[/\\]", name)[-1]
    printable = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    return printable.strip()[:200] or "attachment"


def valid_key(key: str) -> bool:
    """Whether `key` has the shape of a key this module hands out."""
    return bool(_KEY.fullmatch(key))


@dataclass(frozen=True)
class Upload:
    """A file as a channel received it; its name and any claimed type are not trusted."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Checked:
    """An upload that passed the checks, with the type its bytes proved."""

    name: str
    data: bytes
    content_type: str


class AttachmentRef(BaseModel):
    """What a complaint keeps of an attachment (the `attachments` column)."""

    name: str
    key: str
    content_type: str
    size: int
    sha256: str


def download(ref: AttachmentRef, data: bytes) -> Response:
    """The file as a download: the sniffed type, never rendered inline, never cached."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in ref.name)
    return Response(
        data,
        media_type=ref.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{fallback}";'
            f" filename*=UTF-8''{quote(ref.name, safe='')}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


class AttachmentRefused(Problem):
    """An upload broke a limit; `reason` is too_many, too_large or unsupported_type."""

    def __init__(self, status: int, reason: str, detail: str, *, file: str | None = None) -> None:
        super().__init__(status, "Attachment refused", detail, reason=reason, file=file)
        self.reason, self.file = reason, file


class StoreFull(Problem):
    """The store's quota would be passed: nothing was stored (the event stream shares its disk)."""

    def __init__(self) -> None:
        super().__init__(
            507,
            "Attachment store full",
            "the attachment store has no room for these files now; send the"
            " complaint without them, or try again later",
            reason="store_full",
        )


class StoreUnavailable(Problem):
    """The Object Store cannot be reached: nothing was stored, try again."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "Service unavailable",
            "attachments cannot be stored or read right now; try again shortly",
            headers={"Retry-After": "5"},
        )


def check(
    uploads: Sequence[Upload], *, max_bytes: int, max_count: int, already: int = 0
) -> list[Checked]:
    """Every upload with its sniffed type, or AttachmentRefused for the first broken limit."""
    if already + len(uploads) > max_count:
        raise AttachmentRefused(
            422,
            "too_many",
            f"at most {max_count} attachments per complaint"
            f" ({already} already kept, {len(uploads)} sent)",
        )
    checked = []
    for upload in uploads:
        name = clean_name(upload.name)
        if len(upload.data) > max_bytes:
            raise AttachmentRefused(
                413,
                "too_large",
                f"{name} is over the limit of {max_bytes} bytes per attachment",
                file=name,
            )
        content_type = sniff(upload.data)
        if content_type is None:
            raise AttachmentRefused(
                415,
                "unsupported_type",
                f"{name} is not a JPEG, PNG, WebP, GIF or PDF file (judged by its content)",
                file=name,
            )
        checked.append(Checked(name, upload.data, content_type))
    return checked


class AttachmentStore:
    """The attachments bucket, connected on first use: NATS away means 503, not a dead app."""

    def __init__(
        self, servers: list[str], *, replicas: int = 1, quota_bytes: int | None = None
    ) -> None:
        self.servers, self.replicas, self.quota_bytes = servers, replicas, quota_bytes
        self._client: NATS | None = None
        self._bucket: ObjectStore | None = None
        self._lock = asyncio.Lock()

    async def bucket(self) -> ObjectStore:
        """The bucket, creating it (idempotently) on first use; StoreUnavailable if away."""
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
                raise StoreUnavailable() from exc
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
            raise StoreUnavailable() from exc
        STORE_BYTES.set(used)
        if self.quota_bytes:
            STORE_QUOTA.set(self.quota_bytes)
            STORE_ALARM.set(int(used >= ALARM_SHARE * self.quota_bytes))
        return used

    async def put(self, files: Sequence[Checked]) -> list[AttachmentRef]:
        """Store every file under a new random key: all of them, or none (StoreUnavailable,
        or StoreFull when they would pass the quota)."""
        bucket = await self.bucket()
        if (
            self.quota_bytes is not None
            and files
            and await self.used_bytes() + sum(len(f.data) for f in files) > self.quota_bytes
        ):
            log.error("attachments.store_full", quota_bytes=self.quota_bytes)
            raise StoreFull()
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
                await bucket.put(ref.key, file.data)
                stored.append(ref)
        except (OSError, NatsError) as exc:
            await self.discard(stored)
            log.warning("attachments.store_failed", error=type(exc).__name__)
            raise StoreUnavailable() from exc
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
            raise StoreUnavailable() from exc
        return result.data or b""

    async def discard(self, refs: Sequence[AttachmentRef]) -> None:
        """Delete objects no complaint will reference; failures only leave unreachable bytes."""
        if not refs:
            return
        try:
            bucket = await self.bucket()
            for ref in refs:
                await bucket.delete(ref.key)
        except (OSError, NatsError, StoreUnavailable) as exc:
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
        raise Problem(404, "Not found", "this complaint has no such attachment")
    return ref, data
