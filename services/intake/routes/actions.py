"""The complainant's actions: POST /v1/complaints/{tracking_code}/replies|confirm|dispute|rating."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request

from aduan.lifecycle.models import LifecycleState
from aduan.web.deps import PoolDep, SettingsDep
from aduan.web.problems import responses
from services.intake import tracking

router = APIRouter(prefix="/v1/complaints", tags=["complainant actions"])


@router.post(
    "/{tracking_code}/{name}",
    response_model=LifecycleState,
    response_model_exclude={"officer"},
    responses=responses(404, 409, 503),
)
async def act(
    tracking_code: str,
    name: str,
    request: Request,
    pool: PoolDep,
    settings: SettingsDep,
    x_access_token: Annotated[str | None, Header()] = None,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> LifecycleState:
    """Reply, confirm, dispute or rate; only with the complaint's access token."""
    row = await tracking.find(pool, settings, tracking_code, x_access_token)
    return await tracking.act(request.app.state.lifecycles, row, name, body)
