"""The lifecycle paths whose recorded histories guard running complaints against changes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from aduan.lifecycle.models import (
    AcknowledgeInput,
    ConfirmInput,
    DisputeInput,
    ExtendInput,
    NoteInput,
    RatingInput,
    ReassignInput,
    RecordFieldCheckInput,
    RejectInput,
    ReplyInput,
    RequestInfoInput,
    RespondInput,
    ScheduleFieldCheckInput,
    TransferInput,
)
from aduan.lifecycle.workflow import ComplaintLifecycle
from tests.support.lifecycle import Complaint, Lifecycles

ACK = AcknowledgeInput(actor="ani")
ANSWER = RespondInput(actor="ani", message="Sudah ditangani.")
Scenario = Callable[[Lifecycles], Awaitable[Complaint]]


async def silence_to_ombudsman(lifecycles: Lifecycles) -> Complaint:
    """Unrouted for days, then routed, then nobody acknowledges: the whole ladder."""
    complaint = await lifecycles.start("standard", routed=False)
    await lifecycles.skip(days=8)
    from aduan.domain.routing import RoutingDecision

    await complaint.handle.signal(
        ComplaintLifecycle.route,
        RoutingDecision(category="billing", unit="penagihan", complaint_class="standard"),
    )
    await lifecycles.skip(days=60)
    return complaint


async def answered_then_auto_closed(lifecycles: Lifecycles) -> Complaint:
    """Acknowledged, a note, reassigned, answered and rated, then silence: auto_closed."""
    complaint = await lifecycles.start("light")
    await complaint.handle.execute_update(ComplaintLifecycle.acknowledge, ACK)
    await complaint.handle.execute_update(ComplaintLifecycle.note, NoteInput(actor="a", text="n"))
    await complaint.handle.execute_update(
        ComplaintLifecycle.reassign, ReassignInput(actor="s", unit="teknis")
    )
    await complaint.handle.execute_update(ComplaintLifecycle.respond, ANSWER)
    await complaint.handle.execute_update(ComplaintLifecycle.rate, RatingInput(score=4))
    await lifecycles.skip(days=60)
    return complaint


async def info_pause_extend_dispute_appeal(lifecycles: Lifecycles) -> Complaint:
    """Request info, reply, extend, answer, dispute twice (appeal), confirm."""
    complaint = await lifecycles.start("normative")
    await complaint.handle.execute_update(ComplaintLifecycle.acknowledge, ACK)
    await lifecycles.skip(days=1)
    await complaint.handle.execute_update(
        ComplaintLifecycle.request_info, RequestInfoInput(actor="ani", message="?")
    )
    await lifecycles.skip(days=3)
    await complaint.handle.execute_update(ComplaintLifecycle.reply, ReplyInput(message="ini"))
    await complaint.handle.execute_update(
        ComplaintLifecycle.extend, ExtendInput(actor="ani", by="2wd", reason="survei")
    )
    await complaint.handle.execute_update(ComplaintLifecycle.respond, ANSWER)
    await complaint.handle.execute_update(ComplaintLifecycle.dispute, DisputeInput(message="x"))
    await complaint.handle.execute_update(ComplaintLifecycle.respond, ANSWER)
    await complaint.handle.execute_update(ComplaintLifecycle.dispute, DisputeInput(message="y"))
    await complaint.handle.execute_update(ComplaintLifecycle.confirm, ConfirmInput())
    await lifecycles.skip(days=40)
    return complaint


async def info_never_answered(lifecycles: Lifecycles) -> Complaint:
    """Information requested and never given: withdrawn."""
    complaint = await lifecycles.start("standard")
    await complaint.handle.execute_update(ComplaintLifecycle.acknowledge, ACK)
    await complaint.handle.execute_update(
        ComplaintLifecycle.request_info, RequestInfoInput(actor="ani", message="?")
    )
    await lifecycles.skip(days=60)
    return complaint


async def rejected(lifecycles: Lifecycles) -> Complaint:
    """Out of scope."""
    complaint = await lifecycles.start("standard")
    await complaint.handle.execute_update(
        ComplaintLifecycle.reject, RejectInput(actor="ani", reason="bukan kewenangan")
    )
    await lifecycles.skip(days=40)
    return complaint


async def transferred(lifecycles: Lifecycles) -> Complaint:
    """Another provider's matter."""
    complaint = await lifecycles.start("urgent")
    await complaint.handle.execute_update(
        ComplaintLifecycle.transfer, TransferInput(actor="ani", provider="PLN", reason="listrik")
    )
    await lifecycles.skip(days=40)
    return complaint


async def field_check_missed_then_recorded(lifecycles: Lifecycles) -> Complaint:
    """A billing complaint's visit scheduled, moved, missed and escalated, its findings
    recorded late, then answered and confirmed."""
    complaint = await lifecycles.start("standard", category="billing")
    await complaint.handle.execute_update(ComplaintLifecycle.acknowledge, ACK)
    today = (await lifecycles.now()).date()
    visit = ScheduleFieldCheckInput(actor="ani", date=today, inspector="joko", scope="meter")
    await complaint.handle.execute_update(ComplaintLifecycle.schedule_field_check, visit)
    await complaint.handle.execute_update(
        ComplaintLifecycle.schedule_field_check,
        visit.model_copy(update={"date": today + timedelta(days=1)}),
    )
    await lifecycles.skip(days=9)
    findings = RecordFieldCheckInput(
        actor="joko",
        visited_at=await lifecycles.now(),
        minutes_on_site=30,
        condition="meter_broken",
        meter_reading="004512",
    )
    await complaint.handle.execute_update(ComplaintLifecycle.record_field_check, findings)
    await complaint.handle.execute_update(ComplaintLifecycle.respond, ANSWER)
    await complaint.handle.execute_update(ComplaintLifecycle.confirm, ConfirmInput())
    await lifecycles.skip(days=40)
    return complaint


async def confirmed_indexed(lifecycles: Lifecycles) -> Complaint:
    """Answered, confirmed and rated with search attributes kept current (a dev server's
    history: the time-skipping server has none), so upserts are replayed too."""
    complaint = await lifecycles.start("standard")
    await complaint.handle.execute_update(ComplaintLifecycle.acknowledge, ACK)
    await complaint.handle.execute_update(ComplaintLifecycle.respond, ANSWER)
    await complaint.handle.execute_update(ComplaintLifecycle.confirm, ConfirmInput())
    await complaint.handle.execute_update(ComplaintLifecycle.rate, RatingInput(score=5))
    await complaint.handle.result()
    return complaint


SCENARIOS: dict[str, Scenario] = {
    scenario.__name__: scenario
    for scenario in (
        silence_to_ombudsman,
        answered_then_auto_closed,
        info_pause_extend_dispute_appeal,
        info_never_answered,
        rejected,
        transferred,
        field_check_missed_then_recorded,
    )
}
# Recorded on a dev server with Aduan's search attributes registered, in real time.
INDEXED_SCENARIOS: dict[str, Scenario] = {confirmed_indexed.__name__: confirmed_indexed}
