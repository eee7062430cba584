"""Writing the access log from desk: every read of a complaint and every staff action, with
who, from where, and whether the complainant's identity was shown.

The row is written before the answer leaves: when it cannot be written, the request fails
(503) and shows nothing, rather than a look that nobody could trace."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import asyncpg
import structlog
from fastapi import Request

from aduan.domain.access_log import clean_detail, user_agent
from aduan.domain.errors import Unavailable
from aduan.domain.staff import Staff
from aduan.store import access_log
from aduan.store.db import DATABASE_DOWN

log = structlog.get_logger(__name__)


def _source(request: Request) -> str | None:
    # uvicorn has already put the X-Forwarded-For client here when the proxy is one of
    # ADUAN_TRUSTED_PROXIES (forwarded_allow_ips); an untrusted header is never read.
    return request.client.host if request.client else None


def entry(
    request: Request,
    staff: Staff,
    action: str,
    complaint_id: uuid.UUID | None = None,
    identity_shown: bool = False,
    /,
    **detail: object,
) -> access_log.Entry:
    """The row that records `staff` doing `action` in this request."""
    return access_log.Entry(
        username=staff.user,
        role=staff.role.value,
        unit=staff.unit,
        action=action,
        complaint_id=complaint_id,
        identity_shown=identity_shown,
        source=_source(request),
        user_agent=user_agent(request.headers.get("user-agent")),
        detail=clean_detail(detail),
    )


async def record(
    request: Request,
    staff: Staff,
    action: str,
    complaint_id: uuid.UUID | None = None,
    identity_shown: bool = False,
    /,
    **detail: object,
) -> None:
    """Append one row; Unavailable (503) when it cannot be written."""
    await _append(request, [entry(request, staff, action, complaint_id, identity_shown, **detail)])


async def record_reads(
    request: Request,
    staff: Staff,
    action: str,
    shown: Mapping[uuid.UUID, bool],
    /,
    **detail: object,
) -> None:
    """One row per complaint of a view that shows several (the inspector's visits), with
    whether each one's identity was shown; all written in one statement, or Unavailable."""
    await _append(
        request,
        [entry(request, staff, action, cid, seen, **detail) for cid, seen in shown.items()],
    )


async def _append(request: Request, rows: list[access_log.Entry]) -> None:
    try:
        await access_log.append(request.app.state.pool, rows)
    except (asyncpg.PostgresError, *DATABASE_DOWN) as exc:
        log.warning("access_log.unwritable", error=type(exc).__name__, action=rows[0].action)
        raise Unavailable(
            "the access log cannot be written, so nothing is shown; try again shortly"
        ) from exc
