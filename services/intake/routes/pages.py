"""The citizen pages: submit a complaint, keep its receipt, track it and act on it.

Server-rendered, no JavaScript. The tracking code and token travel in a form POST once and
then in a short-lived HttpOnly cookie, never in a URL; every form carries a CSRF token."""

from __future__ import annotations

import math
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from aduan.adapters.attachments import find_attachment
from aduan.config import Settings
from aduan.domain import signing
from aduan.domain.errors import AduanError, AttachmentRefused, NotFound, RateLimited, Unavailable
from aduan.domain.events import EventType
from aduan.domain.questions import check_answers
from aduan.domain.routing import RuleSet
from aduan.domain.vocabulary import Status
from aduan.lifecycle.actions import COMPLAINANT_ACTIONS
from aduan.lifecycle.rules import ALLOWED_FROM
from aduan.store import attachments, complaints, rights
from aduan.store.db import DATABASE_DOWN
from aduan.store.submission import submit
from aduan.web import pages
from aduan.web.deps import PoolDep, SettingsDep
from aduan.web.downloads import download
from aduan.web.problems import status_of
from aduan.web.uploads import Form, read_form
from services.intake import csrf, forms, rendering, statistics, tracking, words
from services.intake.forms import Message
from services.intake.open311 import load_catalogue
from services.intake.routes import incidents, stats

router = APIRouter(include_in_schema=False)
TRACK_COOKIE = csrf.SESSION_COOKIE  # forms' CSRF tokens are bound to its value
TRACK_SECONDS = 30 * 60  # how long a browser stays "signed in" to one complaint
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_HEADERS = pages.HEADERS


def _page(
    request: Request, template: str, here: str, *, status: int = 200, **context: Any
) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    language, chosen = words.choose(request)
    token, fresh = csrf.issue(request, settings.secret_key)
    context.setdefault("errors", [])
    context.setdefault("notice", None)
    context.setdefault("values", {})
    html = rendering.render(
        f"pages/{template}",
        language,
        request.app.state.policy.timezone,
        csrf=token,
        here=here,
        max_count=settings.attachment_max_count,
        max_mb=forms.megabytes(settings.attachment_max_bytes),
        **context,
    )
    response = HTMLResponse(html, status, headers=_HEADERS)
    if fresh:
        csrf.remember(request, response, fresh)
    if chosen:
        response.set_cookie(
            words.COOKIE,
            language,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=csrf.secure_cookies(request),
        )
    return response


async def _form(request: Request, settings: Settings, *, sessionless: bool = False) -> Form | None:
    """The posted form if it parses and its CSRF token is good (for this tracking session, or
    `sessionless` also from before one); None otherwise."""
    try:
        form = await read_form(request, settings)
    except StarletteHTTPException:  # a malformed multipart body
        return None
    good = csrf.valid(
        request, form.fields.get(csrf.FIELD), settings.secret_key, sessionless=sessionless
    )
    return form if good else None


# Submitting --------------------------------------------------------------------------------


def _categories(request: Request, language: str) -> list[tuple[str, str]]:
    # The routing categories; their public names are "Indonesian / English" descriptions.
    services = load_catalogue(request.app.state.settings.routing_rules).services
    return [
        (
            s.code,
            s.name
            if language == "id" or " / " not in s.description
            else s.description.split(" / ", 1)[1].rstrip("."),
        )
        for s in services
    ]


@dataclass(frozen=True)
class _Typed:
    """What a posted form brings back to the page: its fields, the category chosen, and
    whether it carried files (a page cannot give a file back to its form)."""

    values: dict[str, str]
    chosen: str | None
    files_dropped: bool


async def _submit_page(
    request: Request,
    *,
    typed: _Typed | None = None,
    errors: list[Message] | None = None,
    status: int = 200,
    answer_errors: dict[str, Message] | None = None,
    notice: Message | None = None,
) -> HTMLResponse:
    language = words.choose(request)[0]
    chosen = typed.chosen if typed else None
    questions = _rules(request).questions_for(chosen) if chosen else []
    return _page(
        request,
        "submit.html",
        "/",
        status=status,
        values=typed.values if typed else {},
        errors=errors or [],
        notice=notice,
        categories=_categories(request, language),
        submission=secrets.token_urlsafe(16),
        known=await incidents.notice(request),
        category_names=dict(_categories(request, language)),
        questions=questions,
        questions_for=chosen if questions else "",
        answer_errors=answer_errors or {},
        files_dropped=bool(typed and typed.files_dropped),
    )


def _rules(request: Request) -> RuleSet:
    return load_catalogue(request.app.state.settings.routing_rules).rules


@router.get("/", response_class=HTMLResponse)
async def submit_form(request: Request) -> HTMLResponse:
    """The complaint form."""
    return await _submit_page(request)


@router.post("/portal/complaints", response_model=None)
async def submit_complaint(
    request: Request,
    pool: PoolDep,
    settings: SettingsDep,
) -> Response:
    """Store the complaint (channel web) and show its receipt; or the form with what to fix.

    A category with questions the form did not show yet gets a second step: the same form,
    everything typed kept, with the questions to answer (no script needed)."""
    form = await _form(request, settings)
    if form is None:
        return await _submit_page(request, errors=[Message("error.csrf")], status=403)
    language = words.choose(request)[0]
    names = dict(_categories(request, language))
    chosen = forms.category(form, set(names))
    questions = _rules(request).questions_for(chosen)
    # A file cannot be put back into a form: the page says so when it comes back.
    again = _Typed(form.fields, chosen, bool(form.uploads))
    if questions and form.text(forms.QUESTIONS_FOR) != chosen:
        step = Message("submit.questions.step", {"category": names.get(chosen or "", "")})
        return await _submit_page(request, notice=step, typed=again)
    found = forms.answer_errors(
        check_answers(questions, forms.answers(form, questions)).problems, questions, language
    )
    key = form.text("submission")
    try:
        body = forms.complaint(form, language, set(names), questions)
        if found:
            return await _submit_page(
                request, errors=list(found.values()), answer_errors=found, status=422, typed=again
            )
        created, _ = await submit(
            pool,
            settings,
            request.app.state.policy,
            body,
            rules=_rules(request),
            idempotency_key=f"web-{key}" if key and _NONCE.fullmatch(key) else None,
            uploads=form.uploads,
            store=request.app.state.attachments,
        )
    except ValidationError as exc:
        return await _submit_page(
            request,
            errors=forms.field_errors(exc) + list(found.values()),
            answer_errors=found,
            status=422,
            typed=again,
        )
    except AduanError as exc:
        return await _submit_page(
            request,
            status=status_of(exc),
            errors=[forms.submission_refusal(exc, settings)],
            typed=again,
        )
    except DATABASE_DOWN:
        return await _submit_page(
            request, status=503, errors=[Message("error.unavailable")], typed=again
        )
    response = RedirectResponse("/portal/receipt", 303)
    _follow(request, response, created.tracking_code, created.access_token)
    return response


@router.get("/portal/receipt", response_model=None)
async def receipt(request: Request, pool: PoolDep, settings: SettingsDep) -> Response:
    """The tracking code and token of the complaint just sent, with a warning to keep them."""
    followed = _followed(request)
    row = await _tracked(request, pool, settings)
    if row is None or followed is None:
        return _page(request, "track_form.html", "/track", notice=Message("receipt.gone"))
    return _page(
        request,
        "receipt.html",
        "/portal/receipt",
        tracking_code=row["tracking_code"],
        access_token=followed[1],
    )


@router.get("/gangguan/{incident_id}", response_class=HTMLResponse)
async def incident_page(incident_id: str, request: Request, pool: PoolDep) -> HTMLResponse:
    """A known disruption: what it is, whether it is still open, the answer once given."""
    language = words.choose(request)[0]
    here = f"/gangguan/{incident_id}"
    try:
        found = await incidents.one(pool, uuid.UUID(incident_id))
    except (ValueError, NotFound):
        return _page(request, "incident.html", here, status=404, incident=None)
    names = dict(_categories(request, language))
    return _page(request, "incident.html", here, incident=found, category_names=names)


@router.get("/statistik", response_class=HTMLResponse)
async def statistics_page(request: Request, pool: PoolDep) -> HTMLResponse:
    """The public statistics: each figure as a chart and a table of its numbers, from the
    same minute-old figures as GET /v1/public/stats."""
    try:
        found = await stats.published(request.app, pool)
    except DATABASE_DOWN:
        return _page(
            request,
            "statistics.html",
            "/statistik",
            status=503,
            figures=None,
            errors=[Message("error.stats_unavailable")],
        )
    language = words.choose(request)[0]
    view = found.made(f"page-{language}", lambda: statistics.view(found, language))
    return _page(request, "statistics.html", "/statistik", **view)


# Tracking ----------------------------------------------------------------------------------


def _follow(request: Request, response: Response, tracking_code: str, token: str) -> None:
    response.set_cookie(
        TRACK_COOKIE,
        f"{tracking_code}.{token}",
        max_age=TRACK_SECONDS,
        httponly=True,
        samesite="strict",
        path="/",
        secure=csrf.secure_cookies(request),
    )


def _followed(request: Request) -> tuple[str, str] | None:
    code, _, token = (request.cookies.get(TRACK_COOKIE) or "").partition(".")
    return (code, token) if code and token else None


async def _tracked(
    request: Request, pool: asyncpg.Pool, settings: Settings
) -> asyncpg.Record | None:
    """The complaint this browser follows, if its cookie still names one with its token."""
    followed = _followed(request)
    if followed is None:
        return None
    try:
        return await tracking.find(pool, settings, *followed)
    except NotFound:
        return None


async def _track_page(
    request: Request, pool: asyncpg.Pool, row: asyncpg.Record, *, status: int = 200, **context: Any
) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    view = await tracking.view(pool, row, load_catalogue(settings.routing_rules).rules)
    current = Status(view.status)
    rated = any(entry.event_type == EventType.RATED for entry in view.timeline)
    actions = [
        name
        for name, action in COMPLAINANT_ACTIONS.items()
        if current in ALLOWED_FROM[action.update] and not (rated and name == "rating")
    ]
    can_attach = current != Status.CLOSED and len(view.attachments) < settings.attachment_max_count
    response = _page(
        request,
        "track.html",
        "/track",
        status=status,
        view=view,
        actions=actions,
        can_attach=can_attach,
        nonce=secrets.token_urlsafe(16),
        failed=context.pop("failed", None),
        **context,
    )
    followed = _followed(request)
    if followed is not None:  # each visit keeps the browser signed in a while longer
        _follow(request, response, *followed)
    return response


@router.get("/track", response_class=HTMLResponse)
async def track(
    request: Request, pool: PoolDep, settings: SettingsDep, done: str | None = None
) -> HTMLResponse:
    """The followed complaint, or the form asking for its tracking code and token."""
    row = await _tracked(request, pool, settings)
    if row is None:
        return _page(request, "track_form.html", "/track")
    known = (*COMPLAINANT_ACTIONS, "attachments", "rights")
    notice = Message(f"done.{done}") if done in known else None
    return await _track_page(request, pool, row, notice=notice)


@router.post("/track", response_model=None)
async def track_open(request: Request, pool: PoolDep, settings: SettingsDep) -> Response:
    """Check the tracking code and token, then follow that complaint in this browser."""
    # The sign-in form was issued before any session (another tab may have started one since).
    form = await _form(request, settings, sessionless=True)
    if form is None:
        return _page(
            request, "track_form.html", "/track", status=403, errors=[Message("error.csrf")]
        )
    code, token = form.text("tracking_code") or "", form.text("token") or ""
    try:
        row = await tracking.find(pool, settings, code, token)
    except NotFound:
        return _page(
            request,
            "track_form.html",
            "/track",
            status=404,
            values={"tracking_code": code},
            errors=[Message("track.not_found")],
        )
    response = RedirectResponse("/track", 303)
    _follow(request, response, row["tracking_code"], token.strip())
    return response


@router.post("/track/actions/{name}", response_model=None)
async def track_act(name: str, request: Request, pool: PoolDep, settings: SettingsDep) -> Response:
    """Reply, confirm, dispute or rate through the same path as the API."""
    form, row = await _form(request, settings), await _tracked(request, pool, settings)
    if row is None:
        return RedirectResponse("/track", 303)
    if form is None:
        return await _track_page(request, pool, row, status=403, errors=[Message("error.csrf")])
    body = {field: form.fields[field] for field in forms.ACTION_FIELDS if form.text(field)}
    nonce = form.text("nonce") or ""
    try:  # a resent form (same nonce) is the same Update: Temporal answers it once
        await tracking.act(
            request.app.state.lifecycles,
            row,
            name,
            body,
            update_id=f"web-{nonce}" if _NONCE.fullmatch(nonce) else None,
        )
    except AduanError as exc:
        return await _track_page(
            request,
            pool,
            row,
            status=status_of(exc),
            values=form.fields,
            failed=name,
            errors=[forms.action_refusal(exc, name, row["status"])],
        )
    return RedirectResponse(f"/track?done={name}", 303)


@router.post("/track/attachments", response_model=None)
async def track_attach(request: Request, pool: PoolDep, settings: SettingsDep) -> Response:
    """Add files to the followed complaint."""
    form, row = await _form(request, settings), await _tracked(request, pool, settings)
    if row is None:
        return RedirectResponse("/track", 303)
    if form is None:
        return await _track_page(request, pool, row, status=403, errors=[Message("error.csrf")])
    try:
        await attachments.attach(pool, settings, request.app.state.attachments, row, form.uploads)
    except AttachmentRefused as exc:
        return await _track_page(
            request,
            pool,
            row,
            status=status_of(exc),
            errors=[forms.attachment_refusal(exc, settings)],
        )
    except AduanError as exc:
        message = "error.unavailable" if isinstance(exc, Unavailable) else "refused.attachments"
        return await _track_page(
            request, pool, row, status=status_of(exc), errors=[Message(message)]
        )
    return RedirectResponse("/track?done=attachments", 303)


@router.get("/track/attachments/{key}", response_model=None)
async def track_download(
    key: str, request: Request, pool: PoolDep, settings: SettingsDep
) -> Response:
    """One of the followed complaint's files, as a download."""
    row = await _tracked(request, pool, settings)
    if row is None:
        raise tracking.not_found()
    ref, data = await find_attachment(request.app.state.attachments, row["attachments"], key)
    return download(ref, data)


@router.post("/track/rights", response_model=None)
async def track_rights(request: Request, pool: PoolDep, settings: SettingsDep) -> Response:
    """Ask for a copy of one's data or its erasure: the request lands in the admin's queue
    (desk's /admin/rights); asking twice leaves one request."""
    form, row = await _form(request, settings), await _tracked(request, pool, settings)
    if row is None:
        return RedirectResponse("/track", 303)
    if form is None:
        return await _track_page(request, pool, row, status=403, errors=[Message("error.csrf")])
    kind = form.text("kind") or ""
    if kind not in rights.REQUEST_KINDS:
        return await _track_page(
            request, pool, row, status=422, errors=[Message("track.rights.pick")]
        )
    await rights.request(pool, row["id"], kind)
    return RedirectResponse("/track?done=rights", 303)


@router.post("/track/forget", response_model=None)
async def track_forget(request: Request, settings: SettingsDep) -> Response:
    """Stop following the complaint in this browser (a shared computer, say)."""
    response = RedirectResponse("/track", 303)
    if await _form(request, settings) is not None:
        response.delete_cookie(
            TRACK_COOKIE,
            path="/",
            secure=csrf.secure_cookies(request),
            httponly=True,
            samesite="strict",
        )
    return response


# Confirming the e-mail address -------------------------------------------------------------


async def _contact(
    pool: asyncpg.Pool, settings: Settings, tracking_code: str, token: str
) -> asyncpg.Record | None:
    """The complaint whose receipt carried this link, if the token is its address's."""
    row = await complaints.find_by_tracking_code(pool, tracking_code.strip().upper())
    email = (row["complainant"] or {}).get("email") if row is not None else None
    if row is None or not email:
        return None
    expected = complaints.contact_token(settings.secret_key, row["id"], email)
    return row if signing.matches(expected, token) else None


def _contact_page(
    request: Request, row: asyncpg.Record | None, *, done: bool = False, status: int = 200
) -> HTMLResponse:
    if row is None:
        return _page(
            request,
            "contact.html",
            "/track",
            status=404,
            ask=False,
            errors=[Message("contact.invalid")],
        )
    ask = not done and not complaints.contact_confirmed(row)
    return _page(
        request,
        "contact.html",
        request.url.path,
        status=status,
        ask=ask,
        action=request.url.path,
        tracking_code=row["tracking_code"],
        notice=None if ask else Message("contact.done"),
    )


@router.get("/contact/confirm/{tracking_code}/{token}", response_class=HTMLResponse)
async def contact_form(
    tracking_code: str, token: str, request: Request, pool: PoolDep, settings: SettingsDep
) -> HTMLResponse:
    """The receipt's link: a button, so that a mail scanner opening links confirms nothing."""
    return _contact_page(request, await _contact(pool, settings, tracking_code, token))


@router.post("/contact/confirm/{tracking_code}/{token}", response_class=HTMLResponse)
async def contact_confirm(
    tracking_code: str, token: str, request: Request, pool: PoolDep, settings: SettingsDep
) -> HTMLResponse:
    """Record that the address is the complainant's: every later step is mailed to it."""
    row = await _contact(pool, settings, tracking_code, token)
    if row is None:
        return _contact_page(request, None)
    if await _form(request, settings) is None:
        return _page(
            request,
            "contact.html",
            request.url.path,
            status=403,
            ask=True,
            action=request.url.path,
            tracking_code=row["tracking_code"],
            errors=[Message("error.csrf")],
        )
    await complaints.confirm_contact(pool, row["id"])
    return _contact_page(request, row, done=True)


# Too many requests -------------------------------------------------------------------------


def too_many(request: Request, exc: RateLimited) -> HTMLResponse:
    """The page a visitor sees past a rate limit, with the wait in minutes."""
    minutes = max(1, math.ceil(exc.retry_after / 60))
    back = "/track" if request.url.path.startswith("/track") else "/"
    response = _page(request, "limited.html", back, status=429, back=back, minutes=minutes)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response
