"""The inspector's pages, laid out for a phone in the field: the visits of a day, and the
form that records one visit's findings with photos taken on site."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from aduan.domain.access_log import Access, Prefix, prefixed
from aduan.domain.attachments import Upload
from aduan.domain.errors import AduanError, InvalidInput
from aduan.domain.vocabulary import ActionName, Status
from aduan.lifecycle.actions import STAFF_ACTIONS
from aduan.lifecycle.models import RecordFieldCheckInput
from aduan.lifecycle.rules import ALLOWED_FROM
from aduan.store import attachments, complaints, fieldchecks
from aduan.web.uploads import read_form
from services.desk import access, audit
from services.desk.inspection import check_findings
from services.desk.pages.render import page
from services.desk.pages.session import Refused, SignedIn, SignedInDep, check_form

router = APIRouter(prefix="/visits", include_in_schema=False)
RECORD_NAME = "record-field-check"
RECORD = STAFF_ACTIONS[RECORD_NAME]
FIELDS = ("visited_at", "minutes_on_site", "condition", "meter_reading", "notes")


def _day(text: str | None, today: date) -> date:
    try:
        return date.fromisoformat(text) if text else today
    except ValueError:
        return today


@router.get("", response_class=HTMLResponse)
async def visits(request: Request, signed: SignedInDep) -> Response:
    """The signed-in inspector's visits of a day (today unless `?date=`)."""
    today = request.app.state.calendar.today()
    day = _day(request.query_params.get("date"), today)
    rows = await fieldchecks.visits(request.app.state.pool, signed.account.username, day)
    staff = signed.account.staff
    # The list shows each complainant's phone (to call ahead), as the role may see it.
    shown = {r["id"]: access.shows_identity(staff, dict(r), ("phone",), on_page=True) for r in rows}
    await audit.record_reads(request, staff, Access.READ, shown, surface="visits")
    return page(
        request,
        "visits.html",
        signed,
        day=day,
        today=today,
        visits=[access.redacted(staff, dict(r)) for r in rows],
        done=request.query_params.get("done") == "1",
    )


async def _visit(request: Request, signed: SignedIn, complaint_id: uuid.UUID) -> dict[str, Any]:
    """The complaint with its pending visit, if the user may record it (Refused otherwise)."""
    pool = request.app.state.pool
    row = await complaints.find_for_staff(pool, complaint_id, now=datetime.now(UTC))
    if row is None:
        raise Refused("desk.error.not_found", status=404, signed=signed)
    if not access.can_act(signed.account.staff, row["unit"]):
        raise Refused("desk.error.forbidden", signed=signed)
    pending = await fieldchecks.pending(pool, complaint_id)
    if pending is None or Status(row["status"]) not in ALLOWED_FROM[ActionName.RECORD_FIELD_CHECK]:
        raise Refused("desk.error.no_visit", status=409, signed=signed)
    detail = access.redacted(signed.account.staff, dict(row))
    detail["category"] = await complaints.routed_category(pool, row)
    detail["visit"] = pending["data"]
    return detail


async def _form(
    request: Request,
    signed: SignedIn,
    detail: dict[str, Any],
    *,
    status: int = 200,
    errors: list[str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    now = datetime.now(request.app.state.calendar.tz)
    return page(
        request,
        "visit.html",
        signed,
        status=status,
        c=detail,
        conditions=request.app.state.rules.conditions_for(detail["category"]),
        errors=errors or [],
        values=values or {"visited_at": now.strftime("%Y-%m-%dT%H:%M")},
        max_photos=request.app.state.settings.attachment_max_count,
    )


@router.get("/{complaint_id}", response_class=HTMLResponse)
async def visit(complaint_id: uuid.UUID, request: Request, signed: SignedInDep) -> Response:
    """The form for one visit's findings (no complainant on it)."""
    detail = await _visit(request, signed, complaint_id)
    await audit.record(request, signed.account.staff, Access.READ, complaint_id, surface="visit")
    return await _form(request, signed, detail)


@router.post("/{complaint_id}", response_class=HTMLResponse)
async def record(complaint_id: uuid.UUID, request: Request, signed: SignedInDep) -> Response:
    """Record the findings: photos kept with the complaint first, then the lifecycle's Update;
    a refusal shows the form again with what was typed and why."""
    settings = request.app.state.settings
    form = await read_form(request, settings)
    check_form(signed, form.fields)
    detail = await _visit(request, signed, complaint_id)
    values = {k: form.fields.get(k, "").strip() for k in FIELDS}
    try:
        findings = _findings(request, values)
        check_findings(request.app.state.rules, detail["category"], findings, [])
        await audit.record(
            request,
            signed.account.staff,
            prefixed(Prefix.ACT, RECORD_NAME),
            complaint_id,
            surface="visit",
            files=len(form.uploads),
        )
        photos = await _photos(request, detail, form.uploads)
        findings = findings.model_copy(update={"photos": photos, "actor": signed.account.username})
        await request.app.state.lifecycles.act(complaint_id, RECORD, findings)
    except InvalidInput as exc:
        errors = [f"{e['field']}: {e['message']}" for e in exc.extra.get("errors", [])]
        return await _form(request, signed, detail, status=422, errors=errors, values=values)
    except AduanError as exc:
        return await _form(request, signed, detail, status=409, errors=[exc.detail], values=values)
    return RedirectResponse("/visits?done=1", status_code=303)


def _findings(request: Request, values: dict[str, str]) -> RecordFieldCheckInput:
    """The typed findings; the time on site is read in the provider's time zone."""
    body: dict[str, Any] = {k: v for k, v in values.items() if v}
    if "visited_at" in body:
        try:
            moment = datetime.fromisoformat(body["visited_at"])
        except ValueError as exc:
            raise InvalidInput.field("visited_at", "not a date and time") from exc
        tz = request.app.state.calendar.tz
        body["visited_at"] = moment if moment.tzinfo else moment.replace(tzinfo=tz)
    try:
        return RecordFieldCheckInput.model_validate(body)
    except ValidationError as exc:
        raise InvalidInput.fields(exc.errors()) from exc


async def _photos(request: Request, detail: dict[str, Any], uploads: list[Upload]) -> list[str]:
    """Keys of the uploaded photos among the complaint's attachments; a photo sent again (a
    form resent after a refusal) is the one already kept, not a second copy."""
    held = {a["sha256"]: a["key"] for a in detail["attachments"]}
    keys, new = [], []
    for upload in uploads:
        digest = hashlib.sha256(upload.data).hexdigest()
        if digest in held:
            keys.append(held[digest])
        else:
            new.append(upload)
    if new:
        row = await complaints.find(request.app.state.pool, detail["id"])
        refs = await attachments.attach(
            request.app.state.pool,
            request.app.state.settings,
            request.app.state.attachments,
            row,
            new,
        )
        keys += [ref.key for ref in refs]
    return keys
