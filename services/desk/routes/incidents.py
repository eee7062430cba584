"""Staff routes for incidents: related complaints, incidents, their links and their answer."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import asyncpg
from fastapi import APIRouter, Query, Request
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from aduan.domain import incidents as rules
from aduan.domain.access_log import Access, Prefix, prefixed
from aduan.domain.errors import InvalidInput, Malformed, NotFound
from aduan.domain.incidents import AnswerOutcome, IncidentStatus, LinkedHow
from aduan.domain.text import refuse_nul
from aduan.store import complaints, incidents
from aduan.web.deps import PoolDep
from aduan.web.problems import responses
from services.desk import access, audit
from services.desk.auth import StaffDep
from services.desk.incidents import answer

router = APIRouter(prefix="/v1/staff", tags=["incidents"], responses=responses(401, 503))
Model = TypeVar("Model", bound=BaseModel)


Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=rules.TITLE_MAX)
]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=rules.DESCRIPTION_MAX)
]
Message = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=rules.MESSAGE_MAX)
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: object) -> object:
        return refuse_nul(data)  # PostgreSQL refuses NUL: a 422 here, not a 500


class IncidentIn(_Input):
    """A new incident: what the public reads (title, description) and where it is."""

    title: Title
    description: Description
    category: str = Field(min_length=1, max_length=100)
    region_code: str = Field(
        max_length=rules.REGION_CODE_MAX,
        pattern=rules.REGION_CODE_PATTERN,
        description="the area, any level: '32.73' (a city) or '32.73.05' (a district)",
    )


class LinkIn(_Input):
    """The complaint to link."""

    complaint_id: uuid.UUID


class AnswerIn(_Input):
    """The answer every linked complainant gets; also shown on the incident's public page."""

    message: Message


class IncidentOut(BaseModel):
    """An incident as staff see it."""

    id: uuid.UUID
    title: str
    description: str
    category: str
    region_code: str
    status: str
    created_by: str
    created_at: datetime
    response: str | None
    responded_by: str | None
    responded_at: datetime | None
    closed_at: datetime | None
    complaints: int


class LinkedComplaint(BaseModel):
    """A complaint of an incident: no complainant, only what handling needs."""

    id: uuid.UUID
    tracking_code: str
    status: str
    unit: str | None
    escalation_level: str
    category: str | None
    received_at: datetime
    how: LinkedHow
    linked_by: str
    linked_at: datetime


class IncidentDetail(IncidentOut):
    """An incident with the complaints linked to it (those the caller may read)."""

    linked: list[LinkedComplaint]


class RelatedComplaint(BaseModel):
    """A complaint proposed as related, with how alike its text is (pg_trgm, 0 to 1)."""

    id: uuid.UUID
    tracking_code: str
    status: str
    unit: str | None
    category: str | None
    region_code: str | None
    received_at: datetime
    similarity: float
    incident_id: uuid.UUID | None


class RelatedOut(BaseModel):
    """The complaint's incident if it has one, and the complaints proposed as related."""

    incident_id: uuid.UUID | None
    related: list[RelatedComplaint]


class LinkOut(BaseModel):
    """The link made (or found made already)."""

    incident_id: uuid.UUID
    complaint_id: uuid.UUID
    linked: bool = Field(description="false: it was linked already, nothing changed")


class AnsweredOut(BaseModel):
    """What the answer did to one complaint."""

    complaint_id: uuid.UUID
    tracking_code: str
    outcome: AnswerOutcome
    status: str
    reason: str | None


class AnswerOut(BaseModel):
    """The incident as answered, and the outcome for each of its complaints."""

    incident: IncidentOut
    results: list[AnsweredOut]


def _body_doc(model: type[BaseModel]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


async def _body(request: Request, model: type[Model]) -> Model:
    # Read here rather than declared as a Body parameter: FastAPI parses declared bodies
    # before dependencies run, and an unauthenticated caller must get 401, not 400.
    raw = await request.body()
    try:
        data = json.loads(raw) if raw.strip() else {}
    except ValueError as exc:
        raise Malformed("the request body is not valid JSON") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput.fields(exc.errors()) from exc


def _check_category(request: Request, category: str) -> None:
    known: list[str] = request.app.state.categories
    if category not in known:
        message = f"unknown category; the routing rules have {', '.join(known)}"
        raise InvalidInput.field("category", message)


async def _incident(pool: asyncpg.Pool, incident_id: uuid.UUID) -> asyncpg.Record:
    row = await incidents.find(pool, incident_id)
    if row is None:
        raise NotFound(f"no incident {incident_id}")
    return row


async def _complaint(pool: asyncpg.Pool, complaint_id: uuid.UUID) -> asyncpg.Record:
    row = await complaints.find(pool, complaint_id)
    if row is None:
        raise NotFound(f"no complaint {complaint_id}")
    return row


@router.get(
    "/complaints/{complaint_id}/related", response_model=RelatedOut, responses=responses(403, 404)
)
async def related(
    complaint_id: uuid.UUID, request: Request, pool: PoolDep, staff: StaffDep
) -> RelatedOut:
    """Complaints proposed as related: same category, same district or within 3 km, received
    within 3 days, similar text (docs/incidents.md); those the caller may read. None of them
    shows a complainant."""
    row = await _complaint(pool, complaint_id)
    access.require_read(staff, row["unit"], row["escalation_level"])
    found = await incidents.related(pool, complaint_id)
    own = await incidents.incident_of(pool, complaint_id)
    out = RelatedOut(
        incident_id=own["id"] if own else None,
        related=[
            RelatedComplaint(
                **{k: r.row[k] for k in ("id", "tracking_code", "status", "unit", "category")},
                region_code=(r.row["location"] or {}).get("region_code"),
                received_at=r.row["received_at"],
                similarity=round(r.similarity, 3),
                incident_id=r.incident_id,
            )
            for r in found
            if access.can_read(staff, r.row["unit"], r.row["escalation_level"])
        ],
    )
    await audit.record(
        request, staff, Access.RELATED, complaint_id, surface="api", rows=len(out.related)
    )
    return out


@router.get("/incidents", response_model=list[IncidentOut])
async def list_incidents(
    pool: PoolDep, staff: StaffDep, status: Annotated[IncidentStatus | None, Query()] = None
) -> list[IncidentOut]:
    """Incidents, open ones first, newest first."""
    rows = await incidents.listed(pool, status=status)
    return [IncidentOut.model_validate(dict(r)) for r in rows]


@router.post(
    "/incidents",
    status_code=201,
    response_model=IncidentOut,
    openapi_extra=_body_doc(IncidentIn),
    responses=responses(403),
)
async def create_incident(request: Request, pool: PoolDep, staff: StaffDep) -> IncidentOut:
    """Open an incident (supervisors and admins); link complaints to it next."""
    access.require_supervisor(staff)
    body = await _body(request, IncidentIn)
    _check_category(request, body.category)
    row = await incidents.create(
        pool,
        incidents.NewIncident(body.title, body.description, body.category, body.region_code),
        created_by=staff.user,
        now=datetime.now(UTC),
    )
    await audit.record(
        request, staff, prefixed(Prefix.INCIDENT, "create"), surface="api", incident_id=row["id"]
    )
    return IncidentOut.model_validate(dict(row))


@router.get("/incidents/{incident_id}", response_model=IncidentDetail, responses=responses(404))
async def get_incident(
    incident_id: uuid.UUID, request: Request, pool: PoolDep, staff: StaffDep
) -> IncidentDetail:
    """One incident with its complaints (those the caller may read; no complainant)."""
    row = await _incident(pool, incident_id)
    rows = await incidents.linked(pool, incident_id)
    await audit.record(request, staff, Access.READ_INCIDENT, surface="api", incident_id=incident_id)
    return IncidentDetail.model_validate(
        {
            **dict(row),
            "linked": [
                dict(r) for r in rows if access.can_read(staff, r["unit"], r["escalation_level"])
            ],
        }
    )


@router.post(
    "/incidents/{incident_id}/complaints",
    response_model=LinkOut,
    openapi_extra=_body_doc(LinkIn),
    responses=responses(403, 404, 409),
)
async def link(incident_id: uuid.UUID, request: Request, pool: PoolDep, staff: StaffDep) -> LinkOut:
    """Link a complaint (of the supervisor's unit) to an open incident; its complainant is
    told the problem is known. 409 if it belongs to another incident or this one is closed."""
    access.require_supervisor(staff)
    body = await _body(request, LinkIn)
    await _incident(pool, incident_id)
    row = await _complaint(pool, body.complaint_id)
    access.require_link(staff, row["unit"])
    await audit.record(
        request, staff, prefixed(Prefix.INCIDENT, "link"), body.complaint_id, surface="api",
        incident_id=incident_id,
    )  # fmt: skip
    made = await incidents.link(
        pool, incident_id, body.complaint_id, by=staff.user, how=LinkedHow.STAFF,
        now=datetime.now(UTC),
    )  # fmt: skip
    return LinkOut(incident_id=incident_id, complaint_id=body.complaint_id, linked=made)


@router.delete(
    "/incidents/{incident_id}/complaints/{complaint_id}",
    status_code=204,
    responses=responses(403, 404),
)
async def unlink(
    incident_id: uuid.UUID,
    complaint_id: uuid.UUID,
    request: Request,
    pool: PoolDep,
    staff: StaffDep,
) -> None:
    """Take a complaint out of an incident; its own lifecycle is untouched."""
    access.require_supervisor(staff)
    await _incident(pool, incident_id)
    row = await _complaint(pool, complaint_id)
    access.require_link(staff, row["unit"])
    await audit.record(
        request, staff, prefixed(Prefix.INCIDENT, "unlink"), complaint_id, surface="api",
        incident_id=incident_id,
    )  # fmt: skip
    if not await incidents.unlink(pool, incident_id, complaint_id):
        raise NotFound(f"complaint {complaint_id} is not linked to incident {incident_id}")


@router.post(
    "/incidents/{incident_id}/respond",
    response_model=AnswerOut,
    openapi_extra=_body_doc(AnswerIn),
    responses=responses(403, 404, 409),
)
async def respond(
    incident_id: uuid.UUID, request: Request, pool: PoolDep, staff: StaffDep
) -> AnswerOut:
    """Answer every open complaint of the incident, each through its own lifecycle: answered
    (`responded`), told without being answered while it waits for its complainant (`told`),
    or `skipped` with the reason. Sent again, nothing is answered twice."""
    access.require_supervisor(staff)
    body = await _body(request, AnswerIn)
    await _incident(pool, incident_id)
    await audit.record(
        request, staff, prefixed(Prefix.INCIDENT, "respond"), surface="api", incident_id=incident_id
    )
    lifecycles = request.app.state.lifecycles
    row, results = await answer(pool, lifecycles, staff, incident_id, body.message)
    return AnswerOut(
        incident=IncidentOut.model_validate(dict(row)),
        results=[AnsweredOut.model_validate(r.__dict__) for r in results],
    )


@router.post(
    "/incidents/{incident_id}/close", response_model=IncidentOut, responses=responses(403, 404)
)
async def close(
    incident_id: uuid.UUID, request: Request, pool: PoolDep, staff: StaffDep
) -> IncidentOut:
    """Close the incident: it links nothing more and leaves the citizen form."""
    access.require_supervisor(staff)
    await _incident(pool, incident_id)
    await audit.record(
        request, staff, prefixed(Prefix.INCIDENT, "close"), surface="api", incident_id=incident_id
    )
    row = await incidents.close(pool, incident_id, by=staff.user, now=datetime.now(UTC))
    return IncidentOut.model_validate(dict(row))
