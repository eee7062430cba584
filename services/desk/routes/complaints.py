"""Staff routes: the queue, one complaint, and actions on it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from aduan import complaints
from aduan.deps import PoolDep
from aduan.problems import Problem, invalid
from services.desk import access
from services.desk.auth import StaffDep
from services.desk.schemas import ComplaintDetail, ComplaintSummary, QueueQuery
from workflows.actions import STAFF_ACTIONS
from workflows.client import parse_action
from workflows.models import LifecycleState

router = APIRouter(prefix="/v1/staff/complaints", tags=["staff"])
_FIELDS = "; ".join(f"{name}: {{{', '.join(f for f in a.input.model_fields if f != 'actor')}}}"
                    for name, a in STAFF_ACTIONS.items())
_ACTION_BODY = {"requestBody": {"content": {"application/json": {"schema": {
    "type": "object", "description": f"the action's fields. {_FIELDS}"}}}}}


def _not_found(complaint_id: uuid.UUID) -> Problem:
    return Problem(404, "Not found", f"no complaint {complaint_id}")


def _check_class(request: Request, complaint_class: str | None) -> None:
    known: frozenset[str] = request.app.state.classes
    if complaint_class is not None and complaint_class not in known:
        message = f"unknown class; the policy has {', '.join(sorted(known))}"
        raise invalid([{"loc": ("query", "class"), "msg": message}])


@router.get("", response_model=list[ComplaintSummary])
async def list_complaints(
    request: Request, pool: PoolDep, staff: StaffDep, query: Annotated[QueueQuery, Query()],
) -> list[ComplaintSummary]:
    """The queue the caller may see, soonest unmet deadline first."""
    _check_class(request, query.complaint_class)
    scope = access.queue_scope(staff, query.unit)
    rows = await complaints.list_for_staff(
        pool, now=datetime.now(UTC), status=query.status, unit=query.unit,
        complaint_class=query.complaint_class, escalation_level=query.escalation_level,
        overdue=query.overdue, only_unit=scope.only_unit, or_escalated=scope.or_escalated,
        limit=query.limit,
    )
    return [ComplaintSummary.model_validate(dict(row)) for row in rows]


@router.get("/{complaint_id}", response_model=ComplaintDetail)
async def get_complaint(complaint_id: uuid.UUID, pool: PoolDep, staff: StaffDep) -> ComplaintDetail:
    """One complaint with its deadlines and full timeline (internal entries included)."""
    row = await complaints.find_for_staff(pool, complaint_id, now=datetime.now(UTC))
    if row is None:
        raise _not_found(complaint_id)
    access.require_read(staff, row["unit"], row["escalation_level"])
    deadlines = await complaints.deadlines(pool, complaint_id)
    timeline = await complaints.timeline(pool, complaint_id, public_only=False)
    return ComplaintDetail.model_validate(access.redacted(staff, {
        **dict(row), "deadlines": [dict(d) for d in deadlines],
        "timeline": [dict(t) for t in timeline],
    }))


@router.post("/{complaint_id}/actions/{name}", response_model=LifecycleState,
             openapi_extra=_ACTION_BODY)
async def act(complaint_id: uuid.UUID, name: str, request: Request, pool: PoolDep,
              staff: StaffDep) -> LifecycleState:
    """Take an action as the caller; answers with the new state, 409 if the state forbids it."""
    action, parsed = parse_action(STAFF_ACTIONS, name, await _json_body(request))
    row = await complaints.find(pool, complaint_id)
    if row is None:
        raise _not_found(complaint_id)
    access.require_act(staff, row["unit"])
    result: LifecycleState = await request.app.state.lifecycles.act(
        complaint_id, action, parsed.model_copy(update={"actor": staff.user})
    )
    return result


async def _json_body(request: Request) -> Any:
    # Read here rather than declared as a Body parameter: FastAPI parses declared bodies
    # before dependencies run, and an unauthenticated caller must get 401, not 400.
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise Problem(400, "Malformed JSON", "the request body is not valid JSON") from exc
