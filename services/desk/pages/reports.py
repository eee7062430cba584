"""The monthly SLA report as a download (`/reports/monthly`), and the little form that asks
for it on the ops page and on a supervisor's needs-attention list."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from aduan.domain.errors import Forbidden
from aduan.domain.policy import Policy
from aduan.domain.reports import InvalidMonth, Month, check_reportable, parse_month
from aduan.reports.monthly import monthly_report
from aduan.reports.render import ReportFormat, filename, render
from aduan.web.pages import choose_language
from services.desk import access
from services.desk.pages.session import Refused, SignedIn, SignedInDep

router = APIRouter(include_in_schema=False)
UNIT_MAX = 100  # as the units table holds a code


def report_form(policy: Policy) -> dict[str, Any]:
    """What the form offers: the last whole month first, none after the current one."""
    now = Month.containing(datetime.now(UTC), policy.timezone)
    return {"default": str(now.previous()), "latest": str(now), "formats": list(ReportFormat)}


def _unit(text: str | None, signed: SignedIn) -> str | None:
    """The unit asked for (None: every unit); Refused with 422 for what no code can be."""
    if not text or not text.strip():
        return None
    if len(text) > UNIT_MAX or any(ord(ch) < 32 for ch in text):
        raise Refused("desk.report.bad_unit", status=422, signed=signed)
    return text.strip()


@router.get("/reports/monthly")
async def monthly(request: Request, signed: SignedInDep) -> Response:
    """The report of a month as PDF, CSV or HTML: a supervisor gets their own unit's only."""
    params = request.query_params
    policy: Policy = request.app.state.policy
    now = datetime.now(UTC)
    try:
        unit = access.report_unit(signed.account.staff, _unit(params.get("unit"), signed))
    except Forbidden as exc:
        raise Refused("desk.error.report", signed=signed) from exc
    try:
        month = check_reportable(parse_month(params.get("month", "")), now, policy.timezone)
    except InvalidMonth as exc:
        raise Refused("desk.report.bad_month", status=422, signed=signed) from exc
    try:
        fmt = ReportFormat(params.get("format", ReportFormat.PDF))
    except ValueError as exc:
        raise Refused("desk.report.bad_format", status=422, signed=signed) from exc
    report = await monthly_report(request.app.state.pool, policy, month, unit, now)
    # Typst and the CSV writer hold the CPU for a big month: off the event loop.
    data = await asyncio.to_thread(render, report, fmt, choose_language(request)[0])
    return Response(
        data,
        media_type=fmt.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename(report, fmt)}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
