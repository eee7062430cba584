"""Desk: the staff API (/v1/staff) and the staff's web pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from aduan.adapters.attachments import AttachmentStore
from aduan.adapters.oidc import Provider
from aduan.adapters.payload_codec import EncryptionCodec, keys_of
from aduan.adapters.tokens import TokenVerifier
from aduan.config import Settings
from aduan.domain.calendar import WorkingCalendar
from aduan.domain.policy import load_policy
from aduan.domain.routing import load_rules
from aduan.lifecycle.client import Lifecycles
from aduan.store import db
from aduan.web import problems
from aduan.web.http import add_operations
from services.desk import pages
from services.desk.routes import access_log, attachments, codec, complaints, incidents, rights


def create_app(settings: Settings) -> FastAPI:
    """The desk application; PostgreSQL and Temporal are reached lazily (503 while away)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await db.create_pool(settings.dsn, min_size=0)
        yield
        await app.state.attachments.close()
        await app.state.pool.close()

    app = FastAPI(title="Aduan desk", version="1", lifespan=lifespan)
    app.state.settings = settings
    app.state.lifecycles = Lifecycles(settings)
    app.state.verifier = TokenVerifier.from_settings(settings)
    app.state.oidc = Provider.from_settings(settings)  # None: staff sign in with a password
    app.state.attachments = AttachmentStore.from_settings(settings)  # connects on first use
    app.state.codec = EncryptionCodec(keys_of(settings))  # the Temporal UI's codec server
    app.state.policy = load_policy(settings.sla_policy)  # phone entries are checked against it
    # The class filter is checked against the policy in force: a typo is a 422, not [].
    app.state.classes = frozenset(app.state.policy.classes)
    policy = app.state.policy
    app.state.calendar = WorkingCalendar.from_config(policy.calendar, policy.timezone)
    rules = load_rules(settings.routing_rules)  # categories, units, field-check conditions
    app.state.rules = rules
    app.state.categories = sorted({r.category for r in rules.rules} | {rules.default.category})
    app.state.unit_codes = sorted(
        {rules.default.unit}
        | {r.unit for r in rules.rules}
        | {u for r in rules.rules for u in r.regions.values()}
    )

    async def database() -> None:
        await app.state.pool.fetchval("SELECT 1")

    async def temporal() -> None:
        await (await app.state.lifecycles.client()).service_client.check_health()

    problems.install(app)
    add_operations(
        app, settings, {"database": database, "temporal": temporal}, settings.max_body_bytes
    )
    app.include_router(complaints.router)
    app.include_router(attachments.router)
    app.include_router(incidents.router)
    app.include_router(access_log.router)
    app.include_router(rights.router)
    app.include_router(codec.router)
    pages.install(app)
    app.add_middleware(codec.CodecCors, origin=codec.origin_of(settings.temporal_ui_link))
    return app
