"""Staff routes: the queue, one complaint, and actions on it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from aduan import complaints
from aduan.deps import PoolDep
from aduan.domain import EscalationLevel, Status
from aduan.problems import Problem
from services.desk.auth import StaffDep
from services.desk.schemas import ComplaintDetail, ComplaintSummary
from workflows.actions import STAFF_ACTIONS
from workflows.client import parse_action
from workflows.models import LifecycleState

router = APIRouter(prefix="/v1/staff/complaints", tags=["staff"])


@router.get("", response_model=list[ComplaintSummary])
async def list_complaints(
    pool: PoolDep, _: StaffDep, status: Status | None = None, unit: str | None = None,
    escalation_level: EscalationLevel | None = None,
) -> list[ComplaintSummary]:
    """The queue, soonest deadline first."""
    rows = await complaints.list_for_staff(pool, status=status, unit=unit,
                                           escalation_level=escalation_level)
    return [ComplaintSummary.model_validate(dict(row)) for row in rows]


@router.get("/{complaint_id}", response_model=ComplaintDetail)
async def get_complaint(complaint_id: uuid.UUID, pool: PoolDep, _: StaffDep) -> ComplaintDetail:
    """One complaint with its deadlines and full timeline (internal entries included)."""
    row = await complaints.find(pool, complaint_id)
    if row is None:
        raise Problem(404, "Not found", f"no complaint {complaint_id}")
    deadlines = await complaints.deadlines(pool, complaint_id)
    timeline = await complaints.timeline(pool, complaint_id, public_only=False)
    next_due = min((d["due_at"] for d in deadlines if d["met_at"] is None), default=None)
    return ComplaintDetail.model_validate({
        **dict(row), "next_due": next_due,
        "deadlines": [dict(d) for d in deadlines], "timeline": [dict(t) for t in timeline],
    })


@router.post("/{complaint_id}/actions/{name}", response_model=LifecycleState)
async def act(
    complaint_id: uuid.UUID, name: str, request: Request, pool: PoolDep, user: StaffDep,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> LifecycleState:
    """Take an action; answers with the new state, 409 if the state forbids it."""
    action, parsed = parse_action(STAFF_ACTIONS, name, body)
    if await complaints.find(pool, complaint_id) is None:
        raise Problem(404, "Not found", f"no complaint {complaint_id}")
    result: LifecycleState = await request.app.state.lifecycles.act(
        complaint_id, action, parsed.model_copy(update={"actor": user})
    )
    return result
