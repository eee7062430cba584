"""The access log for admins: GET /v1/staff/access-log, by complaint and/or staff member."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from aduan.domain.access_log import Access
from aduan.store import access_log
from aduan.web.deps import PoolDep
from aduan.web.problems import responses
from services.desk import access, audit
from services.desk.auth import StaffDep

router = APIRouter(prefix="/v1/staff", tags=["access log"], responses=responses(401, 503))


class AccessQuery(BaseModel):
    """Which rows: one complaint's, one staff member's, or both at once; newest first."""

    model_config = ConfigDict(extra="forbid")

    complaint_id: uuid.UUID | None = None
    username: str | None = Field(None, min_length=1, max_length=64)
    before: int | None = Field(
        None, ge=1, le=2**63 - 1, description="the next page: the `id` of the last row of this one"
    )
    limit: int = Field(50, ge=1, le=access_log.PAGE_MAX)


class AccessEntry(BaseModel):
    """One staff read or action: who, when, what, on which complaint, from where, and whether
    the complainant's identity was shown. Never any complaint text."""

    id: int
    at: datetime
    username: str
    role: str
    unit: str | None
    action: str = Field(
        description="read, list, export_csv, download_attachment, add_attachments, enter, "
        "read_related, read_incident, sign_in, sign_out, read_access_log, act:<action>, "
        "incident:<change>, account:<change>"
    )
    complaint_id: uuid.UUID | None
    tracking_code: str | None
    identity_shown: bool = Field(description="the complainant's identity was in what was shown")
    source: str | None = Field(
        description="the client's address (behind a proxy of ADUAN_TRUSTED_PROXIES, the"
        " client its X-Forwarded-For names)"
    )
    user_agent: str | None
    detail: dict[str, Any] = Field(description="filters, counts, ids; never complaint text")


@router.get("/access-log", response_model=list[AccessEntry], responses=responses(403))
async def read_access_log(
    request: Request,
    pool: PoolDep,
    staff: StaffDep,
    query: Annotated[AccessQuery, Query()],
) -> list[AccessEntry]:
    """The access log (admins only), newest first: filter by `complaint_id` and/or
    `username`; page on with `before`. Reading it is recorded too."""
    access.require_log_reader(staff)
    rows = await access_log.entries(
        pool,
        complaint_id=query.complaint_id,
        username=query.username,
        before=query.before,
        limit=query.limit,
    )
    await audit.record(
        request,
        staff,
        Access.READ_ACCESS_LOG,
        surface="api",
        for_complaint=query.complaint_id,
        for_username=query.username,
        before=query.before,
    )
    return [AccessEntry.model_validate(dict(r)) for r in rows]
