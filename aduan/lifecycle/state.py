"""Lifecycle: everything ComplaintLifecycle knows about its complaint, and the pure rules that
change it.

No I/O and no Temporal here: the workflow passes `now` in and takes the results to its
activities (steps.py), so each rule is tested without a server (tests/unit/lifecycle/
test_state.py). The whole model is carried across continue-as-new.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from aduan.domain.policy import Duration, Policy
from aduan.domain.routing import RoutingDecision
from aduan.domain.vocabulary import ActionName, DeadlineKind, EscalationLevel, Outcome, Status
from aduan.lifecycle.clocks import Clock, Timer, next_deadline, next_timer, reminders_for
from aduan.lifecycle.models import (
    DeadlineView,
    FieldVisit,
    HistoryEntry,
    LifecycleState,
    Schedule,
    ScheduleInput,
    ShiftInput,
)
from aduan.lifecycle.rules import (
    choose_class,
    extension_refusal,
    field_check_refusal,
    raises_level,
    refusal,
)
from aduan.store.transitions import DeadlineChange, Transition


class LifecycleInput(BaseModel):
    """Start input: the id (everything else is loaded by an activity), whether to keep
    search attributes current (off only where the server has none registered, like the
    time-skipping test server), and the lifecycle carried over by continue-as-new."""

    complaint_id: uuid.UUID
    search_attributes: bool = True
    memory: Lifecycle | None = None  # the name running lifecycles' payloads carry


# Lifecycles under the same policy hold one object of it in the worker, not a copy each: a
# policy is over half of what a cached lifecycle weighs (docs/operations.md). Shared safely
# because nothing in a lifecycle changes its policy.
_SHARED: dict[str, Policy] = {}


def shared(policy: Policy) -> Policy:
    """The worker's one object equal to `policy`."""
    return _SHARED.setdefault(policy.model_dump_json(), policy)


class Lifecycle(BaseModel):
    """The complaint as its workflow holds it: status, routing, clocks, counters, history."""

    policy: Policy
    received_at: datetime
    class_hint: str | None = None
    status: Status = Status.RECEIVED
    escalation_level: EscalationLevel = EscalationLevel.NONE
    outcome: Outcome | None = None
    decision: RoutingDecision | None = None
    routed: bool = False
    clocks: dict[str, Clock] = Field(default_factory=dict)
    seq: int = 0
    reopen_count: int = 0
    extensions_used: int = 0
    rated: bool = False
    appealed: bool = False
    finished: bool = False
    visit: FieldVisit | None = None  # a field check scheduled, its findings not yet recorded
    field_checks: int = 0  # field checks recorded
    history: list[HistoryEntry] = Field(default_factory=list)

    # Transitions ------------------------------------------------------------------------

    def refusal(self, action: ActionName) -> str | None:
        """Why `action` is not allowed in the current status, or None."""
        return refusal(action, self.status)

    def transition(
        self,
        complaint_id: uuid.UUID,
        event_type: str,
        now: datetime,
        *,
        status: Status | None,
        public: bool,
        deadlines: list[DeadlineChange],
        **fields: Any,
    ) -> Transition:
        """The next transition to record; its step number is taken here, once."""
        self.seq += 1
        return Transition(
            complaint_id=complaint_id,
            step=f"{self.seq:04d}-{event_type}",
            event_type=event_type,
            status=status or self.status,
            escalation_level=self.escalation_level,
            outcome=self.outcome,
            occurred_at=now,
            public=public,
            deadlines=deadlines,
            **fields,
        )

    def recorded(self, transition: Transition, status: Status | None, actor: str | None) -> None:
        """Take on a transition once it is stored."""
        if status is not None:
            self.status = status
        self.history.append(
            HistoryEntry(
                step=transition.step,
                event_type=transition.event_type,
                status=self.status,
                escalation_level=self.escalation_level,
                occurred_at=transition.occurred_at,
                actor=actor,
            )
        )

    def route(self, decision: RoutingDecision) -> RoutingDecision:
        """Keep routing's decision, with the class the policy settles on."""
        decision.complaint_class = choose_class(
            self.class_hint, decision.complaint_class, self.policy
        )
        self.decision = decision
        return decision

    def answer_refusal(self) -> str | None:
        """Why the complaint may not be answered yet for want of a field check, or None."""
        decision = self.decision
        rules = self.policy.deadlines_for(decision.complaint_class if decision else None)
        return field_check_refusal(
            required=rules.requires_field_check(decision.category if decision else None),
            scheduled_for=self.visit.date.isoformat() if self.visit else None,
            recorded=self.field_checks,
        )

    def escalates_to(self, level: EscalationLevel) -> bool:
        """Raise the level if `level` is higher; False when it was already reached."""
        if not raises_level(self.escalation_level, level):
            return False
        self.escalation_level = level
        return True

    def close(self, outcome: Outcome) -> None:
        """Stop every clock with the outcome."""
        for clock in self.clocks.values():
            clock.met = True
        self.outcome = outcome

    def pause(self, now: datetime) -> None:
        """Pause every running clock (the complainant is asked for information)."""
        for clock in self.clocks.values():
            if clock.running:
                clock.paused_at = now

    # Clocks -----------------------------------------------------------------------------

    def schedule_input(self, start: datetime, duration: Duration, *, ladder: bool) -> ScheduleInput:
        """What the calendar needs to compute a deadline (and, with `ladder`, its steps)."""
        return ScheduleInput(
            timezone=self.policy.timezone,
            calendar=self.policy.calendar,
            start=start,
            duration=duration,
            ladder=[step.after for step in self.policy.escalation] if ladder else [],
        )

    def keep(
        self, kind: DeadlineKind, start: datetime, duration: Duration, schedule: Schedule
    ) -> Clock:
        """Keep a computed deadline as a clock, with its ladder and reminders by the policy."""
        supervisor = self.policy.supervisor_reminder if kind == DeadlineKind.RESOLUTION else None
        with_reminders = kind in (
            DeadlineKind.FIRST_RESPONSE,
            DeadlineKind.RESOLUTION,
            DeadlineKind.FIELD_CHECK,
        )
        clock = Clock(
            kind=kind,
            started_at=start,
            due=schedule.due,
            working_days=duration.unit == "wd",
            ladder=schedule.ladder,
            levels=[s.level for s in self.policy.escalation] if kind.legal else [],
            reminders=reminders_for(start, schedule.due, self.policy.reminders, supervisor)
            if with_reminders
            else [],
        )
        self.clocks[kind] = clock
        return clock

    def extend(self, clock: Clock, schedule: Schedule) -> None:
        """Move the resolution deadline: its unsent reminders keep their fractions."""
        span = schedule.due - clock.started_at
        for reminder in clock.reminders:
            if not reminder.sent:
                reminder.at = clock.started_at + span * reminder.fraction
        clock.due, clock.ladder = schedule.due, schedule.ladder
        self.extensions_used += 1

    def extension_refusal(self, now: datetime) -> str | None:
        """Why the resolution deadline may not be extended now, or None."""
        clock = self.clocks[DeadlineKind.RESOLUTION]
        return extension_refusal(self.extensions_used, self.policy, clock.due, now, clock.missed)

    def shift_input(self, clock: Clock, resumed_at: datetime) -> ShiftInput:
        """What the calendar needs to move a paused clock on by the pause."""
        assert clock.paused_at is not None
        return ShiftInput(
            timezone=self.policy.timezone,
            calendar=self.policy.calendar,
            paused_at=clock.paused_at,
            resumed_at=resumed_at,
            working_days=clock.working_days,
            moments=clock.moments(),
        )

    def meet(self, kind: DeadlineKind, now: datetime) -> DeadlineChange:
        """The deadline of `kind` is met now (if it runs at all)."""
        if kind in self.clocks:
            self.clocks[kind].met = True
            self.clocks[kind].paused_at = None  # a met clock is never resumed
        return DeadlineChange(kind=kind, met_at=now)

    def next_timer(self) -> Timer | None:
        """What to wait for next: the earliest reminder, miss or ladder step of any clock."""
        return next_timer(list(self.clocks.values()))

    def next_due(self) -> datetime | None:
        """The earliest unmet legal deadline."""
        return next_deadline([c for c in self.clocks.values() if c.kind.legal])

    # Views ------------------------------------------------------------------------------

    def deadlines(self, now: datetime) -> list[DeadlineView]:
        """Each deadline but the rating window, with the time it has left at `now`."""
        views = []
        for clock in self.clocks.values():
            if clock.kind == DeadlineKind.RATING:
                continue
            left_from = clock.paused_at or now
            views.append(
                DeadlineView(
                    kind=clock.kind,
                    due_at=clock.due,
                    met=clock.met,
                    missed=clock.missed,
                    paused=clock.paused_at is not None,
                    remaining_s=0.0 if clock.met else (clock.due - left_from).total_seconds(),
                )
            )
        return views

    def view(self, complaint_id: uuid.UUID, now: datetime) -> LifecycleState:
        """The state queries and Updates answer with."""
        decision = self.decision if self.routed else None
        return LifecycleState(
            complaint_id=complaint_id,
            status=self.status,
            escalation_level=self.escalation_level,
            outcome=self.outcome,
            unit=decision.unit if decision else None,
            officer=decision.officer if decision else None,
            complaint_class=decision.complaint_class if decision else None,
            reopen_count=self.reopen_count,
            extensions_used=self.extensions_used,
            deadlines=self.deadlines(now),
        )


def deadline_set(clock: Clock) -> DeadlineChange:
    """The change that stores a clock's deadline as it now stands."""
    return DeadlineChange(
        kind=clock.kind,
        started_at=clock.started_at,
        due_at=clock.due,
        missed_at=clock.due if clock.missed else None,
    )


LifecycleInput.model_rebuild()
