"""Staff routes: the queue, one complaint, and actions on it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import ValidationError

from aduan.domain.access_log import Access, Prefix, prefixed
from aduan.domain.errors import InvalidInput, Malformed, NotFound
from aduan.domain.vocabulary import Channel
from aduan.lifecycle.actions import STAFF_ACTIONS
from aduan.lifecycle.client import parse_action
from aduan.lifecycle.models import LifecycleState
from aduan.store import complaints
from aduan.store.submission import ComplaintCreated, ComplaintIn, submit
from aduan.web.deps import PoolDep, SettingsDep
from aduan.web.problems import responses
from services.desk import access, audit, inspection
from services.desk.auth import StaffDep
from services.desk.schemas import (
    CallerComplaintIn,
    ComplaintDetail,
    ComplaintSummary,
    QueueQuery,
)

log = structlog.get_logger(__name__)
# Every staff route needs a valid token (401) and the database or the issuer (503).
router = APIRouter(prefix="/v1/staff/complaints", tags=["staff"], responses=responses(401, 503))
_FIELDS = "; ".join(
    f"{name}: {{{', '.join(f for f in a.input.model_fields if f != 'actor')}}}"
    for name, a in STAFF_ACTIONS.items()
)
_ACTION_BODY = {
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {"type": "object", "description": f"the action's fields. {_FIELDS}"}
            }
        }
    }
}
_ENTRY_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": CallerComplaintIn.model_json_schema(by_alias=True)}
        },
    }
}


def _not_found(complaint_id: uuid.UUID) -> NotFound:
    return NotFound(f"no complaint {complaint_id}")


def _check_class(request: Request, complaint_class: str | None) -> None:
    known: frozenset[str] = request.app.state.classes
    if complaint_class is not None and complaint_class not in known:
        message = f"unknown class; the policy has {', '.join(sorted(known))}"
        raise InvalidInput.fields([{"loc": ("query", "class"), "msg": message}])


@router.get("", response_model=list[ComplaintSummary], responses=responses(403))
async def list_complaints(
    request: Request,
    pool: PoolDep,
    staff: StaffDep,
    query: Annotated[QueueQuery, Query()],
) -> list[ComplaintSummary]:
    """The queue the caller may see, soonest unmet deadline first."""
    _check_class(request, query.complaint_class)
    scope = access.queue_scope(staff, query.unit)
    rows = await complaints.list_for_staff(
        pool,
        now=datetime.now(UTC),
        status=query.status,
        unit=query.unit,
        complaint_class=query.complaint_class,
        escalation_level=query.escalation_level,
        overdue=query.overdue,
        only_unit=scope.only_unit,
        or_escalated=scope.or_escalated,
        limit=query.limit,
    )
    await audit.record(
        request,
        staff,
        Access.LIST,
        surface="api",
        rows=len(rows),
        **{
            "status": query.status,
            "unit": query.unit,
            "class": query.complaint_class,
            "escalation": query.escalation_level,
            "overdue": query.overdue,
        },
    )
    return [ComplaintSummary.model_validate(dict(row)) for row in rows]


@router.post(
    "",
    status_code=201,
    response_model=ComplaintCreated,
    openapi_extra=_ENTRY_BODY,
    responses=responses(403, 409),
)
async def enter_complaint(
    request: Request,
    response: Response,
    pool: PoolDep,
    settings: SettingsDep,
    staff: StaffDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> ComplaintCreated:
    """A complaint taken on the phone, recorded with the staff user who entered it; read the
    tracking code and access token out to the caller. A retry returns the first answer."""
    access.require_entry(staff)
    try:
        fields = CallerComplaintIn.model_validate(await _json_body(request) or {})
        body = ComplaintIn.model_validate(
            {**fields.model_dump(by_alias=True, exclude_unset=True), "channel": Channel.PHONE}
        )
    except ValidationError as exc:
        raise InvalidInput.fields(exc.errors()) from exc
    created, is_new = await submit(
        pool,
        settings,
        request.app.state.policy,
        body,
        rules=request.app.state.rules,
        idempotency_key=idempotency_key,
        entered_by=staff.user,
    )
    if not is_new:
        response.headers["Idempotent-Replayed"] = "true"
    await audit.record(request, staff, Access.ENTER, created.id, surface="api")
    log.info(
        "complaint.entered",
        complaint_id=str(created.id),
        channel=Channel.PHONE,
        replayed=not is_new,
    )
    return created


@router.get("/{complaint_id}", response_model=ComplaintDetail, responses=responses(403, 404))
async def get_complaint(
    complaint_id: uuid.UUID, request: Request, pool: PoolDep, staff: StaffDep
) -> ComplaintDetail:
    """One complaint with its deadlines and full timeline (internal entries included); the
    read is in the access log, with whether the complainant's identity was shown."""
    row = await complaints.find_for_staff(pool, complaint_id, now=datetime.now(UTC))
    if row is None:
        raise _not_found(complaint_id)
    access.require_read(staff, row["unit"], row["escalation_level"])
    deadlines = await complaints.deadlines(pool, complaint_id)
    timeline = await complaints.timeline(pool, complaint_id, public_only=False)
    shown = access.shows_identity(staff, dict(row))
    await audit.record(request, staff, Access.READ, complaint_id, shown, surface="api")
    return ComplaintDetail.model_validate(
        access.redacted(
            staff,
            {
                **dict(row),
                "deadlines": [dict(d) for d in deadlines],
                "timeline": [dict(t) for t in timeline],
            },
            request.app.state.rules.identifying(),
        )
    )


@router.post(
    "/{complaint_id}/actions/{name}",
    response_model=LifecycleState,
    openapi_extra=_ACTION_BODY,
    responses=responses(403, 404, 409),
)
async def act(
    complaint_id: uuid.UUID, name: str, request: Request, pool: PoolDep, staff: StaffDep
) -> LifecycleState:
    """Take an action as the caller; answers with the new state, 409 if the state forbids it."""
    action, parsed = parse_action(STAFF_ACTIONS, name, await _json_body(request))
    row = await complaints.find(pool, complaint_id)
    if row is None:
        raise _not_found(complaint_id)
    access.require_act(staff, row["unit"])
    await inspection.check(
        pool,
        request.app.state.rules,
        {**row, "category": await complaints.routed_category(pool, row)},
        parsed,
        request.app.state.calendar.today(),
    )
    # Recorded when asked for, before the lifecycle runs it: whether it was accepted is the
    # timeline's to say, and an action the log could not hold is never taken.
    await audit.record(request, staff, prefixed(Prefix.ACT, name), complaint_id, surface="api")
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
        raise Malformed("the request body is not valid JSON") from exc
