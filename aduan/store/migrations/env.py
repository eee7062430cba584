"""Alembic environment: migrates the database named by Aduan's settings."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from aduan.config import get_settings


def _sqlalchemy_url() -> str:
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().dsn
    return url.replace("postgresql://", "postgresql+asyncpg://", 1)


def _migrate(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()


async def _run() -> None:
    engine = create_async_engine(_sqlalchemy_url())
    async with engine.connect() as connection:
        await connection.run_sync(_migrate)
    await engine.dispose()


asyncio.run(_run())
