"""Answering an incident: each open complaint linked to it gets the answer through its own
lifecycle, as its status allows. The API and the pages both answer through here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import structlog

from aduan.domain.errors import ActionNotAllowed, LifecycleNotRunning, NotFound
from aduan.domain.incidents import AnswerOutcome, IncidentStatus, update_id
from aduan.domain.staff import Staff
from aduan.domain.vocabulary import Status
from aduan.lifecycle.actions import STAFF_ACTIONS
from aduan.lifecycle.client import Lifecycles
from aduan.lifecycle.models import AcknowledgeInput, RespondInput
from aduan.store import incidents
from services.desk import access

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Answered:
    """What the incident's answer did to one complaint, and why when it did nothing."""

    complaint_id: uuid.UUID
    tracking_code: str
    outcome: AnswerOutcome
    status: str
    reason: str | None = None


async def answer(
    pool: asyncpg.Pool, lifecycles: Lifecycles, staff: Staff, incident_id: uuid.UUID, message: str
) -> tuple[asyncpg.Record, list[Answered]]:
    """Send `message` as the answer to every open complaint of the incident that `staff` may
    answer; each Update's id derives from (incident, complaint), so a retry answers none twice.

    A complaint that waits for its complainant's information is told the answer but stays
    waiting; one still `routed` is acknowledged first (the answer is its first response too);
    those whose status refuses the answer are skipped with the lifecycle's reason.
    Unavailable (Temporal away) stops the round: sent again, it goes on where it stopped."""
    access.require_supervisor(staff)
    incident = await incidents.find(pool, incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    if incident["status"] != IncidentStatus.OPEN:
        raise ActionNotAllowed("the incident is closed; it can no longer be answered")
    if incident["responded_at"] is not None and incident["response"] != message:
        raise ActionNotAllowed(
            "the incident was already answered with another message; each complainant got it"
        )
    incident = await incidents.record_response(
        pool, incident_id, message, by=staff.user, now=datetime.now(UTC)
    )
    results = [
        await _answer_one(pool, lifecycles, staff, incident, row, message)
        for row in await incidents.linked(pool, incident_id)
    ]
    log.info(
        "incident.answered",
        incident_id=str(incident_id),
        **{o.value: sum(1 for r in results if r.outcome == o) for o in AnswerOutcome},
    )
    return incident, results


async def _answer_one(
    pool: asyncpg.Pool,
    lifecycles: Lifecycles,
    staff: Staff,
    incident: asyncpg.Record,
    row: asyncpg.Record,
    message: str,
) -> Answered:
    complaint_id, code, status = row["id"], row["tracking_code"], row["status"]

    def skipped(reason: str, now_status: str = status) -> Answered:
        return Answered(complaint_id, code, AnswerOutcome.SKIPPED, now_status, reason)

    if not access.can_link(staff, row["unit"]):
        return skipped(f"a {staff.role} of unit {staff.unit!r} cannot answer this complaint")
    if status == Status.WAITING_COMPLAINANT:
        await incidents.tell_answer(pool, incident, complaint_id, datetime.now(UTC))
        return Answered(complaint_id, code, AnswerOutcome.TOLD, status)
    if status == Status.RECEIVED:
        return skipped("the complaint is not routed yet; it takes no answer")
    # Any other status still goes to the lifecycle: one this incident already answered gets
    # the first answer's result back (same Update id), and any other is refused by its rules.
    try:
        if status == Status.ROUTED:
            await lifecycles.act(
                complaint_id,
                STAFF_ACTIONS["acknowledge"],
                AcknowledgeInput(actor=staff.user),
                update_id=update_id(incident["id"], complaint_id, "acknowledge"),
            )
        state = await lifecycles.act(
            complaint_id,
            STAFF_ACTIONS["respond"],
            RespondInput(message=message, actor=staff.user),
            update_id=update_id(incident["id"], complaint_id, "respond"),
        )
    except (ActionNotAllowed, LifecycleNotRunning) as exc:
        # Its status moved since it was read (the complainant was asked for information, or
        # it closed): its own rules win.
        return skipped(exc.detail)
    return Answered(complaint_id, code, AnswerOutcome.RESPONDED, state.status)
