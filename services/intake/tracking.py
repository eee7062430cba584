"""What a complainant may do with a tracking code and its token: read, act, attach files.

The JSON API (/v1/complaints/...) and the citizen pages (/track) both go through here, so a
page and an API client see the same complaint and meet the same refusals."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg

from aduan.config import Settings
from aduan.domain.errors import NotFound
from aduan.domain.events import EventType
from aduan.domain.routing import RuleSet
from aduan.lifecycle.actions import COMPLAINANT_ACTIONS
from aduan.lifecycle.client import Lifecycles, parse_action
from aduan.lifecycle.models import LifecycleState
from aduan.store import complaints, units
from services.intake.schemas import AttachmentOut, ComplaintView, DeadlineOut, TimelineEntry

_NO_COMPLAINT = uuid.UUID(int=0)  # stands in for the id of a code that does not exist


def not_found() -> NotFound:
    """The one NotFound for an unknown code and a wrong token; a new error for every raise."""
    return NotFound("no complaint with this tracking code and access token")


async def find(
    pool: asyncpg.Pool, settings: Settings, tracking_code: str, token: str | None
) -> asyncpg.Record:
    """The complaint if `token` is its access token; 404 otherwise (never says which is wrong)."""
    row = await complaints.find_by_tracking_code(pool, tracking_code.strip().upper())
    # The token is checked even without a row: the time taken must not tell that a code exists.
    matches = complaints.token_matches(
        settings.secret_key, row["id"] if row is not None else _NO_COMPLAINT, (token or "").strip()
    )
    if row is None or not matches:
        raise not_found()
    return row


def _entry(rules: RuleSet, language: str, t: Mapping[str, Any]) -> TimelineEntry:
    """A public step; of a field check, its day and what was found (not the inspector's
    notes nor who went: those are for staff and the Ombudsman)."""
    data = t["data"]
    condition = None
    if t["event_type"] == EventType.FIELD_CHECK_RECORDED:
        condition = rules.condition_label(data.get("category"), data.get("condition", ""), language)
    return TimelineEntry(
        event_type=t["event_type"],
        status=t["status"],
        escalation_level=t["escalation_level"],
        occurred_at=t["occurred_at"],
        message=data.get("message"),
        visit_date=data.get("date") if str(t["event_type"]).startswith("field_check") else None,
        condition=condition,
    )


async def view(pool: asyncpg.Pool, row: asyncpg.Record, rules: RuleSet) -> ComplaintView:
    """Status, escalation level, deadlines, public timeline and attachments."""
    deadlines = await complaints.deadlines(pool, row["id"])
    timeline = await complaints.timeline(pool, row["id"], public_only=True)
    unit = await units.find(pool, row["unit"])
    return ComplaintView(
        tracking_code=row["tracking_code"],
        status=row["status"],
        outcome=row["outcome"],
        escalation_level=row["escalation_level"],
        complaint_class=row["complaint_class"],
        unit=row["unit"],
        unit_name=unit.name(row["language"]) if unit else None,
        received_at=row["received_at"],
        deadlines=[
            DeadlineOut(
                kind=d["kind"],
                due_at=d["due_at"],
                met_at=d["met_at"],
                missed=d["missed_at"] is not None,
            )
            for d in deadlines
        ],
        timeline=[_entry(rules, row["language"], t) for t in timeline],
        attachments=[AttachmentOut.model_validate(a) for a in row["attachments"]],
    )


async def act(
    lifecycles: Lifecycles,
    row: asyncpg.Record,
    name: str,
    body: Any,
    *,
    update_id: str | None = None,
) -> LifecycleState:
    """Reply, confirm, dispute or rate as the complainant; refusals are 404/409/422 problems."""
    action, parsed = parse_action(COMPLAINANT_ACTIONS, name, body)
    return await lifecycles.act(
        row["id"], action, parsed.model_copy(update={"actor": "complainant"}), update_id=update_id
    )
