"""GET /v1/public/stats: how the provider handles complaints, in numbers anyone may see."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from aduan import stats
from aduan.deps import PoolDep
from aduan.problems import responses

router = APIRouter(prefix="/v1/public", tags=["public"])


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


@router.get("/stats", response_model=PublicStats, responses=responses(503))
async def public_stats(pool: PoolDep) -> PublicStats:
    """Counts by status, outcome, class, escalation level and channel; deadlines met."""
    return PublicStats.model_validate(await stats.public_stats(pool))
