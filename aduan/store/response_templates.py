"""Response templates in PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class ResponseTemplate:
    """One template: for a category (None: any) in one language."""

    id: int
    category: str | None
    language: str
    title: str
    body: str
    updated_by: str
    updated_at: datetime


def _template(row: asyncpg.Record) -> ResponseTemplate:
    return ResponseTemplate(**dict(row))


async def all_templates(pool: asyncpg.Pool) -> list[ResponseTemplate]:
    """Every template, by category, language and title."""
    rows = await pool.fetch(
        "SELECT * FROM response_templates ORDER BY category NULLS FIRST, language, title, id"
    )
    return [_template(r) for r in rows]


async def offered(
    pool: asyncpg.Pool, category: str | None, language: str
) -> list[ResponseTemplate]:
    """The templates for a complaint of `category` written in `language`."""
    rows = await pool.fetch(
        """SELECT * FROM response_templates
        WHERE (category IS NULL OR category = $1) AND language = $2
        ORDER BY category NULLS LAST, title, id""",
        category,
        language,
    )
    return [_template(r) for r in rows]


async def find(pool: asyncpg.Pool, template_id: int) -> ResponseTemplate | None:
    """One template by id."""
    row = await pool.fetchrow("SELECT * FROM response_templates WHERE id = $1", template_id)
    return _template(row) if row else None


async def save(
    pool: asyncpg.Pool,
    *,
    template_id: int | None,
    category: str | None,
    language: str,
    title: str,
    body: str,
    by: str,
) -> int | None:
    """Add a template (no id) or replace one; its id, None if there was no such template."""
    if template_id is None:
        new_id: int = await pool.fetchval(
            """INSERT INTO response_templates (category, language, title, body, updated_by)
            VALUES ($1, $2, $3, $4, $5) RETURNING id""",
            category,
            language,
            title,
            body,
            by,
        )
        return new_id
    found: int | None = await pool.fetchval(
        """UPDATE response_templates SET category = $2, language = $3, title = $4, body = $5,
               updated_by = $6, updated_at = now()
        WHERE id = $1 RETURNING id""",
        template_id,
        category,
        language,
        title,
        body,
        by,
    )
    return found


async def delete(pool: asyncpg.Pool, template_id: int) -> None:
    """Remove a template (answers already sent keep their text)."""
    await pool.execute("DELETE FROM response_templates WHERE id = $1", template_id)
