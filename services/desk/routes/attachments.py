"""A complaint's files for staff: GET /v1/staff/complaints/{id}/attachments/{key} to read
one, POST .../attachments to add photos (a field check's, then named in its findings)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from aduan.adapters.attachments import find_attachment
from aduan.domain.access_log import Access
from aduan.domain.attachments import ALLOWED_TYPES, AttachmentRef
from aduan.domain.errors import NotFound
from aduan.store import attachments, complaints
from aduan.web.deps import PoolDep
from aduan.web.downloads import download
from aduan.web.problems import responses
from aduan.web.uploads import UPLOAD_BODY, read_form
from services.desk import access, audit
from services.desk.auth import StaffDep

router = APIRouter(prefix="/v1/staff/complaints", tags=["staff"])


@router.post(
    "/{complaint_id}/attachments",
    status_code=201,
    response_model=list[AttachmentRef],
    openapi_extra=UPLOAD_BODY,
    responses=responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
)
async def add_attachments(
    complaint_id: uuid.UUID, request: Request, pool: PoolDep, staff: StaffDep
) -> list[AttachmentRef]:
    """Attach photos or PDFs (multipart, any field name) to a complaint the caller may act on;
    the same limits as the complainant's files."""
    row = await complaints.find(pool, complaint_id)
    if row is None:
        raise NotFound(f"no complaint {complaint_id}")
    access.require_act(staff, row["unit"])
    settings = request.app.state.settings
    form = await read_form(request, settings)
    await audit.record(
        request, staff, Access.ADD_ATTACHMENTS, complaint_id, surface="api", files=len(form.uploads)
    )
    return await attachments.attach(
        pool, settings, request.app.state.attachments, row, form.uploads
    )


@router.get(
    "/{complaint_id}/attachments/{key}",
    response_class=Response,
    responses={
        200: {"content": {kind: {} for kind in ALLOWED_TYPES}},
        **responses(401, 403, 404, 503),
    },
)
async def get_attachment(
    complaint_id: uuid.UUID, key: str, request: Request, pool: PoolDep, staff: StaffDep
) -> Response:
    """One attached file, as a download, for staff who may read the complaint."""
    row = await complaints.find_for_staff(pool, complaint_id, now=datetime.now(UTC))
    if row is None:
        raise NotFound(f"no complaint {complaint_id}")
    access.require_read(staff, row["unit"], row["escalation_level"])
    ref, data = await find_attachment(request.app.state.attachments, row["attachments"], key)
    await audit.record(
        request, staff, Access.DOWNLOAD_ATTACHMENT, complaint_id, surface="api", key=ref.key
    )
    return download(ref, data)
