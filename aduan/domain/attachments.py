"""What an attachment may be: its type recognised from its bytes, its name made safe, the
limits per complaint. The Object Store that keeps the files is aduan.adapters.attachments."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from aduan.domain import errors

ALLOWED_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf")
_KEY = re.compile(r"^[A-Za-z0-9_-]{32}$")


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


def check(
    uploads: Sequence[Upload], *, max_bytes: int, max_count: int, already: int = 0
) -> list[Checked]:
    """Every upload with its sniffed type, or AttachmentRefused for the first broken limit."""
    if already + len(uploads) > max_count:
        raise errors.TooManyAttachments(
            f"at most {max_count} attachments per complaint"
            f" ({already} already kept, {len(uploads)} sent)",
            reason="too_many",
        )
    checked = []
    for upload in uploads:
        name = clean_name(upload.name)
        if len(upload.data) > max_bytes:
            raise errors.AttachmentTooLarge(
                f"{name} is over the limit of {max_bytes} bytes per attachment",
                reason="too_large",
                file=name,
            )
        content_type = sniff(upload.data)
        if content_type is None:
            raise errors.UnsupportedAttachment(
                f"{name} is not a JPEG, PNG, WebP, GIF or PDF file (judged by its content)",
                reason="unsupported_type",
                file=name,
            )
        checked.append(Checked(name, upload.data, content_type))
    return checked
