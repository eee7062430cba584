"""The lifecycle's state and its pure rules, without a server: what the workflow relies on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aduan
from aduan.domain.policy import load_policy, parse_duration
from aduan.domain.routing import RoutingDecision
from aduan.domain.vocabulary import DeadlineKind, EscalationLevel, Outcome, Status
from aduan.lifecycle.models import Schedule
from aduan.lifecycle.state import Lifecycle

POLICY = load_policy(Path(aduan.__file__).parent / "default_policy.yaml")
T0 = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def opened() -> Lifecycle:
    lifecycle = Lifecycle(policy=POLICY, received_at=T0)
    for kind, days in ((DeadlineKind.FIRST_RESPONSE, 2), (DeadlineKind.RESOLUTION, 10)):
        due = T0 + days * DAY
        lifecycle.keep(kind, T0, parse_duration(f"{days}wd"), Schedule(due=due, ladder=[due]))
    return lifecycle


def test_steps_are_numbered_once_each_in_order() -> None:
    lifecycle = opened()
    steps = [
        lifecycle.transition(uuid.uuid4(), event, T0, status=None, public=True, deadlines=[]).step
        for event in ("opened", "routed", "note")
    ]
    assert steps == ["0001-opened", "0002-routed", "0003-note"]


def test_a_recorded_transition_changes_status_and_history_only_then() -> None:
    lifecycle = opened()
    t = lifecycle.transition(
        uuid.uuid4(), "routed", T0, status=Status.ROUTED, public=True, deadlines=[]
    )
    assert lifecycle.status == Status.RECEIVED, "nothing changes before the activity stored it"
    lifecycle.recorded(t, Status.ROUTED, actor=None)
    assert lifecycle.status == Status.ROUTED
    assert [h.step for h in lifecycle.history] == [t.step]


def test_pause_stops_running_clocks_but_not_met_ones() -> None:
    lifecycle = opened()
    lifecycle.meet(DeadlineKind.FIRST_RESPONSE, T0)
    lifecycle.pause(T0 + DAY)
    assert lifecycle.clocks[DeadlineKind.FIRST_RESPONSE].paused_at is None
    assert lifecycle.clocks[DeadlineKind.RESOLUTION].paused_at == T0 + DAY
    view = {d.kind: d for d in lifecycle.deadlines(T0 + 3 * DAY)}
    assert view[DeadlineKind.RESOLUTION].paused
    assert view[DeadlineKind.RESOLUTION].remaining_s == 9 * DAY.total_seconds(), (
        "a paused deadline keeps the time it had left when it paused"
    )


def test_extension_moves_unsent_reminders_and_is_counted_once() -> None:
    lifecycle = opened()
    clock = lifecycle.clocks[DeadlineKind.RESOLUTION]
    sent, unsent = clock.reminders[0], clock.reminders[-1]
    sent.sent = True
    sent_at = sent.at
    new_due = clock.due + 4 * DAY
    lifecycle.extend(clock, Schedule(due=new_due, ladder=[new_due]))
    assert clock.due == new_due and lifecycle.extensions_used == 1
    assert sent.at == sent_at
    assert unsent.at == T0 + (new_due - T0) * unsent.fraction
    assert lifecycle.extension_refusal(T0 + DAY) is not None, "the policy allows one extension"


def test_escalation_never_goes_back_down() -> None:
    lifecycle = opened()
    assert lifecycle.escalates_to(EscalationLevel.OMBUDSMAN)
    assert not lifecycle.escalates_to(EscalationLevel.SUPERVISOR)
    assert lifecycle.escalation_level == EscalationLevel.OMBUDSMAN


def test_close_stops_every_clock_and_the_view_shows_the_routing() -> None:
    lifecycle = opened()
    lifecycle.route(RoutingDecision(unit="billing", complaint_class="standard", category="x"))
    assert lifecycle.view(uuid.uuid4(), T0).unit is None, "the unit shows once routed"
    lifecycle.routed = True
    lifecycle.close(Outcome.RESOLVED)
    assert lifecycle.next_due() is None
    view = lifecycle.view(uuid.uuid4(), T0)
    assert view.unit == "billing" and view.outcome == Outcome.RESOLVED
    assert all(d.met and d.remaining_s == 0 for d in view.deadlines)
