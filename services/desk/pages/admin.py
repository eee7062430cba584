"""For admins: accounts (add, disable, a new password shown once), response templates,
units (the names complainants read, their officers' address), and the access log."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from aduan import i18n
from aduan.adapters.passwords import generate_password, hash_password
from aduan.domain.access_log import Access, Prefix, prefixed
from aduan.domain.response_templates import PLACEHOLDERS, unknown_placeholders
from aduan.domain.signin import username_problem
from aduan.domain.staff import InvalidStaff, Role, make_staff
from aduan.i18n import LANGUAGES
from aduan.store import access_log, accounts, complaints, response_templates, units
from aduan.store.submission import is_mail_address
from aduan.web.pages import choose_language
from services.desk import audit
from services.desk.pages.render import page
from services.desk.pages.session import AdminDep, SignedIn, posted

router = APIRouter(prefix="/admin", include_in_schema=False)


async def _users_page(
    request: Request,
    signed: SignedIn,
    *,
    status: int = 200,
    errors: list[str] | None = None,
    values: dict[str, str] | None = None,
    password: tuple[str, str] | None = None,
) -> HTMLResponse:
    return page(
        request,
        "users.html",
        signed,
        status=status,
        accounts=await accounts.all_accounts(request.app.state.pool),
        roles=list(Role),
        errors=errors or [],
        values=values or {},
        password=password,
    )


@router.get("/users", response_class=HTMLResponse)
async def users(request: Request, signed: AdminDep) -> Response:
    """Every account and the form to add one."""
    return await _users_page(request, signed)


@router.post("/users", response_class=HTMLResponse)
async def add_user(request: Request, signed: AdminDep) -> Response:
    """Add an account with a generated password, shown once to hand over."""
    fields = await posted(request, signed)
    username = fields.get("username", "").strip().lower()
    problem = username_problem(username)
    try:
        staff = make_staff(username, fields.get("role", ""), fields.get("unit"))
    except InvalidStaff as exc:
        problem = problem or str(exc)
    if problem:
        return await _users_page(request, signed, status=422, errors=[problem], values=fields)
    await audit.record(
        request,
        signed.account.staff,
        prefixed(Prefix.ACCOUNT, "add"),
        surface="page",
        account=staff.user,
        role=staff.role.value,
        new_unit=staff.unit,
    )
    password = generate_password()
    added = await accounts.add(
        request.app.state.pool,
        staff,
        await run_in_threadpool(hash_password, password),
        display_name=fields.get("display_name", "").strip()[:200] or username,
        email=fields.get("email", "").strip()[:320] or None,
    )
    if not added:
        return await _users_page(
            request, signed, status=409, errors=[f"{username}: exists"], values=fields
        )
    return await _users_page(request, signed, status=201, password=(username, password))


@router.post("/users/{username}/disable", response_class=HTMLResponse)
async def disable_user(username: str, request: Request, signed: AdminDep) -> Response:
    """Disable an account: its sessions end at once and it cannot sign in."""
    await posted(request, signed)
    # Disabled first: a log that cannot be written must not keep an account open.
    await accounts.set_active(request.app.state.pool, username, False)
    await _record_account(request, signed, "disable", username)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{username}/role", response_class=HTMLResponse)
async def change_role(username: str, request: Request, signed: AdminDep) -> Response:
    """Another role or unit for an account; it signs in again with them."""
    fields = await posted(request, signed)
    try:
        staff = make_staff(username, fields.get("role", ""), fields.get("unit"))
    except InvalidStaff as exc:
        return await _users_page(request, signed, status=422, errors=[f"{username}: {exc}"])
    await audit.record(
        request,
        signed.account.staff,
        prefixed(Prefix.ACCOUNT, "role"),
        surface="page",
        account=_account_key(username),
        role=staff.role.value,
        new_unit=staff.unit,
    )
    if not await accounts.set_role(request.app.state.pool, staff):
        return await _users_page(request, signed, status=404, errors=[f"{username}: ?"])
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{username}/password", response_class=HTMLResponse)
async def reset_password(username: str, request: Request, signed: AdminDep) -> Response:
    """A new generated password (shown once); the lock is lifted, sessions end."""
    await posted(request, signed)
    await _record_account(request, signed, "password", username)
    password = generate_password()
    hashed = await run_in_threadpool(hash_password, password)
    if not await accounts.set_password(request.app.state.pool, username, hashed):
        return await _users_page(request, signed, status=404, errors=[f"{username}: ?"])
    return await _users_page(request, signed, password=(username, password))


# Response templates ---------------------------------------------------------------------


async def _templates_page(
    request: Request,
    signed: SignedIn,
    *,
    status: int = 200,
    errors: list[str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    return page(
        request,
        "templates.html",
        signed,
        status=status,
        templates=await response_templates.all_templates(request.app.state.pool),
        categories=request.app.state.categories,
        placeholders=PLACEHOLDERS,
        errors=errors or [],
        values=values or {},
    )


@router.get("/templates", response_class=HTMLResponse)
async def templates(request: Request, signed: AdminDep) -> Response:
    """Every response template, each editable, and the form to add one."""
    return await _templates_page(request, signed)


@router.post("/templates", response_class=HTMLResponse)
async def save_template(request: Request, signed: AdminDep) -> Response:
    """Add a template, or replace one (`id` given); back to the list."""
    fields = await posted(request, signed)
    title, body = fields.get("title", "").strip(), fields.get("body", "").strip()
    category = fields.get("category") or None
    language = fields.get("language", "")
    errors = [
        message
        for wrong, message in (
            (not 1 <= len(title) <= 200, "title: 1-200 characters"),
            (not 1 <= len(body) <= 20_000, "body: 1-20000 characters"),
            (language not in LANGUAGES, f"language: one of {', '.join(LANGUAGES)}"),
            (
                category is not None and category not in request.app.state.categories,
                "category: not a category of the routing rules",
            ),
        )
        if wrong
    ]
    unknown = unknown_placeholders(body)
    if unknown:
        errors.append(f"body: unknown placeholders {', '.join(unknown)}")
    raw_id = fields.get("id", "")
    if raw_id and not raw_id.isdigit():
        errors.append("id: not a template")
    if errors:
        return await _templates_page(request, signed, status=422, errors=errors, values=fields)
    await audit.record(
        request,
        signed.account.staff,
        prefixed(Prefix.TEMPLATE, "save"),
        surface="page",
        template_id=int(raw_id) if raw_id else None,
    )
    saved = await response_templates.save(
        request.app.state.pool,
        template_id=int(raw_id) if raw_id else None,
        category=category,
        language=language,
        title=title,
        body=body,
        by=signed.account.username,
    )
    if saved is None:
        return await _templates_page(request, signed, status=404, errors=["id: not a template"])
    return RedirectResponse("/admin/templates", status_code=303)


@router.post("/templates/{template_id}/delete", response_class=HTMLResponse)
async def delete_template(template_id: int, request: Request, signed: AdminDep) -> Response:
    """Remove a template."""
    await posted(request, signed)
    await audit.record(
        request,
        signed.account.staff,
        prefixed(Prefix.TEMPLATE, "delete"),
        surface="page",
        template_id=template_id,
    )
    await response_templates.delete(request.app.state.pool, template_id)
    return RedirectResponse("/admin/templates", status_code=303)


# Units -------------------------------------------------------------------------------------


async def _units_page(
    request: Request, signed: SignedIn, *, status: int = 200, errors: list[str] | None = None
) -> HTMLResponse:
    known = await units.directory(request.app.state.pool)
    codes = sorted(set(request.app.state.unit_codes) | set(known))
    return page(
        request,
        "units.html",
        signed,
        status=status,
        units=[known.get(code) or units.Unit(code) for code in codes],
        errors=errors or [],
    )


@router.get("/units", response_class=HTMLResponse)
async def units_list(request: Request, signed: AdminDep) -> Response:
    """Every unit of the routing rules, with its names and officers' address."""
    return await _units_page(request, signed)


@router.post("/units", response_class=HTMLResponse)
async def save_unit(request: Request, signed: AdminDep) -> Response:
    """Set one unit's names (id, en), the address of its officers' mail, and whether its
    complaints are assigned by load."""
    fields = await posted(request, signed)
    code = fields.get("code", "")
    unit = units.Unit(
        code,
        fields.get("name_id", "").strip()[:200],
        fields.get("name_en", "").strip()[:200],
        fields.get("email", "").strip(),
        auto_assign=fields.get("auto_assign") == "yes",
    )
    known = set(request.app.state.unit_codes) | set(await units.directory(request.app.state.pool))
    errors = [] if code in known else [f"{code}: not a unit of the routing rules"]
    if unit.email and not is_mail_address(unit.email):
        errors.append(f"{code}: {unit.email!r} is not one e-mail address")
    if errors:
        return await _units_page(request, signed, status=422, errors=errors)
    await audit.record(
        request, signed.account.staff, prefixed(Prefix.UNIT, "save"), surface="page", unit=code
    )
    await units.save(request.app.state.pool, unit, signed.account.username)
    return RedirectResponse("/admin/units", status_code=303)


def _account_key(username: str) -> str:
    # A path segment may be longer than any user name; the log holds what an account can be.
    return username[:64]


async def _record_account(request: Request, signed: SignedIn, change: str, username: str) -> None:
    await audit.record(
        request,
        signed.account.staff,
        prefixed(Prefix.ACCOUNT, change),
        surface="page",
        account=_account_key(username),
    )


# The access log ----------------------------------------------------------------------------

ACCESS_PAGE = 50
_ID_DIGITS = 18  # a bigint's id fits; a longer `before` is no row's


async def _complaint_asked(request: Request, wanted: str) -> uuid.UUID | None:
    """The complaint the filter names by its id or its tracking code; None if neither."""
    try:
        return uuid.UUID(wanted)
    except ValueError:
        pass
    code = complaints.find_tracking_code(wanted)
    row = await complaints.find_by_tracking_code(request.app.state.pool, code) if code else None
    return row["id"] if row else None


@router.get("/access", response_class=HTMLResponse)
async def access_page(request: Request, signed: AdminDep) -> Response:
    """Who read or did what, newest first, 50 a page: one complaint's rows (by tracking code
    or id), one staff member's, or both at once. Reading it is recorded too."""
    params = request.query_params
    wanted = params.get("complaint", "").strip()[:100]
    username = params.get("username", "").strip().lower()[:64]
    raw_before = params.get("before", "")
    before = int(raw_before) if raw_before.isdigit() and len(raw_before) <= _ID_DIGITS else None
    complaint_id = await _complaint_asked(request, wanted) if wanted else None
    problems = ["desk.access.no_complaint"] if wanted and complaint_id is None else []
    rows = (
        []
        if problems
        else await access_log.entries(
            request.app.state.pool,
            complaint_id=complaint_id,
            username=username or None,
            before=before,
            limit=ACCESS_PAGE + 1,
        )
    )
    await audit.record(
        request,
        signed.account.staff,
        Access.READ_ACCESS_LOG,
        surface="page",
        for_complaint=complaint_id,
        for_username=username or None,
        before=before,
    )
    shown = rows[:ACCESS_PAGE]
    values = {"complaint": wanted, "username": username}
    language = choose_language(request)[0]
    zone = ZoneInfo(request.app.state.policy.timezone)
    pattern = i18n.text(language, "desk.access.when")  # to the second: a log, not a deadline
    kept = {k: v for k, v in values.items() if v}
    return page(
        request,
        "access.html",
        signed,
        status=400 if problems else 200,
        rows=shown,
        at=lambda moment: i18n.moment(moment, language, zone, pattern),
        problems=problems,
        values=values,
        filtered=bool(kept),
        older=_access_href({**kept, "before": shown[-1]["id"]})
        if len(rows) > ACCESS_PAGE
        else None,
        newest=_access_href(kept) if before else None,
    )


def _access_href(query: Mapping[str, str | int]) -> str:
    return f"/admin/access?{urlencode(query)}" if query else "/admin/access"
