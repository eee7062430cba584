"""The signed-in officer's own settings: away (on leave, in the field) or back."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from aduan.domain.access_log import Prefix, prefixed
from aduan.store import assignment
from services.desk import audit
from services.desk.pages.session import SignedInDep, posted

router = APIRouter(include_in_schema=False)


@router.post("/me/away")
async def set_away(request: Request, signed: SignedInDep) -> Response:
    """Mark oneself away (assignment by load passes one by) or back; back to My complaints."""
    fields = await posted(request, signed)
    away = fields.get("away") == "yes"
    await audit.record(
        request, signed.account.staff, prefixed(Prefix.ME, "away" if away else "back")
    )
    await assignment.set_away(request.app.state.pool, signed.account.username, away)
    return RedirectResponse("/?mine=yes", status_code=303)
