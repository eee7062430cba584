"""A complainant's files over the API: POST and GET /v1/complaints/{tracking_code}/attachments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response

from aduan.adapters.attachments import AttachmentStore, find_attachment
from aduan.domain.attachments import ALLOWED_TYPES
from aduan.store import attachments
from aduan.web.deps import PoolDep, SettingsDep
from aduan.web.downloads import download
from aduan.web.problems import responses
from aduan.web.uploads import UPLOAD_BODY, read_form
from services.intake import tracking
from services.intake.schemas import AttachmentOut

router = APIRouter(prefix="/v1/complaints", tags=["attachments"])


@router.post(
    "/{tracking_code}/attachments",
    status_code=201,
    response_model=list[AttachmentOut],
    openapi_extra=UPLOAD_BODY,
    responses=responses(400, 404, 409, 413, 415, 422, 503),
)
async def add_attachments(
    tracking_code: str,
    request: Request,
    pool: PoolDep,
    settings: SettingsDep,
    x_access_token: Annotated[str | None, Header()] = None,
) -> list[AttachmentOut]:
    """Attach photos or PDFs (multipart, any field name) to a complaint that is not closed."""
    row = await tracking.find(pool, settings, tracking_code, x_access_token)
    form = await read_form(request, settings)
    store: AttachmentStore = request.app.state.attachments
    refs = await attachments.attach(pool, settings, store, row, form.uploads)
    return [AttachmentOut.model_validate(ref.model_dump()) for ref in refs]


@router.get(
    "/{tracking_code}/attachments/{key}",
    response_class=Response,
    responses={200: {"content": {kind: {} for kind in ALLOWED_TYPES}}, **responses(404, 503)},
)
async def get_attachment(
    tracking_code: str,
    key: str,
    request: Request,
    pool: PoolDep,
    settings: SettingsDep,
    x_access_token: Annotated[str | None, Header()] = None,
) -> Response:
    """One attached file, for the token holder only, as a download."""
    row = await tracking.find(pool, settings, tracking_code, x_access_token)
    ref, data = await find_attachment(request.app.state.attachments, row["attachments"], key)
    return download(ref, data)
