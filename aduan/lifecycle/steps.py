"""Steps: what ComplaintLifecycle does that reaches outside the workflow, each through an
activity: recording a transition, computing deadlines, routing, escalating, closing, firing.

Deterministic workflow code (no I/O, workflow.now() only). The rules themselves are pure
methods of the Lifecycle (state.py); the Temporal surface (signal, queries, Updates, the run
loop) is workflow.py.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from aduan.adapters import temporal
    from aduan.domain.events import EventType
    from aduan.domain.policy import Duration
    from aduan.domain.routing import RoutingDecision
    from aduan.domain.vocabulary import DeadlineKind, EscalationLevel, Outcome, Status
    from aduan.lifecycle.activities import LifecycleActivities
    from aduan.lifecycle.clocks import Clock, Fire, Timer
    from aduan.lifecycle.models import Schedule
    from aduan.lifecycle.state import Lifecycle, deadline_set
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
# Under this patch the search attributes are upserted once before the workflow waits, not
# after every transition: a timer that records a miss and an escalation, or an opening with
# routing already known, costs the server one upsert (and one visibility write), not two.
ONE_UPSERT_PER_WAIT = "one-upsert-per-wait-v1"
# Lifecycles begun under this patch fire the timers due at one instant together, what they
# record written by one local activity in one transaction (a deadline cliff costs each one
# write and one upsert for its miss and escalation, not two of each), and take the two
# patches above as given without asking: each patch asked costs a marker and an upsert of
# TemporalChangeVersion in the first workflow task.
LIFECYCLE_2026_12 = "lifecycle-2026-12"


T = TypeVar("T")


class Steps:
    """The lifecycle's steps with their I/O; `lifecycle` is None until the start activity."""

    def __init__(
        self,
        complaint_id: uuid.UUID,
        *,
        indexed: bool,
        local: bool,
        once_per_wait: bool,
        together: bool,
    ) -> None:
        self.complaint_id = complaint_id
        self.indexed = indexed  # keep search attributes current
        self.local = local  # workflow.patched(LOCAL_ACTIVITIES), asked once per run
        self.once_per_wait = once_per_wait  # workflow.patched(ONE_UPSERT_PER_WAIT), likewise
        self.together = together  # workflow.patched(LIFECYCLE_2026_12), likewise
        self._unpublished = False
        self._batch: list[Transition] | None = None  # transitions held for one write
        self.lifecycle: Lifecycle | None = None
        self.lock = asyncio.Lock()  # one step at a time: Updates and timers interleave

    @property
    def held(self) -> Lifecycle:
        """The lifecycle, for steps that only run once it is opened."""
        assert self.lifecycle is not None
        return self.lifecycle

    async def run(self, activity: Callable[..., Awaitable[T]], arg: Any) -> T:
        """One activity: local for lifecycles under LOCAL_ACTIVITIES, ordinary before it."""
        if self.local:
            return await workflow.execute_local_activity_method(activity, arg, **LOCAL)
        return await workflow.execute_activity_method(activity, arg, **ACTIVITY)

    # Recording --------------------------------------------------------------------------

    async def record(
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
        lifecycle = self.held
        transition = lifecycle.transition(
            self.complaint_id,
            event_type,
            workflow.now(),
            status=status,
            public=public,
            deadlines=deadlines or [],
            **fields,
        )
        if self._batch is not None:
            self._batch.append(transition)
        else:
            await self.run(LifecycleActivities.record_transition, transition)
        lifecycle.recorded(transition, status, actor)
        self._unpublished = True
        if not self.once_per_wait:
            self.publish()

    def publish(self) -> None:
        """Upsert the search attributes if a transition changed them since the last time."""
        if not (self.indexed and self._unpublished):
            return
        self._unpublished = False
        lifecycle = self.held
        due = lifecycle.next_due()
        updates: list[SearchAttributeUpdate[Any]] = [
            temporal.STATUS.value_set(lifecycle.status),
            temporal.ESCALATION.value_set(lifecycle.escalation_level),
            temporal.NEXT_DEADLINE.value_set(due) if due else temporal.NEXT_DEADLINE.value_unset(),
        ]
        if lifecycle.decision is not None:
            updates += [
                temporal.UNIT.value_set(lifecycle.decision.unit),
                temporal.CLASS.value_set(lifecycle.decision.complaint_class),
            ]
        workflow.upsert_search_attributes(updates)

    # Clocks -----------------------------------------------------------------------------

    async def clock(self, kind: DeadlineKind, start: datetime, duration: Duration) -> Clock:
        """Compute a deadline (with ladder and reminders for legal ones) and keep it."""
        return (await self.clocks((kind, start, duration)))[0]

    async def clocks(self, *specs: tuple[DeadlineKind, datetime, Duration]) -> list[Clock]:
        """Compute and keep several deadlines of one step: one call under LOCAL_ACTIVITIES."""
        lifecycle = self.held
        inputs = [lifecycle.schedule_input(s, d, ladder=k.legal) for k, s, d in specs]
        if self.local:
            schedules = await self.run(LifecycleActivities.schedule_all, inputs)
        else:
            schedules = [await self.run(LifecycleActivities.schedule, i) for i in inputs]
        return [
            lifecycle.keep(*spec, schedule) for spec, schedule in zip(specs, schedules, strict=True)
        ]

    async def schedule(self, start: datetime, duration: Duration, *, ladder: bool) -> Schedule:
        """When `duration` from `start` runs out, and (with `ladder`) each escalation step."""
        return await self.run(
            LifecycleActivities.schedule,
            self.held.schedule_input(start, duration, ladder=ladder),
        )

    async def resume(self, clock: Clock, resumed_at: datetime) -> Clock:
        """The paused clock moved on by its pause, running again."""
        moments = await self.run(
            LifecycleActivities.shift, self.held.shift_input(clock, resumed_at)
        )
        return clock.with_moments(moments).model_copy(update={"paused_at": None})

    # Routing, escalation, closing -------------------------------------------------------

    async def route(self, decision: RoutingDecision) -> None:
        """Routing's decision is known: start the first-response and resolution clocks."""
        lifecycle = self.held
        decision = lifecycle.route(decision)
        rules = lifecycle.policy.deadlines_for(decision.complaint_class)
        received = lifecycle.received_at
        first, resolution = await self.clocks(
            (DeadlineKind.FIRST_RESPONSE, received, rules.first_response),
            (DeadlineKind.RESOLUTION, received, rules.resolution),
        )
        async with self.lock:
            lifecycle.routed = True
            await self.record(
                EventType.ROUTED,
                status=Status.ROUTED,
                unit=decision.unit,
                officer=decision.officer,
                complaint_class=decision.complaint_class,
                data={"category": decision.category},
                deadlines=[
                    lifecycle.meet(DeadlineKind.ROUTING, workflow.now()),
                    deadline_set(first),
                    deadline_set(resolution),
                ],
            )

    async def escalate(self, level: EscalationLevel, **data: Any) -> None:
        """Raise the level once; a level already reached is never recorded again."""
        if self.held.escalates_to(level):
            await self.record(EventType.ESCALATED, data={"level": level, **data})

    async def close(self, outcome: Outcome, actor: str | None = None, **data: Any) -> None:
        """Stop every clock, record the outcome, and open the rating window."""
        lifecycle = self.held
        lifecycle.close(outcome)
        await self.record(
            EventType.CLOSED, status=Status.CLOSED, actor=actor, data={"outcome": outcome, **data}
        )
        complainant = lifecycle.policy.complainant
        await self.clock(
            DeadlineKind.RATING,
            workflow.now(),
            complainant.rating_window or complainant.confirm_window,
        )

    # Timers -----------------------------------------------------------------------------

    async def fire_due(self, timer: Timer) -> None:
        """Fire `timer`, and under LIFECYCLE_2026_12 every other timer due by now with it,
        their transitions written in one local activity; callers hold the lock."""
        if not self.together:
            await self.fire(timer)
            return
        self._batch = []
        try:
            await self.fire(timer)
            while (due := self.held.next_timer()) is not None and due.at <= workflow.now():
                await self.fire(due)
            batch = self._batch
        finally:
            self._batch = None
        if len(batch) == 1:
            await self.run(LifecycleActivities.record_transition, batch[0])
        elif batch:
            await self.run(LifecycleActivities.record_transitions, batch)

    async def fire(self, timer: Timer) -> None:
        """What a timer that fired does: a reminder, a missed deadline, an escalation step."""
        clock = self.held.clocks[timer.kind]
        if timer.fire == Fire.REMINDER:
            reminder = clock.reminders[timer.index]
            reminder.sent = True
            await self.record(
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
            await self.escalate(EscalationLevel(clock.levels[timer.index]), deadline=clock.kind)
        else:
            await self._missed(clock)

    async def _missed(self, clock: Clock) -> None:
        clock.missed = True
        if clock.kind == DeadlineKind.INFO:
            await self.close(Outcome.WITHDRAWN, reason="information not received in time")
        elif clock.kind == DeadlineKind.CONFIRM:
            await self.close(Outcome.AUTO_CLOSED)
        elif clock.kind == DeadlineKind.RATING:
            clock.met = True
            self.held.finished = True
        else:
            await self.record(
                EventType.DEADLINE_MISSED,
                data={"deadline": clock.kind},
                deadlines=[DeadlineChange(kind=clock.kind, missed_at=clock.due)],
            )


async def wait_until(done: Callable[[], bool], until: datetime | None) -> bool:
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
