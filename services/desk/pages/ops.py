"""The ops page: backlog, this month's deadlines, stuck work, the outbox, dead deliveries."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from aduan.adapters import bus
from aduan.config import Settings
from aduan.domain.access_log import Prefix, prefixed
from aduan.store import deadletters, deliveries, watch
from aduan.store.deliveries import DeliveryStatus
from services.desk import audit
from services.desk.pages.render import page
from services.desk.pages.reports import report_form
from services.desk.pages.session import WatcherDep, posted

router = APIRouter(include_in_schema=False)


def month_start(now: datetime, timezone: str) -> datetime:
    """00:00 of the first day of `now`'s month in the provider's time zone."""
    local = now.astimezone(ZoneInfo(timezone))
    return datetime.combine(local.date().replace(day=1), time(), ZoneInfo(timezone))


@router.get("/ops", response_class=HTMLResponse)
async def ops(request: Request, signed: WatcherDep) -> Response:
    """Figures for ops and admins; each stuck complaint links to its lifecycle in Temporal."""
    now = datetime.now(UTC)
    settings: Settings = request.app.state.settings
    figures = await watch.watch(
        request.app.state.pool, now, month_start(now, request.app.state.policy.timezone)
    )
    dead = await deliveries.list_deliveries(request.app.state.pool, dead_only=True, limit=50)
    backlogs = await bus.consumer_backlogs(settings.nats_servers)
    return page(
        request,
        "ops.html",
        signed,
        w=figures,
        dead=[d for d in dead if d.status == DeliveryStatus.DEAD],
        replayed=request.query_params.get("replayed"),
        backlogs=backlogs,
        report=report_form(request.app.state.policy),
        temporal_ui=f"{settings.temporal_ui_link}/namespaces/{settings.temporal_namespace}/workflows",
    )


@router.post("/ops/deliveries/retry")
async def retry(request: Request, signed: WatcherDep) -> Response:
    """Replay dead deliveries (the ones ticked, or all) through the notification consumer,
    as `aduan notifications retry` does; back to the page with how many went."""
    await posted(request, signed)  # the CSRF check; the ticked ids are a list
    form = await request.form()
    ids = [int(v) for v in form.getlist("id") if isinstance(v, str) and v.isdigit()]
    everything = form.get("which") == "all"
    await audit.record(
        request,
        signed.account.staff,
        prefixed(Prefix.OPS, "retry"),
        surface="page",
        deliveries=None if everything else len(ids),
    )
    result = await deadletters.replay_configured(
        request.app.state.settings, ids=None if everything else ids
    )
    return RedirectResponse(f"/ops?replayed={len(result.replayed)}", status_code=303)
