"""The complainant's actions: POST /v1/complaints/{tracking_code}/replies|confirm|dispute|rating."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request

from aduan import complaints
from aduan.deps import PoolDep, SettingsDep
from services.intake.routes.complaints import NOT_FOUND
from workflows.actions import COMPLAINANT_ACTIONS
from workflows.client import parse_action
from workflows.models import LifecycleState

router = APIRouter(prefix="/v1/complaints", tags=["complainant actions"])


@router.post("/{tracking_code}/{name}", response_model=LifecycleState,
             response_model_exclude={"officer"})
async def act(
    tracking_code: str, name: str, request: Request, pool: PoolDep, settings: SettingsDep,
    x_access_token: Annotated[str | None, Header()] = None,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> LifecycleState:
    """Reply, confirm, dispute or rate; only with the complaint's access token."""
    row = await complaints.find_by_tracking_code(pool, tracking_code.upper())
    if row is None or not x_access_token or \
            not complaints.token_matches(settings.secret_key, row["id"], x_access_token):
        raise NOT_FOUND
    action, parsed = parse_action(COMPLAINANT_ACTIONS, name, body)
    result: LifecycleState = await request.app.state.lifecycles.act(
        row["id"], action, parsed.model_copy(update={"actor": "complainant"})
    )
    return result
