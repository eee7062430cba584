"""Every path of docs/domain.md's lifecycle, on the time-skipping server with the shipped policy."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from aduan.adapters.payload_codec import ENCODING
from aduan.domain.calendar import WorkingCalendar
from aduan.lifecycle.models import (
    AcknowledgeInput,
    ConfirmInput,
    DisputeInput,
    ExtendInput,
    LifecycleState,
    NoteInput,
    RatingInput,
    ReassignInput,
    RejectInput,
    ReplyInput,
    RequestInfoInput,
    RespondInput,
    TransferInput,
)
from aduan.lifecycle.workflow import ComplaintLifecycle
from tests.support.lifecycle import Lifecycles

WIB = ZoneInfo("Asia/Jakarta")
ACK = AcknowledgeInput(actor="ani")
ANSWER = RespondInput(actor="ani", message="Meter sudah dikalibrasi, tagihan dikoreksi.")


async def _refused(call: object, kind: str = "ActionNotAllowed") -> str:
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await call  # type: ignore[misc]
    cause = refused.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == kind
    return cause.message


async def test_an_unrouted_complaint_misses_the_routing_deadline_and_escalates(
    lifecycles: Lifecycles,
) -> None:
    complaint = await lifecycles.start(routed=False)
    await lifecycles.skip(days=8)  # 3 working days, whatever the weekday
    missed = await complaint.events("deadline_missed")
    assert [e["data"]["deadline"] for e in missed] == ["routing"]
    assert [e["data"]["level"] for e in await complaint.events("escalated")] == ["supervisor"]
    await complaint.handle.signal(ComplaintLifecycle.route, _decision())
    await lifecycles.skip(seconds=5)
    state = await complaint.state()
    assert (state.status, state.escalation_level) == ("routed", "supervisor")  # level stays


async def test_a_missed_deadline_and_the_escalation_due_with_it_are_written_together(
    lifecycles: Lifecycles,
) -> None:
    complaint = await lifecycles.start("light")
    await lifecycles.skip(days=5)  # 1 working day missed; the supervisor step is due with it
    rows = await complaint.pool.fetch(
        "SELECT event_type, xmin::text AS transaction FROM timeline"
        " WHERE complaint_id = $1 AND event_type IN ('deadline_missed', 'escalated')"
        " AND data->>'deadline' = 'first_response'",
        complaint.id,
    )
    assert sorted(r["event_type"] for r in rows) == ["deadline_missed", "escalated"]
    # One database transaction for both: a deadline cliff costs each lifecycle one write.
    assert len({r["transaction"] for r in rows}) == 1


def _decision() -> object:
    from aduan.domain.routing import RoutingDecision

    return RoutingDecision(category="billing", unit="penagihan", complaint_class="light")


async def test_silence_climbs_the_ladder_once_per_level_never_twice(
    lifecycles: Lifecycles,
) -> None:
    complaint = await lifecycles.start("standard")
    await lifecycles.skip(days=60)  # first response and resolution both missed
    state = await complaint.state()
    assert (state.status, state.escalation_level) == ("routed", "ombudsman")
    missed = [e["data"]["deadline"] for e in await complaint.events("deadline_missed")]
    assert missed == ["first_response", "resolution"]
    levels = [e["data"]["level"] for e in await complaint.events("escalated")]
    assert levels == ["supervisor", "ombudsman"]  # resolution's ladder takes no step twice
    first = [e["data"]["deadline"] for e in await complaint.events("escalated")]
    assert first == ["first_response", "first_response"]


async def test_reminders_go_to_the_officer_at_half_and_80_percent_and_supervisor_at_80(
    lifecycles: Lifecycles,
) -> None:
    acknowledged = await lifecycles.start("standard")
    await acknowledged.handle.execute_update(ComplaintLifecycle.acknowledge, ACK)
    complaint = await lifecycles.start("standard")
    await lifecycles.skip(days=30)
    reminders = [
        (e["data"]["deadline"], e["data"]["fraction"], e["data"]["supervisor"])
        for e in await complaint.events("reminder")
    ]
    assert reminders == [
        ("first_response", 0.5, False),
        ("first_response", 0.8, False),
        ("resolution", 0.5, False),
        ("resolution", 0.8, True),
    ]
    assert all(not e["public"] for e in await complaint.events("reminder"))
    met = [e["data"]["deadline"] for e in await acknowledged.events("reminder")]
    assert "first_response" not in met  # a met deadline reminds nobody


async def test_acknowledged_and_answered_in_time_never_escalates_and_auto_closes(
    lifecycles: Lifecycles,
) -> None:
    complaint = await lifecycles.start("light")
    await lifecycles.skip(hours=1)
    assert (
        await complaint.handle.execute_update(ComplaintLifecycle.acknowledge, ACK)
    ).status == "in_progress"
    assert (
        await complaint.handle.execute_update(ComplaintLifecycle.respond, ANSWER)
    ).status == "responded"
    await lifecycles.skip(days=40)  # 10 working days of silence, holidays or not
    state = await complaint.state()
    assert (state.status, state.outcome, state.escalation_level) == (
        "closed",
        "auto_closed",
        "none",
    )
    assert await complaint.events("escalated") == []


async def test_a_request_for_information_pauses_the_clock_and_the_reply_resumes_it(
    lifecycles: Lifecycles,
) -> None:
    complaint = await lifecycles.start("normative")  # resolution 5 working days
    await complaint.handle.execute_update(ComplaintLifecycle.acknowledge, ACK)
    due_before = await complaint.due("resolution")
    await lifecycles.skip(days=1)
    paused_at = await lifecycles.now()
    state = await complaint.handle.execute_update(
        ComplaintLifecycle.request_info, RequestInfoInput(actor="ani", message="Nomor meter?")
    )
    assert state.status == "waiting_complainant"
    await lifecycles.skip(days=20)  # far past the original deadline: nothing is missed
    assert await complaint.events("deadline_missed") == []

    resumed_at = await lifecycles.now()
    await complaint.handle.execute_update(
        ComplaintLifecycle.reply, ReplyInput(message="Nomor meter 12345")
    )
    expected = WorkingCalendar().resume(paused_at, resumed_at, due_before, True)
    # The test's clock readings and the workflow's differ by a few milliseconds.
    assert abs((await complaint.due("resolution") - expected).total_seconds()) < 1
    assert (await complaint.state()).status == "in_progress"


async def test_no_reply_within_the_info_window_closes_it_as_withdrawn(
    lifecycles: Lifecycles,
) -> None:
    complaint = await lifecycles.start("standard")
    await complaint.handle.execute_update(ComplaintLifecycle.acknowledge, ACK)
    await complaint.handle.execute_update(
        ComplaintLifecycle.request_info, RequestInfoInput(actor="ani", message="Foto meter?")
    )
    await lifecycles.skip(days=29)
    assert (await complaint.state()).status == "waiting_complainant"
    await lifecycles.skip(days=2)  # 30 calendar days
    state = await complaint.state()
    assert (state.status, state.outcome) == ("closed", "withdrawn")


async def test_one_extension_within_the_maximum_before_the_deadline(
    lifecycles: Lifecycles,
) -> None:
    complaint = await lifecycles.start("standard")
    await complaint.handle.execute_update(ComplaintLifecycle.acknowledge, ACK)
    due = await complaint.due("resolution")
    message = await _refused(
        complaint.handle.execute_update(
            ComplaintLifecycle.extend, ExtendInput(actor="ani", by="8wd", reason="survei")
        ),
        "InvalidAction",
    )
    assert "7wd" in message
    state = await complaint.handle.execute_update(
        ComplaintLifecycle.extend, ExtendInput(actor="ani", by="3wd", reason="survei lapangan")
    )
    assert state.extensions_used == 1
    assert await complaint.due("resolution") == WorkingCalendar().add_working_days(due, 3)
    assert (await complaint.events("extended"))[0]["public"]  # the complainant is told
    message = await _refused(
        complaint.handle.execute_update(
            ComplaintLifecycle.extend, ExtendInput(actor="ani", by="1wd", reason="lagi")
        )
    )
    assert "already extended" in message


async def test_an_extension_after_the_deadline_passed_is_refused(lifecycles: Lifecycles) -> None:
    complaint = await lifecycles.start("light")
    await complaint.handle.execute_update(ComplaintLifecycle.acknowledge, ACK)
    await lifecycles.skip(days=20)  # 2 working days, long past whatever the holidays
    message = await _refused(
        complaint.handle.execute_update(
            ComplaintLifecycle.extend, ExtendInput(actor="ani", by="1wd", reason="terlambat")
        )
    )
    assert "passed" in message


async def test_confirm_closes_as_resolved_and_a_rating_ends_the_lifecycle(
    lifecycles: Lifecycles,
) -> None:
    complaint = await lifecycles.start("light")
    await complaint.handle.execute_update(ComplaintLifecycle.acknowledge, ACK)
    await complaint.handle.execute_update(ComplaintLifecycle.respond, ANSWER)
    state = await complaint.handle.execute_update(ComplaintLifecycle.confirm, ConfirmInput())
    assert (state.status, state.outcome) == ("closed", "resolved")
    await complaint.handle.execute_update(ComplaintLifecycle.rate, RatingInput(score=5))
    result = await complaint.handle.result()
    assert result.outcome == "resolved"


async def test_a_dispute_reopens_once_then_a_second_dispute_is_an_appeal_to_the_ombudsman(
    lifecycles: Lifecycles,
) -> None:
    complaint = await lifecycles.start("light")
    await complaint.handle.execute_update(ComplaintLifecycle.acknowledge, ACK)
    await complaint.handle.execute_update(ComplaintLifecycle.respond, ANSWER)
    state = await complaint.handle.execute_update(
        ComplaintLifecycle.dispute, DisputeInput(message="Tagihan masih salah")
    )
    assert (state.status, state.reopen_count) == ("in_progress", 1)
    reopened_due = await complaint.due("resolution")
    assert reopened_due > await lifecycles.now()  # a fresh resolution deadline
    row = await complaint.pool.fetchrow(
        "SELECT due_at, met_at FROM deadlines WHERE complaint_id = $1 AND kind = 'resolution'",
        complaint.id,
    )
    assert (row["due_at"], row["met_at"]) == (reopened_due, None)  # open again, for staff too
    await complaint.handle.execute_update(ComplaintLifecycle.respond, ANSWER)
    state = await complaint.handle.execute_update(
        ComplaintLifecycle.dispute, DisputeInput(message="Masih salah juga")
    )
    assert (state.status, state.escalation_level) == ("responded", "ombudsman")
    escalations = await complaint.events("escalated")
    assert [(e["data"]["level"], e["data"].get("appeal")) for e in escalations] == [
        ("ombudsman", True)
    ]
    await _refused(
        complaint.handle.execute_update(
            ComplaintLifecycle.dispute, DisputeInput(message="Sekali lagi")
        )
    )  # one appeal only
    state = await complaint.handle.execute_update(ComplaintLifecycle.confirm, ConfirmInput())
    assert state.outcome == "resolved"


async def test_an_appeal_reaches_the_ombudsman_even_when_a_missed_deadline_took_it_there(
    lifecycles: Lifecycles,
) -> None:
    complaint = await lifecycles.start("light")
    await lifecycles.skip(days=30)  # nobody acknowledged: escalated to the Ombudsman already
    assert (await complaint.state()).escalation_level == "ombudsman"
    await complaint.handle.execute_update(ComplaintLifecycle.acknowledge, ACK)
    await complaint.handle.execute_update(ComplaintLifecycle.respond, ANSWER)
    await complaint.handle.execute_update(ComplaintLifecycle.dispute, DisputeInput(message="a"))
    await complaint.handle.execute_update(ComplaintLifecycle.respond, ANSWER)
    await complaint.handle.execute_update(ComplaintLifecycle.dispute, DisputeInput(message="b"))
    appeals = [e for e in await complaint.events("escalated") if e["data"].get("appeal")]
    assert len(appeals) == 1  # its own step, so notification sends the appeal's dossier


@pytest.mark.parametrize(
    ("action", "outcome", "detail"),
    [
        (RejectInput(actor="ani", reason="Bukan kewenangan kami"), "rejected", "reason"),
        (
            TransferInput(actor="ani", provider="PLN UP3 Bekasi", reason="Listrik"),
            "transferred",
            "provider",
        ),
    ],
)
async def test_reject_and_transfer_close_it_with_their_reason(
    lifecycles: Lifecycles,
    action: RejectInput | TransferInput,
    outcome: str,
    detail: str,
) -> None:
    complaint = await lifecycles.start("standard")
    update = ComplaintLifecycle.reject if outcome == "rejected" else ComplaintLifecycle.transfer
    state = await complaint.handle.execute_update(update, action)  # type: ignore[arg-type]
    assert (state.status, state.outcome) == ("closed", outcome)
    closed = (await complaint.events("closed"))[0]
    assert closed["data"][detail] == getattr(action, detail)


async def test_reassign_moves_the_unit_and_keeps_the_clocks(lifecycles: Lifecycles) -> None:
    complaint = await lifecycles.start("standard")
    before = {d.kind: d.due_at for d in (await complaint.state()).deadlines}
    state = await complaint.handle.execute_update(
        ComplaintLifecycle.reassign,
        ReassignInput(actor="sup", unit="pelayanan-teknis", officer="budi"),
    )
    assert (state.unit, state.officer) == ("pelayanan-teknis", "budi")
    assert {d.kind: d.due_at for d in state.deadlines} == before
    row = await complaint.pool.fetchrow(
        "SELECT unit, officer FROM complaints WHERE id = $1", complaint.id
    )
    assert dict(row) == {"unit": "pelayanan-teknis", "officer": "budi"}
    await complaint.handle.execute_update(
        ComplaintLifecycle.reassign, ReassignInput(actor="sup", unit="inspektorat")
    )
    row = await complaint.pool.fetchrow(
        "SELECT unit, officer FROM complaints WHERE id = $1", complaint.id
    )
    assert dict(row) == {"unit": "inspektorat", "officer": None}  # budi is not theirs


async def test_a_note_is_internal(lifecycles: Lifecycles) -> None:
    complaint = await lifecycles.start("standard")
    await complaint.handle.execute_update(
        ComplaintLifecycle.note, NoteInput(actor="ani", text="Pelapor sering menelepon")
    )
    notes = await complaint.events("note")
    assert [(n["public"], n["data"]["text"]) for n in notes] == [
        (False, "Pelapor sering menelepon")
    ]
    outbox = await complaint.pool.fetchval(
        "SELECT payload->'data'->>'public' FROM outbox WHERE subject = 'aduan.complaint.note'"
        " AND payload->>'complaint_id' = $1",
        str(complaint.id),
    )
    assert outbox == "false"  # notification never tells the complainant


async def test_actions_the_status_does_not_allow_are_refused_and_change_nothing(
    lifecycles: Lifecycles,
) -> None:
    complaint = await lifecycles.start("standard")
    message = await _refused(complaint.handle.execute_update(ComplaintLifecycle.respond, ANSWER))
    assert "must be in_progress" in message
    await _refused(complaint.handle.execute_update(ComplaintLifecycle.confirm, ConfirmInput()))
    await _refused(
        complaint.handle.execute_update(ComplaintLifecycle.reply, ReplyInput(message="x"))
    )
    assert (await complaint.state()).status == "routed"
    await complaint.handle.execute_update(ComplaintLifecycle.acknowledge, ACK)
    await _refused(complaint.handle.execute_update(ComplaintLifecycle.acknowledge, ACK))
    await complaint.handle.execute_update(ComplaintLifecycle.respond, ANSWER)
    await complaint.handle.execute_update(ComplaintLifecycle.rate, RatingInput(score=2))
    await _refused(complaint.handle.execute_update(ComplaintLifecycle.rate, RatingInput(score=5)))
    assert len(await complaint.events("rated")) == 1


async def test_deadlines_skip_cuti_bersama_christmas_and_new_year(lifecycles: Lifecycles) -> None:
    received = datetime(2026, 12, 23, 10, 0, tzinfo=WIB)
    complaint = await lifecycles.start("standard", received_at=received)
    assert await complaint.due("first_response") == datetime(2026, 12, 31, tzinfo=WIB)
    assert await complaint.due("resolution") == datetime(2027, 1, 19, tzinfo=WIB)
    urgent = await lifecycles.start("urgent", received_at=received)
    assert await urgent.due("first_response") == datetime(2026, 12, 24, 10, tzinfo=WIB)


async def test_a_running_complaint_keeps_the_policy_it_started_with(
    lifecycles: Lifecycles,
    tmp_path: Path,
) -> None:
    first = await lifecycles.start("standard")
    first_due = await first.due("first_response")
    text = (lifecycles.activities.policy_path).read_text()
    changed = tmp_path / "policy.yaml"
    changed.write_text(
        text.replace("standard:    {first_response: 3wd", "standard:    {first_response: 1wd")
    )
    lifecycles.use_policy(changed)
    second = await lifecycles.start("standard")
    await first.handle.execute_update(ComplaintLifecycle.acknowledge, ACK)
    assert await first.due("first_response") == first_due
    assert await second.due("first_response") < first_due


async def test_a_long_history_continues_as_new_and_keeps_everything(
    lifecycles: Lifecycles,
) -> None:
    complaint = await lifecycles.start("standard")
    await complaint.handle.execute_update(ComplaintLifecycle.acknowledge, ACK)
    before = await complaint.state()
    first_run = (await complaint.handle.describe()).run_id
    latest = lifecycles.client.get_workflow_handle(complaint.handle.id)
    for i in range(600):  # each note adds about 13 events; Temporal suggests 4,096
        await latest.execute_update(ComplaintLifecycle.note, NoteInput(actor="ani", text=f"{i}"))
        if i % 25 == 0 and (await latest.describe()).run_id != first_run:
            break
    assert (await latest.describe()).run_id != first_run, "never continued as new"

    after = await latest.query(ComplaintLifecycle.state)

    def kept(state: LifecycleState) -> list[tuple[str, datetime, bool, bool]]:
        return [(d.kind, d.due_at, d.met, d.missed) for d in state.deadlines]

    assert (after.status, after.unit, kept(after)) == (before.status, before.unit, kept(before))
    history = await latest.query(ComplaintLifecycle.history)
    assert history[0].event_type == "opened"  # the history came along
    started = (await latest.fetch_history()).events[0].workflow_execution_started_event_attributes
    [memory] = started.input.payloads  # what the first run handed on, as Temporal keeps it
    assert memory.metadata["encoding"] == ENCODING and b"opened" not in memory.data
    state = await latest.execute_update(ComplaintLifecycle.respond, ANSWER)
    assert state.status == "responded"
    steps = await complaint.pool.fetchval(
        "SELECT count(*) = count(DISTINCT step) FROM timeline WHERE complaint_id = $1", complaint.id
    )
    assert steps  # step numbers went on from where the first run stopped
