"""Filling a response template: known placeholders only, everything else as typed."""

from __future__ import annotations

from aduan.domain.response_templates import fill, unknown_placeholders


def test_known_placeholders_are_filled_and_other_braces_kept() -> None:
    body = "Yth. {name}, pengaduan {tracking_code} selesai paling lambat {due_date}. {x} {0} {"
    filled = fill(body, {"name": "Sari", "tracking_code": "ADU-AAAA-BBBB", "due_date": "Senin"})
    assert filled == "Yth. Sari, pengaduan ADU-AAAA-BBBB selesai paling lambat Senin. {x} {0} {"


def test_a_placeholder_without_a_value_stays_visible() -> None:
    assert fill("unit {unit}", {}) == "unit {unit}"


def test_unknown_placeholders_are_named() -> None:
    assert unknown_placeholders("{name} {nama} {tracking_code} {nama}") == ["nama"]
