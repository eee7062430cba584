"""ComplaintLifecycle: one durable workflow per complaint, holding it to its deadlines.

Deterministic: no I/O, no clock but workflow.now(); deadlines come from an activity.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from aduan import temporal as keys
    from aduan.domain import DeadlineKind, EscalationLevel, Outcome, Status
    from aduan.policy import Duration, Policy
    from aduan.transitions import DeadlineChange, Transition
    from workflows.activities import LifecycleActivities
    from workflows.models import (
        AcknowledgeInput,
        DeadlineView,
        LifecycleInput,
        LifecycleState,
        RespondInput,
        RoutingDecision,
        Schedule,
        ScheduleInput,
    )
    from workflows.rules import choose_class, raises_level, refusal

_ACTIVITY: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=30),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1),
        non_retryable_error_types=["ComplaintNotFound"],
    ),
}


@workflow.defn
class ComplaintLifecycle:
    """From receipt to closure: routing, acknowledgement, response, escalation ladder."""

    @workflow.init
    def __init__(self, input: LifecycleInput) -> None:
        self.complaint_id = input.complaint_id
        self.indexed = input.search_attributes
        self.status = Status.RECEIVED
        self.level = EscalationLevel.NONE
        self.outcome: Outcome | None = None
        self.decision: RoutingDecision | None = None
        self.deadlines: dict[str, DeadlineView] = {}
        self.policy: Policy | None = None
        self._lock = asyncio.Lock()

    @workflow.run
    async def run(self, input: LifecycleInput) -> LifecycleState:
        start = await workflow.execute_activity_method(
            LifecycleActivities.start_lifecycle, input, **_ACTIVITY
        )
        self.policy, received = start.policy, start.received_at
        routing = await self._schedule(DeadlineKind.ROUTING, received, self.policy.routing_due)
        async with self._lock:
            await self._record("opened", "opened", public=False,
                               deadlines=[self._set(DeadlineKind.ROUTING, received, routing)])
        await self._hold(DeadlineKind.ROUTING, routing, lambda: self.decision is not None)
        await self._route(received, start.complaint_class)
        await self._await_confirmation()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state()

    # Signals, Updates, queries ----------------------------------------------------------

    @workflow.signal
    def route(self, decision: RoutingDecision) -> None:
        """Routing's decision; the first one wins, a redelivered one is ignored."""
        if self.decision is None:
            self.decision = decision

    @workflow.update
    async def acknowledge(self, action: AcknowledgeInput) -> LifecycleState:
        """An officer takes the complaint on: the first-response deadline is met."""
        async with self._lock:
            self._check("acknowledge")
            await self._record("acknowledged", "acknowledged", status=Status.IN_PROGRESS,
                               officer=action.actor,
                               deadlines=[self._met(DeadlineKind.FIRST_RESPONSE)])
        return self.state()

    @acknowledge.validator
    def _validate_acknowledge(self, action: AcknowledgeInput) -> None:
        self._check("acknowledge")

    @workflow.update
    async def respond(self, action: RespondInput) -> LifecycleState:
        """The provider's answer: the resolution deadline is met, the confirm window opens."""
        async with self._lock:
            self._check("respond")
            await self._record("responded", "responded", status=Status.RESPONDED,
                               officer=action.actor, data={"message": action.message},
                               deadlines=[self._met(DeadlineKind.RESOLUTION)])
        return self.state()

    @respond.validator
    def _validate_respond(self, action: RespondInput) -> None:
        self._check("respond")

    @workflow.query
    def state(self) -> LifecycleState:
        """Status, escalation level and deadlines as they stand."""
        return LifecycleState(
            complaint_id=self.complaint_id, status=self.status, escalation_level=self.level,
            outcome=self.outcome, unit=self.decision.unit if self.decision else None,
            complaint_class=self.decision.complaint_class if self.decision else None,
            deadlines=list(self.deadlines.values()),
        )

    # Steps ------------------------------------------------------------------------------

    async def _route(self, received: datetime, class_hint: str | None) -> None:
        assert self.decision is not None and self.policy is not None
        self.decision.complaint_class = choose_class(
            class_hint, self.decision.complaint_class, self.policy
        )
        rules = self.policy.deadlines_for(self.decision.complaint_class)
        first = await self._schedule(DeadlineKind.FIRST_RESPONSE, received, rules.first_response)
        resolution = await self._schedule(DeadlineKind.RESOLUTION, received, rules.resolution)
        async with self._lock:
            await self._record(
                "routed", "routed", status=Status.ROUTED, unit=self.decision.unit,
                officer=self.decision.officer, complaint_class=self.decision.complaint_class,
                data={"category": self.decision.category},
                deadlines=[self._met(DeadlineKind.ROUTING),
                           self._set(DeadlineKind.FIRST_RESPONSE, received, first),
                           self._set(DeadlineKind.RESOLUTION, received, resolution)],
            )
        await asyncio.gather(
            self._hold(DeadlineKind.FIRST_RESPONSE, first, lambda: self.status != Status.ROUTED),
            self._hold(DeadlineKind.RESOLUTION, resolution,
                       lambda: self.status in (Status.RESPONDED, Status.CLOSED)),
        )

    async def _await_confirmation(self) -> None:
        assert self.policy is not None
        opened = workflow.now()
        window = await self._schedule(DeadlineKind.CONFIRM, opened,
                                      self.policy.complainant.confirm_window)
        async with self._lock:
            await self._record("confirm_window", "confirm_window_opened", public=False,
                               deadlines=[self._set(DeadlineKind.CONFIRM, opened, window)])
        if not await self._wait_until(lambda: self.status == Status.CLOSED, window.due):
            async with self._lock:
                self.outcome = Outcome.AUTO_CLOSED
                await self._record("closed", "closed", status=Status.CLOSED,
                                   outcome=Outcome.AUTO_CLOSED)

    async def _hold(self, kind: DeadlineKind, schedule: Schedule, done: Callable[[], bool]) -> None:
        """Wait for the awaited action; if the deadline passes, climb the ladder until it comes."""
        assert self.policy is not None
        if await self._wait_until(done, schedule.due):
            return
        self.deadlines[kind].missed = True
        async with self._lock:
            await self._record(f"missed:{kind}", "deadline_missed", data={"deadline": kind},
                               deadlines=[DeadlineChange(kind=kind, missed_at=schedule.due)])
        for step, at in zip(self.policy.escalation, schedule.ladder, strict=True):
            if await self._wait_until(done, at):
                return
            await self._escalate(EscalationLevel(step.level), kind)
        await workflow.wait_condition(done)

    async def _escalate(self, level: EscalationLevel, kind: DeadlineKind) -> None:
        async with self._lock:
            if not raises_level(self.level, level):
                return  # already at or above this level: each step is taken once
            self.level = level
            await self._record(f"escalated:{level}", "escalated",
                               data={"level": level, "deadline": kind})

    # Helpers ----------------------------------------------------------------------------

    async def _schedule(self, kind: DeadlineKind, start: datetime, duration: Duration) -> Schedule:
        assert self.policy is not None
        schedule: Schedule = await workflow.execute_activity_method(
            LifecycleActivities.schedule,
            ScheduleInput(timezone=self.policy.timezone, calendar=self.policy.calendar,
                          start=start, duration=duration,
                          ladder=[step.after for step in self.policy.escalation]),
            **_ACTIVITY,
        )
        self.deadlines[kind] = DeadlineView(kind=kind, due_at=schedule.due)
        return schedule

    def _set(self, kind: DeadlineKind, start: datetime, schedule: Schedule) -> DeadlineChange:
        return DeadlineChange(kind=kind, started_at=start, due_at=schedule.due)

    def _met(self, kind: DeadlineKind) -> DeadlineChange:
        if kind in self.deadlines:
            self.deadlines[kind].met = True
        return DeadlineChange(kind=kind, met_at=workflow.now())

    @staticmethod
    async def _wait_until(done: Callable[[], bool], until: datetime) -> bool:
        """True when `done` holds before `until`; a durable timer, not a sleep."""
        remaining = (until - workflow.now()).total_seconds()
        if remaining <= 0:
            return done()
        try:
            await workflow.wait_condition(done, timeout=remaining)
        except TimeoutError:
            return done()
        return True

    def _check(self, action: str) -> None:
        reason = refusal(action, self.status)
        if reason:
            raise ApplicationError(reason, type="ActionNotAllowed", non_retryable=True)

    async def _record(self, step: str, event_type: str, *, status: Status | None = None,
                      public: bool = True, **fields: Any) -> None:
        """Record one transition through the activity; callers hold the lock."""
        transition = Transition(
            complaint_id=self.complaint_id, step=step, event_type=event_type,
            status=status or self.status, escalation_level=self.level,
            occurred_at=workflow.now(), public=public, **fields,
        )
        await workflow.execute_activity_method(
            LifecycleActivities.record_transition, transition, **_ACTIVITY
        )
        if status is not None:
            self.status = status
        self._publish_search_attributes()

    def _publish_search_attributes(self) -> None:
        if not self.indexed:
            return
        open_deadlines = [d.due_at for d in self.deadlines.values() if not d.met]
        updates: list[SearchAttributeUpdate[Any]] = [
            keys.STATUS.value_set(self.status), keys.ESCALATION.value_set(self.level)
        ]
        if self.decision is not None:
            updates += [keys.UNIT.value_set(self.decision.unit),
                        keys.CLASS.value_set(self.decision.complaint_class)]
        updates.append(keys.NEXT_DEADLINE.value_set(min(open_deadlines)) if open_deadlines
                       else keys.NEXT_DEADLINE.value_unset())
        workflow.upsert_search_attributes(updates)
