"""Accounts, for admins: add one, disable one, give one a new password (shown once)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from aduan.adapters.passwords import generate_password, hash_password
from aduan.domain.signin import username_problem
from aduan.domain.staff import InvalidStaff, Role, make_staff
from aduan.store import accounts
from services.desk.pages.render import page
from services.desk.pages.session import SignedIn, SignedInDep, check_form

router = APIRouter(prefix="/admin", include_in_schema=False)


def _admin_only(request: Request, signed: SignedIn) -> HTMLResponse | None:
    if signed.account.role != Role.ADMIN:
        return page(request, "error.html", signed, status=403, message_key="desk.error.admin")
    return None


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


async def _form(request: Request, signed: SignedIn) -> dict[str, str]:
    fields = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    check_form(signed, fields)
    return fields


@router.get("/users", response_class=HTMLResponse)
async def users(request: Request, signed: SignedInDep) -> Response:
    """Every account and the form to add one."""
    return _admin_only(request, signed) or await _users_page(request, signed)


@router.post("/users", response_class=HTMLResponse)
async def add_user(request: Request, signed: SignedInDep) -> Response:
    """Add an account with a generated password, shown once to hand over."""
    refused = _admin_only(request, signed)
    if refused:
        return refused
    fields = await _form(request, signed)
    username = fields.get("username", "").strip().lower()
    problem = username_problem(username)
    try:
        staff = make_staff(username, fields.get("role", ""), fields.get("unit"))
    except InvalidStaff as exc:
        problem = problem or str(exc)
    if problem:
        return await _users_page(request, signed, status=422, errors=[problem], values=fields)
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
async def disable_user(username: str, request: Request, signed: SignedInDep) -> Response:
    """Disable an account: its sessions end at once and it cannot sign in."""
    refused = _admin_only(request, signed)
    if refused:
        return refused
    await _form(request, signed)
    await accounts.set_active(request.app.state.pool, username, False)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{username}/password", response_class=HTMLResponse)
async def reset_password(username: str, request: Request, signed: SignedInDep) -> Response:
    """A new generated password (shown once); the lock is lifted, sessions end."""
    refused = _admin_only(request, signed)
    if refused:
        return refused
    await _form(request, signed)
    password = generate_password()
    hashed = await run_in_threadpool(hash_password, password)
    if not await accounts.set_password(request.app.state.pool, username, hashed):
        return await _users_page(request, signed, status=404, errors=[f"{username}: ?"])
    return await _users_page(request, signed, password=(username, password))
