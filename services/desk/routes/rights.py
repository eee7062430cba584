"""A complainant's rights for admins: GET /v1/staff/rights/export and
POST /v1/staff/rights/erase."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from aduan.web.problems import responses
from services.desk import rights
from services.desk.auth import StaffDep

router = APIRouter(prefix="/v1/staff/rights", tags=["rights"], responses=responses(401, 503))


class Who(BaseModel):
    """The complainant, by exactly one of their e-mail, phone or a tracking code."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(None, max_length=320)
    phone: str | None = Field(None, max_length=40)
    tracking_code: str | None = Field(None, max_length=40)


class Erasure(Who):
    """Who, and why their data is erased (kept in the erasures table, with the admin)."""

    reason: str = Field(min_length=1, max_length=1000)


class Erased(BaseModel):
    """How many complaints were anonymised."""

    erased: int


@router.get("/export", responses=responses(403, 404, 422))
async def export_complainant(
    request: Request, staff: StaffDep, who: Annotated[Who, Query()]
) -> JSONResponse:
    """Everything held about one complainant as a JSON file (admins only): each complaint
    with its timeline, deadlines and attachments' names and keys."""
    held: dict[str, Any] = await rights.export(
        request, staff, rights.lookup(who.email, who.phone, who.tracking_code), "api"
    )
    return JSONResponse(
        held, headers={"Content-Disposition": 'attachment; filename="aduan-data.json"'}
    )


@router.post("/erase", response_model=Erased, responses=responses(403, 404, 409, 422))
async def erase_complainant(request: Request, staff: StaffDep, body: Erasure) -> Erased:
    """Anonymise every complaint of one complainant now (admins only), as retention would,
    with the reason recorded; refused while any of them is open."""
    erased = await rights.erase(
        request,
        staff,
        rights.lookup(body.email, body.phone, body.tracking_code),
        body.reason.strip() or "-",
        "api",
    )
    return Erased(erased=erased)
