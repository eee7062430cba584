"""POST /v1/complaints and GET /v1/complaints/{tracking_code}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from aduan.store.submission import ComplaintCreated, PublicComplaintIn, submit
from aduan.web.deps import PoolDep, SettingsDep
from aduan.web.problems import responses
from services.intake import tracking
from services.intake.open311 import load_catalogue
from services.intake.schemas import ComplaintView

router = APIRouter(prefix="/v1/complaints", tags=["complaints"])
NOT_FOUND = tracking.not_found  # kept importable; call it for a new 404 problem


@router.post("", status_code=201, response_model=ComplaintCreated, responses=responses(409, 503))
async def create_complaint(
    body: PublicComplaintIn,
    request: Request,
    response: Response,
    pool: PoolDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> ComplaintCreated:
    """Store a complaint and announce it; a retry returns the first answer. `answers` are
    checked against the category's questions (422 naming answers.<code>)."""
    created, is_new = await submit(
        pool,
        settings,
        request.app.state.policy,
        body,
        rules=load_catalogue(settings.routing_rules).rules,
        idempotency_key=idempotency_key,
    )
    if not is_new:
        response.headers["Idempotent-Replayed"] = "true"
    return created


@router.get(
    "/{tracking_code}",
    response_model=ComplaintView,
    response_model_by_alias=True,
    responses=responses(404, 503),
)
async def get_complaint(
    tracking_code: str,
    pool: PoolDep,
    settings: SettingsDep,
    x_access_token: Annotated[str | None, Header()] = None,
) -> ComplaintView:
    """Status, escalation level, deadlines and public timeline, for the token holder only."""
    row = await tracking.find(pool, settings, tracking_code, x_access_token)
    return await tracking.view(pool, row, load_catalogue(settings.routing_rules).rules)
