"""For admins: /admin/rights, a complainant's data by e-mail, phone or tracking code, to
download as JSON or erase with a reason; and the requests complainants left on the tracking
page (docs/privacy.md "Rights of the complainant")."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from aduan.domain.access_log import Access
from aduan.domain.errors import ActionNotAllowed, InvalidInput, NotFound, Unavailable
from aduan.store import rights as held
from services.desk import audit, rights
from services.desk.pages.render import page
from services.desk.pages.session import AdminDep, SignedIn, posted

router = APIRouter(prefix="/admin", include_in_schema=False)


def _asked(fields: dict[str, str]) -> dict[str, str]:
    return {name: fields.get(name, "").strip()[:320] for name in rights.LOOKUP_FIELDS}


async def _page(
    request: Request,
    signed: SignedIn,
    values: dict[str, str],
    *,
    status: int = 200,
    problems: list[tuple[str, dict[str, object]]] | None = None,
    erased: int | None = None,
) -> HTMLResponse:
    pool = request.app.state.pool
    found = []
    problems = list(problems or [])
    if any(values.values()) and erased is None:
        try:
            who = rights.lookup(**values)
        except InvalidInput:
            problems.append(("desk.rights.one_way", {}))
            status = 422
        else:
            found = await held.summaries(pool, await held.find(pool, who))
            await audit.record(
                request, signed.account.staff, Access.LIST, surface="rights", rows=len(found)
            )
            if not found and not problems:
                problems.append(("desk.rights.not_found", {}))
                status = 404
    return page(
        request,
        "rights.html",
        signed,
        status=status,
        requests=await held.open_requests(pool),
        values=values,
        found=found,
        problems=problems,
        erased=erased,
        export_query=urlencode({k: v for k, v in values.items() if v}),
    )


@router.get("/rights", response_class=HTMLResponse)
async def rights_page(request: Request, signed: AdminDep) -> Response:
    """The open requests, the lookup form and, for a complainant found, export and erasure."""
    return await _page(request, signed, _asked(dict(request.query_params)))


@router.get("/rights/export")
async def rights_export(request: Request, signed: AdminDep) -> Response:
    """Everything held about the complainant as a JSON download."""
    values = _asked(dict(request.query_params))
    try:
        data = await rights.export(request, signed.account.staff, rights.lookup(**values), "page")
    except InvalidInput:
        return await _page(request, signed, values)
    except NotFound:
        return await _page(request, signed, values)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="aduan-data.json"'},
    )


@router.post("/rights/erase", response_class=HTMLResponse)
async def rights_erase(request: Request, signed: AdminDep) -> Response:
    """Erase the complainant's data now, with the reason; an open complaint is withdrawn
    first, and nothing is erased when that cannot be done."""
    fields = await posted(request, signed)
    values = _asked(fields)
    reason = fields.get("reason", "").strip()[:1000]
    if not reason:
        return await _page(
            request, signed, values, status=422, problems=[("desk.rights.no_reason", {})]
        )
    try:
        count = await rights.erase(
            request, signed.account.staff, rights.lookup(**values), reason, "page"
        )
    except (InvalidInput, NotFound):
        return await _page(request, signed, values)
    except Unavailable:  # an open complaint could not be withdrawn first: nothing erased
        return await _page(
            request, signed, values, status=503, problems=[("desk.rights.engine_away", {})]
        )
    except ActionNotAllowed as exc:
        codes = ", ".join(exc.extra.get("open", [])) or values.get("tracking_code", "")
        return await _page(
            request,
            signed,
            values,
            status=409,
            problems=[("desk.rights.still_open", {"codes": codes})],
        )
    return await _page(request, signed, values, erased=count)
