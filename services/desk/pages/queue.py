"""The queue (`/`), its CSV export, one complaint with its actions, and its files."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from aduan import i18n
from aduan.adapters.attachments import find_attachment
from aduan.domain.access_log import Access, Prefix, prefixed
from aduan.domain.errors import AduanError, Forbidden, InvalidInput
from aduan.domain.events import EventType
from aduan.domain.questions import shown
from aduan.domain.response_templates import fill
from aduan.domain.vocabulary import Channel, EscalationLevel, Status
from aduan.lifecycle.actions import STAFF_ACTIONS
from aduan.lifecycle.client import parse_action
from aduan.lifecycle.rules import ALLOWED_FROM
from aduan.store import accounts, complaints, fieldchecks, response_templates
from aduan.web.downloads import download, spreadsheet_safe
from aduan.web.pages import choose_language, when
from aduan.web.problems import status_of
from services.desk import access, audit, inspection
from services.desk.pages.filters import PAGE_SIZE, Filters, parse_filters, query_string
from services.desk.pages.incidents import related_context
from services.desk.pages.render import page
from services.desk.pages.reports import report_form
from services.desk.pages.session import Refused, SignedIn, SignedInDep, posted

router = APIRouter(include_in_schema=False)
CSV_COLUMNS = (
    "tracking_code", "status", "escalation_level", "complaint_class", "unit", "officer",
    "channel", "received_at", "next_due", "overdue",
)  # fmt: skip


async def _filtered(request: Request, signed: SignedIn) -> Filters:
    """The filters asked for, within what the signed-in user may list (Refused if not)."""
    policy = request.app.state.policy
    filters = parse_filters(
        request.query_params,
        request.app.state.classes,
        policy.timezone,
        signed.account.username,
    )
    try:
        scope = access.queue_scope(signed.account.staff, filters.chosen.unit)
    except Forbidden as exc:
        raise Refused("desk.error.unit", signed=signed) from exc
    chosen = replace(filters.chosen, only_unit=scope.only_unit, or_escalated=scope.or_escalated)
    return replace(filters, chosen=chosen)


def _chosen(filters: Filters) -> dict[str, object]:
    """The filters as the access log records them: a text search without its words."""
    return {
        **{k: v for k, v in filters.values.items() if k != "q"},
        "searched": bool(filters.values["q"]),
    }


@router.get("/", response_class=HTMLResponse)
async def queue(request: Request, signed: SignedInDep) -> Response:
    """The complaints the user may see, soonest unmet deadline first, 50 a page."""
    filters = await _filtered(request, signed)
    pool = request.app.state.pool
    searched = filters.values["q"]
    code = complaints.find_tracking_code(searched) if searched else None
    if code:
        row = await complaints.find_by_tracking_code(pool, code)
        staff = signed.account.staff
        if row is not None and access.can_read(staff, row["unit"], row["escalation_level"]):
            return RedirectResponse(f"/complaints/{row['id']}", status_code=303)
        filters.problems.append("desk.search.no_code")
    elif searched:
        filters = replace(filters, chosen=replace(filters.chosen, text=searched))
    now = datetime.now(UTC)
    rows = await complaints.queue_page(
        pool, now, filters.chosen, limit=PAGE_SIZE + 1, offset=filters.offset
    )
    counts = await complaints.queue_counts(pool, now, filters.chosen)
    await audit.record(
        request,
        signed.account.staff,
        Access.LIST,
        surface="page",
        rows=len(rows[:PAGE_SIZE]),
        page=filters.page,
        **_chosen(filters),
    )
    return page(
        request,
        "queue.html",
        signed,
        status=400 if filters.problems else 200,
        rows=rows[:PAGE_SIZE],
        filters=filters,
        counts=counts,
        more=len(rows) > PAGE_SIZE,
        query=lambda **changes: query_string(filters.values, **changes),
        statuses=list(Status),
        levels=list(EscalationLevel),
        channels=list(Channel),
        classes=sorted(request.app.state.classes),
        may_choose_unit=signed.account.staff.role in ("ops", "admin", "supervisor"),
        report=report_form(request.app.state.policy),
    )


@router.get("/export.csv")
async def export(request: Request, signed: SignedInDep) -> Response:
    """The filtered queue as CSV, every page of it; no complainant's identity in any row."""
    filters = await _filtered(request, signed)
    if filters.values["q"]:
        filters = replace(filters, chosen=replace(filters.chosen, text=filters.values["q"]))
    rows = await complaints.queue_page(
        request.app.state.pool, datetime.now(UTC), filters.chosen, limit=100_000, offset=0
    )
    await audit.record(
        request,
        signed.account.staff,
        Access.EXPORT_CSV,
        surface="page",
        rows=len(rows),
        **_chosen(filters),
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(["" if row[c] is None else _cell(row[c]) for c in CSV_COLUMNS])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="aduan-queue.csv"',
            "Cache-Control": "no-store",
        },
    )


def _cell(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return spreadsheet_safe(str(value))


async def _detail(request: Request, signed: SignedIn, complaint_id: uuid.UUID) -> dict[str, Any]:
    """The complaint as the signed-in user may see it, with the actions they may take."""
    pool = request.app.state.pool
    row = await complaints.find_for_staff(pool, complaint_id, now=datetime.now(UTC))
    if row is None:
        raise Refused("desk.error.not_found", status=404, signed=signed)
    staff = signed.account.staff
    if not access.can_read(staff, row["unit"], row["escalation_level"]):
        raise Refused("desk.error.forbidden", signed=signed)
    detail = access.redacted(staff, dict(row), request.app.state.rules.identifying())
    # What the page will show of the complainant, decided with the redaction above.
    detail["identity_shown"] = access.shows_identity(staff, dict(row), on_page=True)
    detail["deadlines"] = [dict(d) for d in await complaints.deadlines(pool, complaint_id)]
    detail["timeline"] = [
        dict(t) for t in await complaints.timeline(pool, complaint_id, public_only=False)
    ]
    status = Status(row["status"])
    may_act = access.can_act(staff, row["unit"])
    detail["actions"] = [
        name for name, a in STAFF_ACTIONS.items() if may_act and status in ALLOWED_FROM[a.update]
    ]
    return detail


@router.get("/complaints/{complaint_id}", response_class=HTMLResponse)
async def complaint(complaint_id: uuid.UUID, request: Request, signed: SignedInDep) -> Response:
    """One complaint: text, complainant (as the role may see), deadlines, timeline, actions."""
    detail = await _detail(request, signed, complaint_id)
    done = request.query_params.get("done")
    chosen = request.query_params.get("template", "")
    prefill = None
    if chosen.isdigit() and "respond" in detail["actions"]:
        found = await response_templates.find(request.app.state.pool, int(chosen))
        if found is not None:
            prefill = {"message": fill(found.body, _placeholders(request, detail))}
    return await _complaint_page(
        request,
        signed,
        detail,
        done=done if done in STAFF_ACTIONS else None,
        prefilled=prefill,
    )


def _category(detail: dict[str, Any]) -> str | None:
    routed = [t for t in detail["timeline"] if t["event_type"] == EventType.ROUTED]
    category: str | None = routed[-1]["data"].get("category") if routed else None
    return category or detail.get("category")


def _placeholders(request: Request, detail: dict[str, Any]) -> dict[str, str]:
    """What a template's placeholders become for this complaint, in its language."""
    language = detail["language"]
    due = next((d["due_at"] for d in detail["deadlines"] if d["kind"] == "resolution"), None)
    who = detail["complainant"]
    return {
        "tracking_code": detail["tracking_code"],
        "name": (None if who.get("hidden") else who.get("name"))
        or i18n.text(language, "desk.templates.no_name"),
        "due_date": when(due, language, request.app.state.policy.timezone) if due else "",
        "unit": detail["unit"] or "",
        "category": _category(detail) or "",
        "field_check": _field_check_summary(request, detail, language),
    }


def _field_check_summary(request: Request, detail: dict[str, Any], language: str) -> str:
    """The latest field check's findings in a sentence, for an answer that rests on them."""
    found = [t for t in detail["timeline"] if t["event_type"] == EventType.FIELD_CHECK_RECORDED]
    if not found:
        return ""
    data = found[-1]["data"]
    condition = request.app.state.rules.condition_label(
        data.get("category"), data["condition"], language
    )
    summary = i18n.text(
        language,
        "desk.templates.field_check",
        day=i18n.day(date.fromisoformat(data["date"]), language),
        condition=condition,
    )
    if data.get("meter_reading"):
        reading = i18n.text(language, "desk.templates.meter", reading=data["meter_reading"])
        summary = f"{summary} {reading}"
    return summary


@router.post("/complaints/{complaint_id}/actions/{name}", response_class=HTMLResponse)
async def act(
    complaint_id: uuid.UUID, name: str, request: Request, signed: SignedInDep
) -> Response:
    """Take an action from its form; back to the complaint, or the refusal shown on it."""
    fields = await posted(request, signed)
    detail = await _detail(request, signed, complaint_id)
    if name not in detail["actions"]:
        raise Refused("desk.error.action", signed=signed)
    action = STAFF_ACTIONS[name]
    body = {
        k: v.strip()
        for k, v in fields.items()
        if k in action.input.model_fields and k != "actor" and v.strip()
    }
    try:
        action, parsed = parse_action(STAFF_ACTIONS, name, body)
        await inspection.check(
            request.app.state.pool,
            request.app.state.rules,
            {**detail, "category": _category(detail)},
            parsed,
            request.app.state.calendar.today(),
        )
        # Recorded before the lifecycle runs it (see routes/complaints.py `act`).
        await audit.record(
            request, signed.account.staff, prefixed(Prefix.ACT, name), complaint_id, surface="page"
        )
        await request.app.state.lifecycles.act(
            complaint_id, action, parsed.model_copy(update={"actor": signed.account.username})
        )
    except InvalidInput as exc:
        errors = [f"{e['field']}: {e['message']}" for e in exc.extra.get("errors", [])]
        return await _refused(request, signed, detail, name, 422, errors, fields)
    except AduanError as exc:
        return await _refused(request, signed, detail, name, status_of(exc), [exc.detail], fields)
    return RedirectResponse(f"/complaints/{complaint_id}?done={name}", status_code=303)


# How a field of an action's input is typed on its form; any other is a line of text.
FIELD_KINDS = {
    "message": "long",
    "reason": "long",
    "text": "long",
    "scope": "long",
    "date": "date",
    "inspector": "inspector",  # a choice of the unit's staff
}
# Findings come with photos from the field: their own page (pages/visits.py), not a form here.
ON_THEIR_OWN_PAGE = frozenset({"record-field-check"})


def action_forms(names: list[str]) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """Each action's form fields, from its input model: (name, kind, required)."""
    return [
        (
            name,
            [
                (field, FIELD_KINDS.get(field, "line"), info.is_required())
                for field, info in STAFF_ACTIONS[name].input.model_fields.items()
                if field != "actor"
            ],
        )
        for name in names
        if name not in ON_THEIR_OWN_PAGE
    ]


async def _complaint_page(
    request: Request,
    signed: SignedIn,
    detail: dict[str, Any],
    *,
    status: int = 200,
    done: str | None = None,
    failed: str | None = None,
    errors: list[str] | None = None,
    values: dict[str, str] | None = None,
    prefilled: dict[str, str] | None = None,
) -> HTMLResponse:
    offered = (
        await response_templates.offered(
            request.app.state.pool, _category(detail), detail["language"]
        )
        if "respond" in detail["actions"]
        else []
    )
    pool = request.app.state.pool
    inspectors = (
        await accounts.in_unit(pool, detail["unit"])
        if "schedule-field-check" in detail["actions"] and detail["unit"]
        else []
    )
    visit = await fieldchecks.pending(pool, detail["id"])
    related = await related_context(request, signed, detail)
    await audit.record(
        request,
        signed.account.staff,
        Access.READ,
        detail["id"],
        detail["identity_shown"],
        surface="page",
    )
    return page(
        request,
        "complaint.html",
        signed,
        status=status,
        c=detail,
        forms=action_forms(detail["actions"]),
        inspectors=inspectors,
        condition_label=_condition_labeller(request, detail),
        answers=shown(
            request.app.state.rules.questions_for(detail["category"]),
            detail["answers"],
            choose_language(request)[0],
        ),
        visit=visit["data"] if visit else None,
        today=request.app.state.calendar.today(),
        offered=offered,
        done=done,
        failed=failed,
        errors=errors or [],
        values=values or {},
        prefilled=prefilled or {},
        **related,
    )


def _condition_labeller(request: Request, detail: dict[str, Any]) -> Any:
    language, rules = choose_language(request)[0], request.app.state.rules
    return lambda code: rules.condition_label(_category(detail), code, language)


async def _refused(
    request: Request,
    signed: SignedIn,
    detail: dict[str, Any],
    name: str,
    status: int,
    errors: list[str],
    fields: dict[str, str],
) -> HTMLResponse:
    return await _complaint_page(
        request, signed, detail, status=status, failed=name, errors=errors, values=fields
    )


@router.get("/complaints/{complaint_id}/files/{key}")
async def attachment(
    complaint_id: uuid.UUID, key: str, request: Request, signed: SignedInDep
) -> Response:
    """One attached file, for staff who may read the complaint."""
    detail = await _detail(request, signed, complaint_id)
    try:
        ref, data = await find_attachment(request.app.state.attachments, detail["attachments"], key)
    except AduanError as exc:
        raise Refused("desk.error.not_found", status=404, signed=signed) from exc
    await audit.record(
        request,
        signed.account.staff,
        Access.DOWNLOAD_ATTACHMENT,
        complaint_id,
        surface="page",
        key=ref.key,
    )
    return download(ref, data)
