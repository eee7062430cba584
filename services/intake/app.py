"""Intake: the public API where complaints arrive."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request, Response

from aduan.adapters.attachments import AttachmentStore
from aduan.config import Settings
from aduan.domain.errors import RateLimited
from aduan.domain.policy import load_policy
from aduan.lifecycle.client import Lifecycles
from aduan.store import db
from aduan.store.ratelimit import RateLimits, check_rates
from aduan.web import problems
from aduan.web.http import add_operations
from services.intake.limits import rate_limit
from services.intake.routes import actions, complaints, incidents, pages, stats, webhooks
from services.intake.routes import attachments as attachment_routes
from services.intake.routes import open311 as open311_routes
from services.intake.watch import watch

UPLOAD_PATHS = (
    r"/portal/complaints|/track/attachments|/v1/complaints/[^/]+/attachments"
    r"|/open311/v2/requests\.\w+"  # multipart media
)


def create_app(settings: Settings) -> FastAPI:
    """The intake application; the pool opens lazily so a database outage means 503, not death."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await db.create_pool(settings.dsn, min_size=0, max_size=20)
        app.state.limits = RateLimits(app.state.pool, settings)
        watching = asyncio.create_task(watch(app.state.attachments, app.state.pool, settings))
        yield
        watching.cancel()
        await asyncio.wait([watching], timeout=5)
        await app.state.attachments.close()
        await app.state.pool.close()

    check_rates(settings)
    app = FastAPI(
        title="Aduan intake", version="1", lifespan=lifespan, dependencies=[Depends(rate_limit)]
    )
    app.state.settings = settings
    app.state.policy = load_policy(settings.sla_policy)
    app.state.lifecycles = Lifecycles(settings)
    app.state.attachments = AttachmentStore.from_settings(settings)  # connects on first use

    async def database() -> None:
        await app.state.pool.fetchval("SELECT 1")

    problems.install(app)

    async def too_many(request: Request, exc: Exception) -> Response:
        # A person on a page reads why and how long to wait; a client reads problem JSON
        # (Open311's routes answer in the specification's format by themselves).
        assert isinstance(exc, RateLimited)
        if request.url.path.startswith("/v1/"):
            return await problems.answer(request, exc)
        return pages.too_many(request, exc)

    app.add_exception_handler(RateLimited, too_many)
    # Forms with files may be as large as every allowed attachment plus the text fields.
    add_operations(
        app,
        settings,
        {"database": database},
        settings.max_body_bytes,
        upload_paths=UPLOAD_PATHS,
        upload_bytes=settings.max_body_bytes
        + settings.attachment_max_count * settings.attachment_max_bytes,
    )
    limited = problems.responses(429)  # services/intake/limits.py counts these routes' calls
    app.include_router(complaints.router, responses=limited)
    app.include_router(stats.router, responses=limited)
    app.include_router(incidents.router, responses=limited)
    # Attachments before actions' /{tracking_code}/{name}.
    app.include_router(attachment_routes.router, responses=limited)
    app.include_router(actions.router, responses=limited)
    app.include_router(webhooks.router, responses=limited)
    app.include_router(open311_routes.router)  # its 429s are the specification's errors
    app.include_router(pages.router)
    return app
