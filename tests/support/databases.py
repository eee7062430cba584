"""Databases of a test's own on the session's PostgreSQL server, for figures that must not
count every other test's rows."""

from __future__ import annotations

import asyncio
import uuid

from aduan.store import db


async def empty_database(pg_dsn: str, prefix: str) -> str:
    """A new database beside the session's, migrated and empty; its URL."""
    dsn = f"{pg_dsn.rsplit('/', 1)[0]}/{prefix}_{uuid.uuid4().hex[:8]}"
    await db.ensure_database(dsn)
    await asyncio.to_thread(db.migrate, dsn)
    return dsn
