"""FastAPI dependencies shared by intake and desk: the pool and settings on app.state."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from aduan.config import Settings


# Async although they await nothing: FastAPI runs a plain `def` dependency in its thread
# pool, two thread hand-offs per request for reading app.state.
async def _pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.pool
    return pool


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


PoolDep = Annotated[asyncpg.Pool, Depends(_pool)]
SettingsDep = Annotated[Settings, Depends(_settings)]
