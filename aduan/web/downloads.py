"""Files as downloads: attachments (the sniffed type, never rendered inline, never cached),
and cells of the CSV files staff and the public download."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import Response

from aduan.domain.attachments import AttachmentRef


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


# What a spreadsheet takes for the start of a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: one it would run as a formula gets a "'"."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
