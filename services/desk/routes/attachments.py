"""Staff reading a complaint's files: GET /v1/staff/complaints/{id}/attachments/{key}."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from aduan.adapters.attachments import find_attachment
from aduan.domain.attachments import ALLOWED_TYPES
from aduan.domain.errors import NotFound
from aduan.store import complaints
from aduan.web.deps import PoolDep
from aduan.web.downloads import download
from aduan.web.problems import responses
from services.desk import access
from services.desk.auth import StaffDep

router = APIRouter(prefix="/v1/staff/complaints", tags=["staff"])


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
    return download(ref, data)
