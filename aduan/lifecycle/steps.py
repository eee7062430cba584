"""The steps ComplaintLifecycle is made of: recording, clocks, routing, closing, timers.

Deterministic workflow code (no I/O, workflow.now() only); every effect goes through an
activity. Kept apart from lifecycle.py so that the workflow class reads as its handlers.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from aduan.adapters import temporal
    from aduan.domain.events import EventType
    from aduan.domain.policy import Duration
    from aduan.domain.vocabulary import ActionName, DeadlineKind, EscalationLevel, Outcome, Status
    from aduan.lifecycle.activities import LifecycleActivities
    from aduan.lifecycle.clocks import (
        Clock,
        Fire,
        Timer,
        next_deadline,
        next_timer,
        reminders_for,
    )
    from aduan.lifecycle.models import (
        DeadlineView,
        HistoryEntry,
        LifecycleMemory,
        LifecycleState,
        Schedule,
        ScheduleInput,
        ShiftInput,
    )
    from aduan.lifecycle.rules import choose_class, raises_level, refusal
    from aduan.store.transitions import DeadlineChange, Transition

_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=1),
    non_retryable_error_types=["ComplaintNotFound"],
)
ACTIVITY: dict[str, Any] = {"start_to_close_timeout": timedelta(seconds=30), "retry_policy": _RETRY}
# A short PostgreSQL write or calendar sum runs in the worker beside the workflow task and is
# recorded as a marker: no activity task, no round trip through the server. PostgreSQL away,
# it is retried like any activity (after a minute, with a timer between attempts).
LOCAL: dict[str, Any] = {"start_to_close_timeout": timedelta(seconds=10), "retry_policy": _RETRY}
# Lifecycles started before this patch keep their ordinary activities to the end of their
# run; new ones (and every run after a continue-as-new) use local activities and compute all
# the deadlines of a step in one call. docs/lifecycle.md "Changing the workflow safely".
LOCAL_ACTIVITIES = "local-activities-v1"


T = TypeVar("T")


class LifecycleSteps:
    """State and the private steps of the lifecycle; handlers live in the subclass."""

    complaint_id: uuid.UUID
    indexed: bool
    m: LifecycleMemory
    _lock: asyncio.Lock
    _version: int
    _local: bool  # workflow.patched(LOCAL_ACTIVITIES), asked once per run

    async def _run(self, activity: Callable[..., Awaitable[T]], arg: Any) -> T:
        """One activity: local for lifecycles under LOCAL_ACTIVITIES, ordinary before it."""
        if self._local:
            return await workflow.execute_local_activity_method(activity, arg, **LOCAL)
        return await workflow.execute_activity_method(activity, arg, **ACTIVITY)

    # Recording --------------------------------------------------------------------------

    async def _record(
        self,
        event_type: EventType,
        *,
        status: Status | None = None,
        public: bool = True,
        actor: str | None = None,
        deadlines: list[DeadlineChange] | None = None,
        **fields: Any,
    ) -> None:
        """Record one transition through the activity; callers hold the lock."""
        self.m.seq += 1
        step = f"{self.m.seq:04d}-{event_type}"
        now = workflow.now()
        transition = Transition(
            complaint_id=self.complaint_id,
            step=step,
            event_type=event_type,
            status=status or self.m.status,
            escalation_level=self.m.escalation_level,
            outcome=self.m.outcome,
            occurred_at=now,
            public=public,
            deadlines=deadlines or [],
            **fields,
        )
        await self._run(LifecycleActivities.record_transition, transition)
        if status is not None:
            self.m.status = status
        self.m.history.append(
            HistoryEntry(
                step=step,
                event_type=event_type,
                status=self.m.status,
                escalation_level=self.m.escalation_level,
                occurred_at=now,
                actor=actor,
            )
        )
        self._publish_search_attributes()

    def _publish_search_attributes(self) -> None:
        if not self.indexed:
            return
        due = next_deadline([c for c in self.m.clocks.values() if c.kind.legal])
        updates: list[SearchAttributeUpdate[Any]] = [
            temporal.STATUS.value_set(self.m.status),
            temporal.ESCALATION.value_set(self.m.escalation_level),
            temporal.NEXT_DEADLINE.value_set(due) if due else temporal.NEXT_DEADLINE.value_unset(),
        ]
        if self.m.decision is not None:
            updates += [
                temporal.UNIT.value_set(self.m.decision.unit),
                temporal.CLASS.value_set(self.m.decision.complaint_class),
            ]
        workflow.upsert_search_attributes(updates)

    @property
    def _opened(self) -> bool:
        return hasattr(self, "m")  # memory exists once the start activity has answered

    def _check(self, action: ActionName) -> None:
        reason = refusal(action, self.m.status if self._opened else Status.RECEIVED)
        if reason:
            raise ApplicationError(reason, type="ActionNotAllowed", non_retryable=True)

    # Clocks -----------------------------------------------------------------------------

    async def _clock(self, kind: DeadlineKind, start: datetime, duration: Duration) -> Clock:
        """Compute a deadline (with ladder and reminders for legal ones) and keep it."""
        return (await self._clocks((kind, start, duration)))[0]

    async def _clocks(self, *specs: tuple[DeadlineKind, datetime, Duration]) -> list[Clock]:
        """Compute and keep several deadlines of one step: one call under LOCAL_ACTIVITIES."""
        inputs = [self._schedule_input(s, d, ladder=k.legal) for k, s, d in specs]
        if self._local:
            schedules = await self._run(LifecycleActivities.schedule_all, inputs)
        else:
            schedules = [await self._run(LifecycleActivities.schedule, i) for i in inputs]
        return [
            self._keep(*spec, schedule) for spec, schedule in zip(specs, schedules, strict=True)
        ]

    def _keep(
        self, kind: DeadlineKind, start: datetime, duration: Duration, schedule: Schedule
    ) -> Clock:
        policy = self.m.policy
        legal = kind.legal
        supervisor = policy.supervisor_reminder if kind == DeadlineKind.RESOLUTION else None
        with_reminders = kind in (DeadlineKind.FIRST_RESPONSE, DeadlineKind.RESOLUTION)
        clock = Clock(
            kind=kind,
            started_at=start,
            due=schedule.due,
            working_days=duration.unit == "wd",
            ladder=schedule.ladder,
            levels=[s.level for s in policy.escalation] if legal else [],
            reminders=reminders_for(start, schedule.due, policy.reminders, supervisor)
            if with_reminders
            else [],
        )
        self.m.clocks[kind] = clock
        return clock

    async def _schedule(self, start: datetime, duration: Duration, *, ladder: bool) -> Schedule:
        """When `duration` from `start` runs out, and (with `ladder`) each escalation step."""
        return await self._run(
            LifecycleActivities.schedule, self._schedule_input(start, duration, ladder=ladder)
        )

    def _schedule_input(
        self, start: datetime, duration: Duration, *, ladder: bool
    ) -> ScheduleInput:
        policy = self.m.policy
        return ScheduleInput(
            timezone=policy.timezone,
            calendar=policy.calendar,
            start=start,
            duration=duration,
            ladder=[step.after for step in policy.escalation] if ladder else [],
        )

    async def _shifted(self, clock: Clock, paused_at: datetime, resumed_at: datetime) -> Clock:
        policy = self.m.policy
        moments = await self._run(
            LifecycleActivities.shift,
            ShiftInput(
                timezone=policy.timezone,
                calendar=policy.calendar,
                paused_at=paused_at,
                resumed_at=resumed_at,
                working_days=clock.working_days,
                moments=clock.moments(),
            ),
        )
        return clock.with_moments(moments).model_copy(update={"paused_at": None})

    def _set(self, clock: Clock) -> DeadlineChange:
        return DeadlineChange(
            kind=clock.kind,
            started_at=clock.started_at,
            due_at=clock.due,
            missed_at=clock.due if clock.missed else None,
        )

    def _meet(self, kind: DeadlineKind) -> DeadlineChange:
        if kind in self.m.clocks:
            self.m.clocks[kind].met = True
        return DeadlineChange(kind=kind, met_at=workflow.now())

    # Routing, escalation, closing -------------------------------------------------------

    async def _route(self) -> None:
        decision = self.m.decision
        assert decision is not None
        decision.complaint_class = choose_class(
            self.m.class_hint, decision.complaint_class, self.m.policy
        )
        rules = self.m.policy.deadlines_for(decision.complaint_class)
        received = self.m.received_at
        first, resolution = await self._clocks(
            (DeadlineKind.FIRST_RESPONSE, received, rules.first_response),
            (DeadlineKind.RESOLUTION, received, rules.resolution),
        )
        async with self._lock:
            self.m.routed = True
            await self._record(
                EventType.ROUTED,
                status=Status.ROUTED,
                unit=decision.unit,
                officer=decision.officer,
                complaint_class=decision.complaint_class,
                data={"category": decision.category},
                deadlines=[
                    self._meet(DeadlineKind.ROUTING),
                    self._set(first),
                    self._set(resolution),
                ],
            )

    async def _escalate(self, level: EscalationLevel, **data: Any) -> None:
        """Raise the level once; a level already reached is never recorded again."""
        if raises_level(self.m.escalation_level, level):
            self.m.escalation_level = level
            await self._record(EventType.ESCALATED, data={"level": level, **data})

    async def _close(self, outcome: Outcome, actor: str | None = None, **data: Any) -> None:
        """Stop every clock, record the outcome, and open the rating window."""
        for clock in self.m.clocks.values():
            clock.met = True
        self.m.outcome = outcome
        await self._record(
            EventType.CLOSED, status=Status.CLOSED, actor=actor, data={"outcome": outcome, **data}
        )
        complainant = self.m.policy.complainant
        await self._clock(
            DeadlineKind.RATING,
            workflow.now(),
            complainant.rating_window or complainant.confirm_window,
        )

    # Timers -----------------------------------------------------------------------------

    async def _wait_for_next_timer(self) -> None:
        """Sleep until the next timer or any change; fire the timer if nothing changed."""
        timer = next_timer(list(self.m.clocks.values()))
        version = self._version

        def changed() -> bool:
            return self._version != version or self._interrupted()

        if await self._wait_until(changed, timer.at if timer else None):
            return
        assert timer is not None
        async with self._lock:
            if self._version == version:
                await self._fire(timer)

    def _interrupted(self) -> bool:
        """A reason to leave the timer wait: override in the workflow."""
        return False

    async def _fire(self, timer: Timer) -> None:
        clock = self.m.clocks[timer.kind]
        if timer.fire == Fire.REMINDER:
            reminder = clock.reminders[timer.index]
            reminder.sent = True
            await self._record(
                EventType.REMINDER,
                public=False,
                data={
                    "deadline": clock.kind,
                    "fraction": reminder.fraction,
                    "due_at": clock.due,
                    "supervisor": reminder.supervisor,
                },
            )
        elif timer.fire == Fire.ESCALATE:
            clock.steps_taken += 1
            await self._escalate(EscalationLevel(clock.levels[timer.index]), deadline=clock.kind)
        else:
            await self._missed(clock)

    async def _missed(self, clock: Clock) -> None:
        clock.missed = True
        if clock.kind == DeadlineKind.INFO:
            await self._close(Outcome.WITHDRAWN, reason="information not received in time")
        elif clock.kind == DeadlineKind.CONFIRM:
            await self._close(Outcome.AUTO_CLOSED)
        elif clock.kind == DeadlineKind.RATING:
            clock.met = True
            self.m.finished = True
        else:
            await self._record(
                EventType.DEADLINE_MISSED,
                data={"deadline": clock.kind},
                deadlines=[DeadlineChange(kind=clock.kind, missed_at=clock.due)],
            )

    @staticmethod
    async def _wait_until(done: Callable[[], bool], until: datetime | None) -> bool:
        """True when `done` holds before `until` (None: no limit); a durable timer."""
        if until is None:
            await workflow.wait_condition(done)
            return True
        remaining = (until - workflow.now()).total_seconds()
        if remaining <= 0:
            return done()
        try:
            await workflow.wait_condition(done, timeout=remaining)
        except TimeoutError:
            return done()
        return True

    # Views ------------------------------------------------------------------------------

    def _deadlines(self) -> list[DeadlineView]:
        now = workflow.now()
        views = []
        for clock in self.m.clocks.values():
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

    def _state(self) -> LifecycleState:
        if not self._opened:
            return LifecycleState(
                complaint_id=self.complaint_id,
                status=Status.RECEIVED,
                escalation_level=EscalationLevel.NONE,
            )
        decision = self.m.decision if self.m.routed else None
        return LifecycleState(
            complaint_id=self.complaint_id,
            status=self.m.status,
            escalation_level=self.m.escalation_level,
            outcome=self.m.outcome,
            unit=decision.unit if decision else None,
            officer=decision.officer if decision else None,
            complaint_class=decision.complaint_class if decision else None,
            reopen_count=self.m.reopen_count,
            extensions_used=self.m.extensions_used,
            deadlines=self._deadlines(),
        )
