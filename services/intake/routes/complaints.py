"""POST /v1/complaints and GET /v1/complaints/{tracking_code}."""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import APIRouter, Header, Request, Response
from prometheus_client import Counter

from aduan import complaints
from aduan.deps import PoolDep, SettingsDep
from aduan.problems import Problem
from services.intake.schemas import (
    ComplaintCreated,
    ComplaintIn,
    ComplaintView,
    DeadlineOut,
    TimelineEntry,
)
from services.intake.submission import submit

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/v1/complaints", tags=["complaints"])
ACCEPTED = Counter("aduan_complaints_accepted_total", "Complaints stored", ["channel"])
NOT_FOUND = Problem(404, "Not found", "no complaint with this tracking code and access token")


@router.post("", status_code=201, response_model=ComplaintCreated)
async def create_complaint(
    body: ComplaintIn, request: Request, response: Response, pool: PoolDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> ComplaintCreated:
    """Store a complaint and announce it; a retry returns the first answer."""
    created, is_new = await submit(pool, settings, request.app.state.policy, body,
                                   idempotency_key=idempotency_key)
    if is_new:
        ACCEPTED.labels(channel=body.channel).inc()
    else:
        response.headers["Idempotent-Replayed"] = "true"
    log.info("complaint.accepted", complaint_id=str(created.id), channel=body.channel,
             replayed=not is_new)
    return created


@router.get("/{tracking_code}", response_model=ComplaintView, response_model_by_alias=True)
async def get_complaint(
    tracking_code: str, pool: PoolDep, settings: SettingsDep,
    x_access_token: Annotated[str | None, Header()] = None,
) -> ComplaintView:
    """Status, escalation level, deadlines and public timeline, for the token holder only."""
    row = await complaints.find_by_tracking_code(pool, tracking_code.upper())
    if row is None or not x_access_token or \
            not complaints.token_matches(settings.secret_key, row["id"], x_access_token):
        raise NOT_FOUND
    deadlines = await complaints.deadlines(pool, row["id"])
    timeline = await complaints.timeline(pool, row["id"], public_only=True)
    return ComplaintView(
        tracking_code=row["tracking_code"], status=row["status"], outcome=row["outcome"],
        escalation_level=row["escalation_level"], complaint_class=row["complaint_class"],
        unit=row["unit"], received_at=row["received_at"],
        deadlines=[DeadlineOut(kind=d["kind"], due_at=d["due_at"], met_at=d["met_at"],
                               missed=d["missed_at"] is not None) for d in deadlines],
        timeline=[TimelineEntry(event_type=t["event_type"], status=t["status"],
                                escalation_level=t["escalation_level"],
                                occurred_at=t["occurred_at"], message=t["data"].get("message"))
                  for t in timeline],
    )
