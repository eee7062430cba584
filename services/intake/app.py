"""Intake: the public API where complaints arrive."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from aduan import db, problems
from aduan.attachments import AttachmentStore
from aduan.config import Settings
from aduan.http import add_operations
from aduan.policy import load_policy
from services.intake.routes import actions, complaints, pages, stats, webhooks
from services.intake.routes import attachments as attachment_routes
from services.intake.routes import open311 as open311_routes
from workflows.client import Lifecycles

UPLOAD_PATHS = r"/portal/complaints|/track/attachments|/v1/complaints/[^/]+/attachments"


def create_app(settings: Settings) -> FastAPI:
    """The intake application; the pool opens lazily so a database outage means 503, not death."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await db.create_pool(settings.dsn, min_size=0, max_size=20)
        yield
        await app.state.attachments.close()
        await app.state.pool.close()

    app = FastAPI(title="Aduan intake", version="1", lifespan=lifespan)
    app.state.settings = settings
    app.state.policy = load_policy(settings.sla_policy)
    app.state.lifecycles = Lifecycles(settings)
    app.state.attachments = AttachmentStore(settings.nats_servers)  # connects on first use

    async def database() -> None:
        await app.state.pool.fetchval("SELECT 1")

    problems.install(app)
    # Forms with files may be as large as every allowed attachment plus the text fields.
    add_operations(app, {"database": database}, settings.max_body_bytes,
                   upload_paths=UPLOAD_PATHS, upload_bytes=settings.max_body_bytes
                   + settings.attachment_max_count * settings.attachment_max_bytes)
    app.include_router(complaints.router)
    app.include_router(stats.router)
    app.include_router(attachment_routes.router)  # before actions' /{tracking_code}/{name}
    app.include_router(actions.router)
    app.include_router(webhooks.router)
    app.include_router(open311_routes.router)
    app.include_router(pages.router)
    return app
