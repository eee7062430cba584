"""Incidents on the desk: the list, one incident with its complaints (unlink, answer, close),
and on a complaint's page the complaints related to it, to link into an incident."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from aduan.domain.access_log import Access, Prefix, prefixed
from aduan.domain.errors import AduanError, InvalidInput
from aduan.domain.incidents import IncidentStatus, LinkedHow, region_key
from aduan.store import complaints, incidents
from aduan.web.problems import status_of
from services.desk import access, audit
from services.desk.incidents import Answered, answer
from services.desk.pages.render import page
from services.desk.pages.session import (
    Refused,
    SignedIn,
    SignedInDep,
    allowed,
    check_form,
)
from services.desk.routes.incidents import AnswerIn, IncidentIn

router = APIRouter(include_in_schema=False)
NEW = "new"  # the incident select's value for "open a new incident with these fields"
_INCIDENT_FIELDS = ("title", "description", "category", "region_code")
# Applied inside the routes that change something (reading needs only a session).
_manager = allowed(access.require_supervisor, "desk.error.incident")


def _errors(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        exc = InvalidInput.fields(exc.errors())
    if isinstance(exc, InvalidInput):
        return [f"{e['field']}: {e['message']}" for e in exc.extra.get("errors", [])]
    if isinstance(exc, AduanError):
        return [exc.detail]
    raise exc


async def _form(request: Request, signed: SignedIn) -> tuple[dict[str, str], list[str]]:
    """The posted text fields (CSRF checked) and the ticked complaints' ids."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    check_form(signed, fields)
    ticked = [v for v in form.getlist("complaint") if isinstance(v, str)]
    return fields, ticked


def _new_incident(request: Request, fields: dict[str, str]) -> IncidentIn:
    body = IncidentIn.model_validate({k: fields.get(k, "") for k in _INCIDENT_FIELDS})
    if body.category not in request.app.state.categories:
        raise InvalidInput.field("category", "unknown category")
    return body


async def _create(request: Request, signed: SignedIn, body: IncidentIn) -> uuid.UUID:
    row = await incidents.create(
        request.app.state.pool,
        incidents.NewIncident(body.title, body.description, body.category, body.region_code),
        created_by=signed.account.username,
        now=datetime.now(UTC),
    )
    created: uuid.UUID = row["id"]
    # After the insert, which names its author too: the log needs the new incident's id.
    await audit.record(
        request,
        signed.account.staff,
        prefixed(Prefix.INCIDENT, "create"),
        surface="page",
        incident_id=created,
    )
    return created


async def _link_all(
    request: Request, signed: SignedIn, incident_id: uuid.UUID, ticked: list[str]
) -> list[str]:
    """Link each ticked complaint the user may link; what was refused, in words."""
    pool, staff, problems = request.app.state.pool, signed.account.staff, []
    for value in ticked:
        try:
            complaint_id = uuid.UUID(value)
        except ValueError:
            problems.append(f"{value[:40]}: ?")
            continue
        row = await complaints.find(pool, complaint_id)
        if row is None or not access.can_link(staff, row["unit"]):
            problems.append(f"{row['tracking_code'] if row else value}: {staff.role}")
            continue
        await audit.record(
            request,
            staff,
            prefixed(Prefix.INCIDENT, "link"),
            complaint_id,
            surface="page",
            incident_id=incident_id,
        )
        try:
            await incidents.link(
                pool, incident_id, complaint_id, by=staff.user, how=LinkedHow.STAFF,
                now=datetime.now(UTC),
            )  # fmt: skip
        except AduanError as exc:
            problems.append(f"{row['tracking_code']}: {exc.detail}")
    return problems


# The list ------------------------------------------------------------------------------------


async def _list_page(
    request: Request,
    signed: SignedIn,
    *,
    status: int = 200,
    errors: list[str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    return page(
        request,
        "incidents.html",
        signed,
        status=status,
        incidents=await incidents.listed(request.app.state.pool),
        categories=request.app.state.categories,
        may_manage=signed.account.role in access.INCIDENT_ROLES,
        errors=errors or [],
        values=values or {},
    )


@router.get("/incidents", response_class=HTMLResponse)
async def incident_list(request: Request, signed: SignedInDep) -> Response:
    """Every incident, open ones first; supervisors and admins open new ones here."""
    return await _list_page(request, signed)


@router.post("/incidents", response_class=HTMLResponse)
async def create_incident(request: Request, signed: SignedInDep) -> Response:
    """Open an incident (with the complaints ticked on a complaint's page, if any)."""
    signed = await _manager(signed)
    fields, ticked = await _form(request, signed)
    try:
        body = _new_incident(request, fields)
    except (ValidationError, InvalidInput) as exc:
        return await _list_page(request, signed, status=422, errors=_errors(exc), values=fields)
    return await _created(request, signed, body, ticked)


@router.post("/incidents/link", response_class=HTMLResponse)
async def link_ticked(request: Request, signed: SignedInDep) -> Response:
    """From a complaint's page: link the ticked complaints to the chosen open incident, or to
    a new one made from the fields."""
    signed = await _manager(signed)
    fields, ticked = await _form(request, signed)
    chosen = fields.get("incident", "")
    if chosen == NEW:
        try:
            body = _new_incident(request, fields)
        except (ValidationError, InvalidInput) as exc:
            return await _list_page(request, signed, status=422, errors=_errors(exc), values=fields)
        return await _created(request, signed, body, ticked)
    try:
        incident_id = uuid.UUID(chosen)
    except ValueError as exc:
        raise Refused("desk.error.not_found", status=404, signed=signed) from exc
    if await incidents.find(request.app.state.pool, incident_id) is None:
        raise Refused("desk.error.not_found", status=404, signed=signed)
    problems = await _link_all(request, signed, incident_id, ticked)
    if problems:
        return await _incident_page(request, signed, incident_id, status=409, errors=problems)
    return RedirectResponse(f"/incidents/{incident_id}?done=linked", status_code=303)


async def _created(
    request: Request, signed: SignedIn, body: IncidentIn, ticked: list[str]
) -> Response:
    """Open the incident and link the ticked complaints to it."""
    incident_id = await _create(request, signed, body)
    problems = await _link_all(request, signed, incident_id, ticked)
    if problems:
        return await _incident_page(request, signed, incident_id, status=409, errors=problems)
    return RedirectResponse(f"/incidents/{incident_id}?done=created", status_code=303)


# One incident --------------------------------------------------------------------------------


async def _incident_page(
    request: Request,
    signed: SignedIn,
    incident_id: uuid.UUID,
    *,
    status: int = 200,
    errors: list[str] | None = None,
    results: list[Answered] | None = None,
    done: str | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    pool, staff = request.app.state.pool, signed.account.staff
    row = await incidents.find(pool, incident_id)
    if row is None:
        raise Refused("desk.error.not_found", status=404, signed=signed)
    await audit.record(
        request, staff, Access.READ_INCIDENT, surface="page", incident_id=incident_id
    )
    linked = [
        r
        for r in await incidents.linked(pool, incident_id)
        if access.can_read(staff, r["unit"], r["escalation_level"])
    ]
    settings = request.app.state.settings
    return page(
        request,
        "incident.html",
        signed,
        status=status,
        i=row,
        linked=linked,
        may_manage=staff.role in access.INCIDENT_ROLES,
        may_link=lambda unit: access.can_link(staff, unit),
        open=row["status"] == IncidentStatus.OPEN,
        public_url=f"{settings.intake_link}/gangguan/{row['id']}",
        errors=errors or [],
        results=results or [],
        done=done,
        values=values or {},
    )


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
async def incident(incident_id: uuid.UUID, request: Request, signed: SignedInDep) -> Response:
    """One incident: what the public reads, its complaints, the answer form and closing."""
    done = request.query_params.get("done")
    known = {"created", "linked", "unlinked", "closed"}
    return await _incident_page(request, signed, incident_id, done=done if done in known else None)


@router.post("/incidents/{incident_id}/respond", response_class=HTMLResponse)
async def respond(incident_id: uuid.UUID, request: Request, signed: SignedInDep) -> Response:
    """Answer every open complaint of the incident; the page lists what happened to each."""
    signed = await _manager(signed)
    fields, _ = await _form(request, signed)
    try:
        body = AnswerIn.model_validate({"message": fields.get("message", "")})
        await audit.record(
            request,
            signed.account.staff,
            prefixed(Prefix.INCIDENT, "respond"),
            surface="page",
            incident_id=incident_id,
        )
        _, results = await answer(
            request.app.state.pool,
            request.app.state.lifecycles,
            signed.account.staff,
            incident_id,
            body.message,
        )
    except (ValidationError, AduanError) as exc:
        return await _incident_page(
            request, signed, incident_id, status=_status(exc), errors=_errors(exc), values=fields
        )
    return await _incident_page(request, signed, incident_id, results=results, done="answered")


def _status(exc: ValidationError | AduanError) -> int:
    return status_of(exc) if isinstance(exc, AduanError) else 422


@router.post("/incidents/{incident_id}/close", response_class=HTMLResponse)
async def close(incident_id: uuid.UUID, request: Request, signed: SignedInDep) -> Response:
    """Close the incident: it links nothing more and leaves the citizen form."""
    signed = await _manager(signed)
    await _form(request, signed)
    if await incidents.find(request.app.state.pool, incident_id) is None:
        raise Refused("desk.error.not_found", status=404, signed=signed)
    await audit.record(
        request,
        signed.account.staff,
        prefixed(Prefix.INCIDENT, "close"),
        surface="page",
        incident_id=incident_id,
    )
    await incidents.close(
        request.app.state.pool, incident_id, by=signed.account.username, now=datetime.now(UTC)
    )
    return RedirectResponse(f"/incidents/{incident_id}?done=closed", status_code=303)


@router.post("/incidents/{incident_id}/complaints/{complaint_id}/unlink")
async def unlink(
    incident_id: uuid.UUID, complaint_id: uuid.UUID, request: Request, signed: SignedInDep
) -> Response:
    """Take one complaint out of the incident."""
    signed = await _manager(signed)
    await _form(request, signed)
    pool = request.app.state.pool
    row = await complaints.find(pool, complaint_id)
    if row is None or not access.can_link(signed.account.staff, row["unit"]):
        raise Refused("desk.error.incident", signed=signed)
    await audit.record(
        request,
        signed.account.staff,
        prefixed(Prefix.INCIDENT, "unlink"),
        complaint_id,
        surface="page",
        incident_id=incident_id,
    )
    await incidents.unlink(pool, incident_id, complaint_id)
    return RedirectResponse(f"/incidents/{incident_id}?done=unlinked", status_code=303)


# On a complaint's page -----------------------------------------------------------------------


async def related_context(
    request: Request, signed: SignedIn, detail: dict[str, Any]
) -> dict[str, Any]:
    """What a complaint's page shows of incidents: its own, the related complaints (those the
    user may read), and for supervisors the open incidents to link them to."""
    pool, staff = request.app.state.pool, signed.account.staff
    found = await incidents.related(pool, detail["id"])
    related = [r for r in found if access.can_read(staff, r.row["unit"], r.row["escalation_level"])]
    may_link = access.can_link(staff, detail["unit"])
    tickable = [
        r for r in related if r.incident_id is None and access.can_link(staff, r.row["unit"])
    ]
    region = (detail.get("location") or {}).get("region_code")
    routed = [t for t in detail["timeline"] if t["event_type"] == "routed"]
    category = (routed[-1]["data"].get("category") if routed else None) or detail["category"]
    return {
        "incident": await incidents.incident_of(pool, detail["id"]),
        "related": related,
        "may_link": may_link,
        "tickable": len(tickable),
        "may_link_row": lambda unit: access.can_link(staff, unit),
        "open_incidents": (
            await incidents.listed(pool, status=IncidentStatus.OPEN) if may_link else []
        ),
        "categories": request.app.state.categories,
        "suggested_region": region_key(region) or region or "",
        "suggested_category": category or "",
    }
