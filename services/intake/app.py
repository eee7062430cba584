"""Intake: the public API where complaints arrive."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from aduan import db, problems
from aduan.config import Settings
from aduan.http import add_operations
from aduan.policy import load_policy
from services.intake.routes import actions, complaints
from workflows.client import Lifecycles


def create_app(settings: Settings) -> FastAPI:
    """The intake application; the pool opens lazily so a database outage means 503, not death."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await db.create_pool(settings.dsn, min_size=0, max_size=20)
        yield
        await app.state.pool.close()

    app = FastAPI(title="Aduan intake", version="1", lifespan=lifespan)
    app.state.settings = settings
    app.state.policy = load_policy(settings.sla_policy)
    app.state.lifecycles = Lifecycles(settings)

    async def database() -> None:
        await app.state.pool.fetchval("SELECT 1")

    problems.install(app)
    add_operations(app, {"database": database}, settings.max_body_bytes)
    app.include_router(complaints.router)
    app.include_router(actions.router)
    return app
