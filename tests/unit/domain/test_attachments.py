"""Attachment checks as pure functions: the type comes from the bytes, limits hold."""

from __future__ import annotations

import pytest

from aduan.domain.attachments import Upload, check, clean_name, sniff
from aduan.domain.errors import AttachmentRefused
from aduan.web.problems import status_of
from tests.support.samples import EXE, HTML, PDF, png


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (png(), "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"GIF89a\x01\x00\x01\x00", "image/gif"),
        (PDF, "application/pdf"),
        (EXE, None),
        (HTML, None),
        (b"", None),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),  # RIFF, but audio
        (b"  %PDF-1.4", None),  # the signature must open the file
    ],
)
def test_the_type_is_what_the_bytes_prove(data: bytes, expected: str | None) -> None:
    assert sniff(data) == expected


def test_a_claimed_name_does_not_make_a_type() -> None:
    with pytest.raises(AttachmentRefused) as refused:
        check([Upload("foto.jpg", HTML)], max_bytes=1000, max_count=5)
    assert (status_of(refused.value), refused.value.reason, refused.value.file) == (
        415,
        "unsupported_type",
        "foto.jpg",
    )


def test_limits_of_size_and_count() -> None:
    image = png()
    assert [
        c.content_type for c in check([Upload("a", image)] * 2, max_bytes=len(image), max_count=2)
    ] == ["image/png"] * 2
    with pytest.raises(AttachmentRefused) as large:
        check([Upload("a", image)], max_bytes=len(image) - 1, max_count=5)
    assert (status_of(large.value), large.value.reason) == (413, "too_large")
    with pytest.raises(AttachmentRefused) as many:
        check([Upload("a", image)], max_bytes=1000, max_count=3, already=3)
    assert (status_of(many.value), many.value.reason) == (422, "too_many")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("C:\\Users\\siti\\meter.jpg", "meter.jpg"),
        ("../../etc/passwd", "passwd"),
        ("a\r\nb.png", "ab.png"),
        ("", "attachment"),
        ("tagihan air.pdf", "tagihan air.pdf"),
    ],
)
def test_names_lose_folders_and_control_characters(name: str, expected: str) -> None:
    assert clean_name(name) == expected
