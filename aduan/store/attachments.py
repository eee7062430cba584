"""Adding files to a complaint: checked, kept in the attachment store, referenced by the
complaint within its limit. Intake (complainants) and desk (inspectors' photos) both use it."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from aduan.adapters.attachments import AttachmentStore
from aduan.config import Settings
from aduan.domain.attachments import AttachmentRef, Upload, check
from aduan.domain.errors import AttachmentRefused, InvalidInput
from aduan.domain.vocabulary import Status
from aduan.store import complaints


async def attach(
    pool: asyncpg.Pool,
    settings: Settings,
    store: AttachmentStore,
    row: asyncpg.Record,
    uploads: Sequence[Upload],
) -> list[AttachmentRef]:
    """Add files to a complaint that is not closed, within the per-complaint count."""
    if row["status"] == Status.CLOSED:
        raise AttachmentRefused("the complaint is closed; it takes no more files")
    if not uploads:
        raise InvalidInput.field("attachments", "no file", "attachments: send at least one file")
    files = check(
        uploads,
        max_bytes=settings.attachment_max_bytes,
        max_count=settings.attachment_max_count,
        already=len(row["attachments"]),
    )
    refs = await store.put(files)
    added = await complaints.add_attachments(
        pool,
        complaint_id=row["id"],
        attachments=[ref.model_dump() for ref in refs],
        max_count=settings.attachment_max_count,
    )
    if not added:  # closed or filled up meanwhile: keep nothing of this request
        await store.discard(refs)
        raise AttachmentRefused(
            "the complaint was closed or reached its"
            f" limit of {settings.attachment_max_count} attachments meanwhile",
        )
    return refs
