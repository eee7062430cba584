"""Units in PostgreSQL: a unit code (from the routing rules) with the name complainants read
and the address of its officers' mail. A unit without a row shows its code and gets mail at
ADUAN_UNIT_EMAIL."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class Unit:
    """What is known of one unit beyond its code."""

    code: str
    name_id: str | None = None
    name_en: str | None = None
    email: str | None = None
    auto_assign: bool = True  # routing gives each complaint to the officer with least work

    def name(self, language: str) -> str:
        """The name in `language`, the other language's, or the code."""
        first, second = (
            (self.name_en, self.name_id) if language == "en" else (self.name_id, self.name_en)
        )
        return first or second or self.code


async def directory(pool: asyncpg.Pool) -> dict[str, Unit]:
    """Every unit with a row, by code."""
    rows = await pool.fetch("SELECT code, name_id, name_en, email, auto_assign FROM units")
    return {r["code"]: Unit(**dict(r)) for r in rows}


async def find(pool: asyncpg.Pool, code: str | None) -> Unit | None:
    """One unit's row, if it has one."""
    if code is None:
        return None
    row = await pool.fetchrow(
        "SELECT code, name_id, name_en, email, auto_assign FROM units WHERE code = $1", code
    )
    return Unit(**dict(row)) if row else None


async def save(pool: asyncpg.Pool, unit: Unit, by: str) -> None:
    """Set a unit's names, address and assignment (empty ones are stored as none)."""
    await pool.execute(
        """INSERT INTO units (code, name_id, name_en, email, auto_assign, updated_by)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (code) DO UPDATE SET name_id = $2, name_en = $3, email = $4,
            auto_assign = $5, updated_by = $6, updated_at = now()""",
        unit.code,
        unit.name_id or None,
        unit.name_en or None,
        unit.email or None,
        unit.auto_assign,
        by,
    )
