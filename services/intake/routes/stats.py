"""GET /v1/public/stats: how the provider handles complaints, in numbers anyone may see."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel

from aduan.store import stats
from aduan.web.deps import PoolDep
from aduan.web.http import ReadCache, app_cache
from aduan.web.problems import responses

router = APIRouter(prefix="/v1/public", tags=["public"])
# Anyone may ask, as often as they like: the database answers once per period at most.
CACHE_SECONDS = 5.0


class DeadlineStats(BaseModel):
    """How often one kind of deadline was met or missed, and how long meeting it took."""

    met: int
    missed: int
    median_hours_to_meet: float | None


class PublicStats(BaseModel):
    """Aggregates only: no complaint, no text, no person."""

    complaints: int
    by_status: dict[str, int]
    by_outcome: dict[str, int]
    by_class: dict[str, int]
    by_escalation_level: dict[str, int]
    by_channel: dict[str, int]
    deadlines: dict[str, DeadlineStats]


def cache(app: FastAPI) -> ReadCache[str, PublicStats]:
    """This app's cache of the statistics."""
    return app_cache(app, "public_stats", CACHE_SECONDS, 1)


@router.get("/stats", response_model=PublicStats, responses=responses(503))
async def public_stats(request: Request, pool: PoolDep) -> PublicStats:
    """Counts by status, outcome, class, escalation level and channel; deadlines met.
    At most a few seconds old."""

    async def compute() -> PublicStats:
        return PublicStats.model_validate(await stats.public_stats(pool))

    return await cache(request.app).get("all", compute)
