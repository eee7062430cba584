"""Activities of ComplaintLifecycle: all its I/O (PostgreSQL, the policy file, the calendar)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from temporalio import activity
from temporalio.exceptions import ApplicationError

from aduan.domain.calendar import WorkingCalendar
from aduan.domain.policy import load_policy
from aduan.lifecycle.models import (
    LifecycleStart,
    Schedule,
    ScheduleInput,
    ShiftInput,
)
from aduan.lifecycle.state import LifecycleInput
from aduan.store import complaints, transitions


class LifecycleActivities:
    """Holds the pool; each method is one idempotent activity."""

    def __init__(self, pool: asyncpg.Pool, policy_path: Path) -> None:
        self.pool = pool
        self.policy_path = policy_path

    def all(self) -> list[Callable[..., Any]]:
        """Every activity, for a worker's registration."""
        return [
            self.start_lifecycle,
            self.schedule,
            self.schedule_all,
            self.shift,
            self.record_transition,
            self.record_transitions,
        ]

    @activity.defn
    async def start_lifecycle(self, input: LifecycleInput) -> LifecycleStart:
        """Load the complaint and the policy in force now; the complaint keeps that policy."""
        row = await complaints.find(self.pool, input.complaint_id)
        if row is None:
            raise ApplicationError(
                f"complaint {input.complaint_id} does not exist",
                non_retryable=True,
                type="ComplaintNotFound",
            )
        return LifecycleStart(
            received_at=row["received_at"],
            complaint_class=row["complaint_class"],
            policy=load_policy(self.policy_path),
        )

    @activity.defn
    async def schedule(self, input: ScheduleInput) -> Schedule:
        """Compute a deadline and its escalation times on the working-day calendar."""
        calendar = WorkingCalendar.from_config(input.calendar, input.timezone)
        due, ladder = calendar.schedule(input.start, input.duration, input.ladder)
        return Schedule(due=due, ladder=ladder)

    @activity.defn
    async def schedule_all(self, inputs: list[ScheduleInput]) -> list[Schedule]:
        """Every deadline a step needs, in one call (each as `schedule` computes it)."""
        return [await self.schedule(input) for input in inputs]

    @activity.defn
    async def shift(self, input: ShiftInput) -> list[datetime]:
        """Move moments after a pause so each keeps the (working) time it had left."""
        calendar = WorkingCalendar.from_config(input.calendar, input.timezone)
        return [
            calendar.resume(input.paused_at, input.resumed_at, moment, input.working_days)
            for moment in input.moments
        ]

    @activity.defn
    async def record_transition(self, transition: transitions.Transition) -> bool:
        """Write status, timeline row, deadlines and event in one transaction (idempotent)."""
        return await transitions.record(self.pool, transition)

    @activity.defn
    async def record_transitions(self, batch: list[transitions.Transition]) -> list[bool]:
        """Write transitions of one instant (a missed deadline and its escalation, say) in
        one transaction, each as `record_transition` would (idempotent)."""
        return await transitions.record_all(self.pool, batch)
