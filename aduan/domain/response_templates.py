"""Response templates: an answer to start from, per category and language, with placeholders
such as {tracking_code} filled in from the complaint (docs/desk-pages.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDERS = ("tracking_code", "name", "due_date", "unit", "category", "field_check")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def fill(body: str, values: Mapping[str, str]) -> str:
    """The template's text with each known placeholder replaced; any other brace is kept
    as written (a template is typed by an admin, not a format string to trust)."""
    return _PLACEHOLDER.sub(
        lambda m: values.get(m[1], m[0]) if m[1] in PLACEHOLDERS else m[0], body
    )


def unknown_placeholders(body: str) -> list[str]:
    """Placeholders in `body` that nothing fills, to tell the admin who typed them."""
    return sorted({m for m in _PLACEHOLDER.findall(body) if m not in PLACEHOLDERS})
