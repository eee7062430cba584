"""Known disruptions for everyone: GET /v1/public/incidents (the open incidents, no complaint,
no person), one incident, and the list the complaint form shows (its page, /gangguan/{id}, is
with the other citizen pages), so a citizen can follow a known problem instead of filing it."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
import structlog
from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel

from aduan.domain.errors import NotFound
from aduan.store import incidents
from aduan.store.db import DATABASE_DOWN
from aduan.web.deps import PoolDep
from aduan.web.http import ReadCache, app_cache
from aduan.web.problems import responses

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/v1/public", tags=["public"])
# The complaint form shows the list on every view: the database answers once per period.
CACHE_SECONDS = 30.0
NOTICE_MAX = 10  # the form names at most this many, newest first; the API lists them all


class PublicIncident(BaseModel):
    """A known disruption as anyone may read it: what the provider wrote for the public."""

    id: uuid.UUID
    title: str
    description: str
    category: str
    region_code: str
    status: str
    created_at: datetime
    answer: str | None = None
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    url: str  # its page on this site


def public(row: asyncpg.Record) -> PublicIncident:
    """An incident's row as the public reads it, with the address of its page."""
    return PublicIncident(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        category=row["category"],
        region_code=row["region_code"],
        status=row["status"],
        created_at=row["created_at"],
        answer=row["response"],
        answered_at=row["responded_at"],
        closed_at=row.get("closed_at"),
        url=f"/gangguan/{row['id']}",
    )


def cache(app: FastAPI) -> ReadCache[str, list[PublicIncident]]:
    """This app's cache of the open incidents."""
    return app_cache(app, "public_incidents", CACHE_SECONDS, 1)


async def open_incidents(app: FastAPI, pool: asyncpg.Pool) -> list[PublicIncident]:
    """The open incidents, at most CACHE_SECONDS old."""

    async def compute() -> list[PublicIncident]:
        return [public(row) for row in await incidents.public_open(pool)]

    return await cache(app).get("open", compute)


async def notice(request: Request) -> list[PublicIncident]:
    """The open incidents for the complaint form's notice; none while the database is away
    (the form must still work, and the submission says what is wrong)."""
    try:
        return (await open_incidents(request.app, request.app.state.pool))[:NOTICE_MAX]
    except DATABASE_DOWN:
        log.warning("incidents.notice_unavailable")
        return []


@router.get("/incidents", response_model=list[PublicIncident], responses=responses(503))
async def public_incidents(request: Request, pool: PoolDep) -> list[PublicIncident]:
    """Known disruptions still open, newest first; at most 30 seconds old."""
    return await open_incidents(request.app, pool)


async def one(pool: asyncpg.Pool, incident_id: uuid.UUID) -> PublicIncident:
    """One incident as the public reads it; NotFound if there is none."""
    row = await incidents.public_one(pool, incident_id)
    if row is None:
        raise NotFound(f"no incident {incident_id}")
    return public(row)


@router.get(
    "/incidents/{incident_id}", response_model=PublicIncident, responses=responses(404, 503)
)
async def public_incident(incident_id: uuid.UUID, pool: PoolDep) -> PublicIncident:
    """One known disruption, open or closed, with the provider's answer once given."""
    return await one(pool, incident_id)
