"""Open311 GeoReport v2 under /open311/v2: discovery, services, requests (JSON and XML)."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from aduan.adapters.attachments import find_attachment
from aduan.config import Settings
from aduan.domain.attachments import Upload
from aduan.domain.errors import AduanError
from aduan.domain.vocabulary import Channel
from aduan.store import complaints
from aduan.store.db import DATABASE_DOWN
from aduan.store.submission import submit
from aduan.web.deps import PoolDep, SettingsDep
from aduan.web.downloads import public_image
from aduan.web.http import ReadCache, app_cache
from aduan.web.problems import status_of
from services.intake import open311_params
from services.intake.open311 import (
    Catalogue,
    Format,
    Open311Error,
    created_view,
    definition,
    discovery,
    error_list,
    load_catalogue,
    media_url,
    public_media,
    render,
    request_view,
    token_view,
    update_view,
)
from services.intake.open311_params import (
    MAX_RESULTS,
    RETRY_WINDOW,
    Page,
    RequestFilter,
    UpdateFilter,
    check_jurisdiction,
    complaint,
    media_digest,
    media_upload,
    read_form,
    request_filter,
    require_api_key,
    submission_refs,
    update_filter,
)

log = structlog.get_logger(__name__)
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _open311_error(exc: Exception) -> Open311Error:
    # The specification's codes: 404 no such resource, 403 api_key, 400 everything else.
    if isinstance(exc, Open311Error):
        return exc
    if isinstance(exc, RequestValidationError):
        return Open311Error(
            400,
            "; ".join(
                f"{' '.join(str(part) for part in e['loc'])}: {e['msg']}" for e in exc.errors()
            ),
        )
    if isinstance(exc, StarletteHTTPException | AduanError):
        status = exc.status_code if isinstance(exc, StarletteHTTPException) else status_of(exc)
        detail = str(exc.detail)
        retry_after = None
        if isinstance(exc, AduanError) and exc.retry_after is not None:
            retry_after = str(exc.retry_after)
        return Open311Error(
            status if status in (403, 404) else 400, detail, code=status, retry_after=retry_after
        )
    if isinstance(exc, DATABASE_DOWN):
        log.warning("database.unavailable", error=type(exc).__name__)
        return Open311Error(400, "the complaint store is unreachable; try again shortly", code=503)
    log.exception("open311.unexpected_error")
    return Open311Error(400, "general service error; please tell the provider", code=500)


def error_response(path: str, error: Open311Error) -> Response:
    """An error in the format the path asked for (XML, the required one, unless .json)."""
    fmt = Format.JSON if path.endswith(".json") else Format.XML
    body, media_type = render(fmt, "errors", error_list(error))
    retry_after = error.retry_after or ("5" if error.code == 503 else None)
    headers = {"Retry-After": retry_after} if retry_after else None
    return Response(body, status_code=error.status, media_type=media_type, headers=headers)


class Open311Route(APIRoute):
    """Every answer under /open311/v2, errors included, is in the specification's format."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The usual handler, with every failure turned into an Open311 error list."""
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                return error_response(request.url.path, _open311_error(exc))

        return guarded


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid or missing parameter, or a general service error"},
    403: {"description": "Missing or invalid api_key"},
    404: {"description": "No such service, request or format"},
}


async def _jurisdiction(request: Request) -> None:
    # In the query on every call (POST requests also checks its form): another one is a 400.
    settings: Settings = request.app.state.settings
    check_jurisdiction(
        request.query_params.getlist("jurisdiction_id"), settings.open311_jurisdiction
    )


router = APIRouter(
    prefix="/open311/v2",
    tags=["open311"],
    route_class=Open311Route,
    responses=_ERRORS,
    dependencies=[Depends(_jurisdiction)],
)


def _format(raw: str) -> Format:
    try:
        return Format(raw)
    except ValueError:
        raise Open311Error(404, f"no such format {raw[:20]!r}: use .json or .xml") from None


def _answer(raw_format: str, root: str, value: Any) -> Response:
    body, media_type = render(_format(raw_format), root, value)
    return Response(body, media_type=media_type)


def _catalogue(request: Request) -> Catalogue:
    return load_catalogue(request.app.state.settings.routing_rules)


@router.get("/discovery.{fmt}")
async def get_discovery(fmt: str, request: Request, settings: SettingsDep) -> Response:
    """Service discovery: this endpoint, its formats, where to get a key."""
    _format(fmt)
    url = str(request.base_url).rstrip("/") + router.prefix
    return _answer(
        fmt,
        "discovery",
        discovery(
            url,
            _catalogue(request),
            production=settings.environment == "production",
            contact=settings.open311_contact,
            jurisdiction=settings.open311_jurisdiction,
        ),
    )


@router.get("/services.{fmt}")
async def get_services(fmt: str, request: Request) -> Response:
    """GET Service List: one service per routing category."""
    _format(fmt)
    return _answer(fmt, "services", [s.as_open311() for s in _catalogue(request).services])


@router.get("/services/{service_code}.{fmt}")
async def get_service_definition(service_code: str, fmt: str, request: Request) -> Response:
    """GET Service Definition: the category's questions as attributes."""
    _format(fmt)
    service = _catalogue(request).find(service_code)
    if service is None:
        raise Open311Error(404, f"service_code {service_code[:100]!r} was not found")
    return _answer(fmt, "service_definition", definition(service))


async def _form_items(
    request: Request, settings: Settings
) -> tuple[list[tuple[str, str]], list[Upload]]:
    """The form's text fields, and its one file, `media` (multipart), read up to one byte
    past the attachment limit: enough to refuse it."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in _FORM_TYPES:
        raise Open311Error(
            400, "send the fields form-encoded (Content-Type: application/x-www-form-urlencoded)"
        )
    items: list[tuple[str, str]] = []
    uploads: list[Upload] = []
    try:
        async with request.form(max_fields=200, max_files=1) as form:
            for key, value in form.multi_items():
                if not isinstance(value, UploadFile):
                    items.append((key, value))
                elif key != "media":
                    raise Open311Error(400, f"{key[:40]}: the only file accepted is media")
                elif value.filename or value.size:  # an empty file input sends an empty part
                    data = await value.read(settings.attachment_max_bytes + 1)
                    uploads.append(Upload(value.filename or "media", data))
    except MultiPartException as exc:
        raise Open311Error(400, f"the form could not be read: {exc.message}") from None
    return items, uploads


@router.post("/requests.{fmt}")
async def post_request(
    fmt: str,
    request: Request,
    pool: PoolDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """POST Service Request: a complaint on channel open311; a retry gets the first answer."""
    _format(fmt)
    items, uploads = await _form_items(request, settings)
    form = read_form(items)
    # In the body only, as GeoReport v2 says: a key in the URL ends up in access logs.
    api_key = require_api_key(form.get("api_key"), settings.open311_keys)
    check_jurisdiction([form.get("jurisdiction_id") or ""], settings.open311_jurisdiction)
    media = media_upload(uploads, form)
    code = form.get("service_code")
    if code is None:
        raise Open311Error(400, "service_code is required: pick one from services")
    service = _catalogue(request).find(code)
    if service is None:
        raise Open311Error(404, f"service_code {code[:100]!r} was not found")
    # An explicit Idempotency-Key (per api_key) wins; otherwise the same fields from the same
    # device or account within minutes are a retry; anything else is a new complaint.
    key = open311_params.idempotency_key(api_key, idempotency_key) if idempotency_key else None
    now = datetime.now(UTC)
    refs = [] if key else submission_refs(api_key, form, now, media_sha256=media_digest(media))
    ref = None
    if refs:
        ref = (
            await complaints.recent_ref(pool, Channel.OPEN311, refs, now - RETRY_WINDOW) or refs[0]
        )
    body, extras = complaint(form, service.code, external_ref=ref, questions=service.questions)
    if media is not None:  # the attachment store's ref is found again by this digest
        extras["media_sha256"] = media_digest(media)
    created, _ = await submit(
        pool,
        settings,
        request.app.state.policy,
        body,
        rules=_catalogue(request).rules,
        idempotency_key=key,
        channel_data=extras,
        uploads=[media] if media else (),
        store=request.app.state.attachments,
    )
    shown = None
    if media is not None:  # a retry's answer names the image the first post stored
        row = await _one(request, pool, created.tracking_code, "service_request_id")
        shown = media_url(row, _endpoint(settings))
    return _answer(
        fmt,
        "service_requests",
        [created_view(created.tracking_code, created.access_token, form.get("account_id"), shown)],
    )


def _endpoint(settings: Settings) -> str:
    """This endpoint's public URL, as links people follow are made (ADUAN_PUBLIC_URL)."""
    return settings.intake_link + router.prefix


# GET requests lists up to 1000 complaints to anyone: each distinct query reaches the
# database once per period at most, and a few distinct ones are kept (the oldest go first).
REQUESTS_CACHE_SECONDS = 5.0
REQUESTS_CACHE_SIZE = 32


def requests_cache(app: FastAPI) -> ReadCache[tuple[Any, ...], tuple[bytes, str]]:
    """This app's cache of GET requests answers (body and content type) by query."""
    return app_cache(app, "open311_requests", REQUESTS_CACHE_SECONDS, REQUESTS_CACHE_SIZE)


def _query_key(fmt: Format, wanted: RequestFilter | UpdateFilter) -> tuple[Any, ...]:
    # Without dates (end unset) the window ends now: one query however the clock moved.
    start = wanted.start if wanted.end is not None else None
    if isinstance(wanted, UpdateFilter):
        return ("updates", fmt, start, wanted.end, wanted.page)
    return (
        fmt,
        tuple(wanted.ids or ()),
        tuple(sorted(set(wanted.codes or ()))),
        start,
        wanted.end,
        wanted.closed,
        wanted.page,
    )


def _rows(page: Page | None) -> dict[str, Any]:
    # Unpaged: the first 1000 as the specification says; paged: that page, oldest first.
    if page is None:
        return {"limit": MAX_RESULTS, "offset": 0}
    return {"limit": page.size, "offset": page.offset}


@router.get("/requests.{fmt}")
async def get_requests(
    fmt: str, request: Request, pool: PoolDep, settings: SettingsDep
) -> Response:
    """GET Service Requests: by ids, or by service, status and date (90 days, 1000 at most,
    newest first), or one `page` of `page_size` of them, oldest first. At most a few
    seconds old."""
    output = _format(fmt)
    wanted = request_filter(request.query_params.multi_items(), datetime.now(UTC))
    catalogue = _catalogue(request)

    async def listed() -> tuple[bytes, str]:
        rows = await complaints.open311_requests(
            pool,
            default_category=catalogue.default_code,
            tracking_codes=wanted.ids,
            categories=wanted.codes,
            received_from=wanted.start,
            received_until=wanted.end,
            closed=wanted.closed,
            oldest_first=wanted.page is not None,
            **_rows(wanted.page),
        )
        timezone, endpoint = request.app.state.policy.timezone, _endpoint(settings)
        return render(
            output,
            "service_requests",
            [request_view(row, catalogue, timezone, endpoint) for row in rows],
        )

    body, media_type = await requests_cache(request.app).get(_query_key(output, wanted), listed)
    return Response(body, media_type=media_type)


_CODE = re.compile(r"[A-Za-z0-9-]{1,40}")  # anything else names no complaint


async def _one(request: Request, pool: PoolDep, tracking_code: str, name: str) -> Any:
    if not _CODE.fullmatch(tracking_code):
        raise Open311Error(404, f"{name} {tracking_code[:40]!r} was not found")
    rows = await complaints.open311_requests(
        pool,
        default_category=_catalogue(request).default_code,
        tracking_codes=[tracking_code.upper()],
        limit=1,
    )
    if not rows:
        raise Open311Error(404, f"{name} {tracking_code[:40]!r} was not found")
    return rows[0]


@router.get("/requests/{service_request_id}.{fmt}")
async def get_request(
    service_request_id: str, fmt: str, request: Request, pool: PoolDep, settings: SettingsDep
) -> Response:
    """GET Service Request: one complaint by its tracking code."""
    _format(fmt)
    row = await _one(request, pool, service_request_id, "service_request_id")
    timezone = request.app.state.policy.timezone
    view = request_view(row, _catalogue(request), timezone, _endpoint(settings))
    return _answer(fmt, "service_requests", [view])


@router.get("/tokens/{token}.{fmt}")
async def get_token(token: str, fmt: str, request: Request, pool: PoolDep) -> Response:
    """GET service_request_id from a token. Aduan answers POST requests with the id at
    once, so the only token it knows is that id: [{service_request_id, token}] for it."""
    _format(fmt)
    row = await _one(request, pool, token, "token")
    return _answer(fmt, "service_requests", [token_view(row["tracking_code"])])


@router.get("/servicerequestupdates.{fmt}")
async def get_updates(fmt: str, request: Request, pool: PoolDep) -> Response:
    """GET Service Request Updates (mySociety's extension, as FixMyStreet reads it): every
    public step between start_date and end_date (90 days, 1000 at most, or one `page`),
    oldest first. At most a few seconds old."""
    output = _format(fmt)
    wanted = update_filter(request.query_params.multi_items(), datetime.now(UTC))

    async def listed() -> tuple[bytes, str]:
        rows = await complaints.open311_updates(
            pool, occurred_from=wanted.start, occurred_until=wanted.end, **_rows(wanted.page)
        )
        return render(output, "service_request_updates", [update_view(row) for row in rows])

    body, media_type = await requests_cache(request.app).get(_query_key(output, wanted), listed)
    return Response(body, media_type=media_type)


@router.get("/media/{service_request_id}/{key}", response_class=Response)
async def get_media(service_request_id: str, key: str, request: Request, pool: PoolDep) -> Response:
    """The image posted with a public Open311 report: what its media_url points at."""
    row = await _one(request, pool, service_request_id, "service_request_id")
    ref = public_media(row)
    if ref is None or ref["key"] != key:
        raise Open311Error(404, "this request has no such public image")
    found, data = await find_attachment(request.app.state.attachments, [ref], key)
    return public_image(found, data)


@router.api_route("/{anything:path}", methods=["GET", "POST"], include_in_schema=False)
async def not_found(anything: str) -> Response:
    """Anything else under /open311/v2 is a 404 in the specification's format."""
    raise Open311Error(404, f"no such resource {anything[:80]!r}: see discovery.xml")
