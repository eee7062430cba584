"""The field-check step: scheduled with its own deadline, findings recorded, a missed visit
escalated, and no answer before the findings where the class and category require them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from aduan.domain.calendar import WorkingCalendar
from aduan.domain.policy import load_policy
from aduan.lifecycle.models import (
    AcknowledgeInput,
    RecordFieldCheckInput,
    ReplyInput,
    RequestInfoInput,
    RespondInput,
    ScheduleFieldCheckInput,
)
from aduan.lifecycle.workflow import ComplaintLifecycle
from tests.support.lifecycle import DEFAULT_POLICY, Complaint, Lifecycles

ACK = AcknowledgeInput(actor="ani")
ANSWER = RespondInput(actor="ani", message="Meter diganti, tagihan dikoreksi.")


def _visit(day: date, inspector: str = "joko") -> ScheduleFieldCheckInput:
    return ScheduleFieldCheckInput(
        actor="ani", date=day, inspector=inspector, scope="Baca meter, cek kebocoran pipa"
    )


async def _findings(lifecycles: Lifecycles) -> RecordFieldCheckInput:
    return RecordFieldCheckInput(
        actor="joko",
        visited_at=await lifecycles.now(),
        minutes_on_site=25,
        condition="leak_found",
        meter_reading="012345",
        notes="Pipa bocor setelah meter",
    )


async def _refusal(call: object) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await call  # type: ignore[misc]
    cause = refused.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "ActionNotAllowed"
    return cause.message


async def _billing(lifecycles: Lifecycles) -> Complaint:
    complaint = await lifecycles.start("standard", category="billing")
    await complaint.handle.execute_update(ComplaintLifecycle.acknowledge, ACK)
    return complaint


async def test_a_billing_complaint_is_answered_only_after_its_field_check_is_recorded(
    lifecycles: Lifecycles,
) -> None:
    complaint = await _billing(lifecycles)
    reason = await _refusal(complaint.handle.execute_update(ComplaintLifecycle.respond, ANSWER))
    assert "require a field check" in reason

    today = (await lifecycles.now()).date()
    await complaint.handle.execute_update(ComplaintLifecycle.schedule_field_check, _visit(today))
    reason = await _refusal(complaint.handle.execute_update(ComplaintLifecycle.respond, ANSWER))
    assert f"scheduled for {today.isoformat()}" in reason

    await lifecycles.skip(hours=2)
    findings = await _findings(lifecycles)
    await complaint.handle.execute_update(ComplaintLifecycle.record_field_check, findings)
    state = await complaint.handle.execute_update(ComplaintLifecycle.respond, ANSWER)

    assert state.status == "responded"
    field_check = next(d for d in state.deadlines if d.kind == "field_check")
    assert field_check.met and not field_check.missed
    [scheduled] = await complaint.events("field_check_scheduled")
    assert scheduled["public"] and scheduled["data"]["date"] == today.isoformat()
    [recorded] = await complaint.events("field_check_recorded")
    assert recorded["data"]["condition"] == "leak_found"
    assert recorded["data"]["meter_reading"] == "012345"
    assert recorded["data"]["inspector"] == "joko"
    assert await complaint.events("deadline_missed") == []


async def test_the_field_check_deadline_is_the_class_policy_from_scheduling_on(
    lifecycles: Lifecycles,
) -> None:
    complaint = await _billing(lifecycles)
    scheduled_at = await lifecycles.now()
    await complaint.handle.execute_update(
        ComplaintLifecycle.schedule_field_check, _visit(scheduled_at.date())
    )
    policy = load_policy(DEFAULT_POLICY)
    expected, _ = WorkingCalendar.from_config(policy.calendar, policy.timezone).schedule(
        scheduled_at,
        policy.classes["standard"].field_check,
        [],  # type: ignore[arg-type]
    )
    due = await complaint.due("field_check")
    assert abs(due - expected) < timedelta(seconds=5)

    # Moving the visit to another day keeps the deadline where the first scheduling put it.
    await lifecycles.skip(days=1)
    later = scheduled_at.date() + timedelta(days=2)
    await complaint.handle.execute_update(ComplaintLifecycle.schedule_field_check, _visit(later))
    assert await complaint.due("field_check") == due
    rescheduled = (await complaint.events("field_check_scheduled"))[-1]
    assert rescheduled["data"]["rescheduled"] is True


async def test_a_field_check_nobody_records_is_missed_and_escalates(
    lifecycles: Lifecycles,
) -> None:
    complaint = await _billing(lifecycles)
    today = (await lifecycles.now()).date()
    await complaint.handle.execute_update(ComplaintLifecycle.schedule_field_check, _visit(today))

    await lifecycles.skip(days=9)  # 5 working days, whatever the weekday

    missed = await complaint.events("deadline_missed")
    assert [e["data"]["deadline"] for e in missed] == ["field_check"]
    reminders = [e["data"]["deadline"] for e in await complaint.events("reminder")]
    assert reminders.count("field_check") == 2  # at half and at 80 % of the span
    escalated = await complaint.events("escalated")
    assert [(e["data"]["level"], e["data"]["deadline"]) for e in escalated] == [
        ("supervisor", "field_check")
    ]
    assert (await complaint.state()).escalation_level == "supervisor"


async def test_findings_need_a_scheduled_visit_and_may_come_while_the_complainant_is_asked(
    lifecycles: Lifecycles,
) -> None:
    complaint = await _billing(lifecycles)
    reason = await _refusal(
        complaint.handle.execute_update(
            ComplaintLifecycle.record_field_check, await _findings(lifecycles)
        )
    )
    assert "no field check is scheduled" in reason

    today = (await lifecycles.now()).date()
    await complaint.handle.execute_update(ComplaintLifecycle.schedule_field_check, _visit(today))
    await complaint.handle.execute_update(
        ComplaintLifecycle.request_info, RequestInfoInput(actor="ani", message="Nomor meter?")
    )
    await complaint.handle.execute_update(
        ComplaintLifecycle.record_field_check, await _findings(lifecycles)
    )
    await complaint.handle.execute_update(
        ComplaintLifecycle.reply, ReplyInput(message="Nomor meter 998877")
    )
    state = await complaint.handle.execute_update(ComplaintLifecycle.respond, ANSWER)
    assert state.status == "responded"
    [field_check] = [d for d in state.deadlines if d.kind == "field_check"]
    assert field_check.met and not field_check.paused  # met while paused, never resumed


async def test_a_class_without_the_requirement_is_answered_without_a_visit(
    lifecycles: Lifecycles,
) -> None:
    complaint = await lifecycles.start("standard", category="no_water")
    await complaint.handle.execute_update(ComplaintLifecycle.acknowledge, ACK)
    state = await complaint.handle.execute_update(ComplaintLifecycle.respond, ANSWER)
    assert state.status == "responded"
