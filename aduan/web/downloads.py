"""Files as downloads: attachments (the sniffed type, never rendered inline, never cached),
the few images the public may see, and cells of the CSV files staff and the public download."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import Response

from aduan.domain.attachments import AttachmentRef


def _disposition(kind: str, name: str) -> str:
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in name)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def download(ref: AttachmentRef, data: bytes) -> Response:
    """The file as a download: the sniffed type, never rendered inline, never cached."""
    return Response(
        data,
        media_type=ref.content_type,
        headers={
            "Content-Disposition": _disposition("attachment", ref.name),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


PUBLIC_IMAGE_SECONDS = 300  # a published image never changes; a few minutes spare the store


def public_image(ref: AttachmentRef, data: bytes) -> Response:
    """An image the public may see (an Open311 report's own): shown inline, cacheable,
    still its sniffed type only and sandboxed."""
    return Response(
        data,
        media_type=ref.content_type,
        headers={
            "Content-Disposition": _disposition("inline", ref.name),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": f"public, max-age={PUBLIC_IMAGE_SECONDS}",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


# What a spreadsheet takes for the start of a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: one it would run as a formula gets a "'"."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
