"""Inputs and results of ComplaintLifecycle, its Updates and its activities."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from aduan.policy import CalendarConfig, Duration, Policy


class LifecycleInput(BaseModel):
    """Start input: the id (everything else is loaded by an activity) and whether to keep
    search attributes current (off only where the server has none registered, like the
    time-skipping test server)."""

    complaint_id: uuid.UUID
    search_attributes: bool = True


class RoutingDecision(BaseModel):
    """What routing decided (the `routing.decided` event's data)."""

    category: str
    unit: str
    complaint_class: str
    officer: str | None = None
    matched: bool = True


class LifecycleStart(BaseModel):
    """What the workflow needs to know about a complaint to hold it to its deadlines."""

    received_at: datetime
    complaint_class: str | None
    policy: Policy


class ScheduleInput(BaseModel):
    """A deadline to compute: from `start`, `duration`, and the ladder after it."""

    timezone: str
    calendar: CalendarConfig
    start: datetime
    duration: Duration
    ladder: list[Duration] = Field(default_factory=list)


class Schedule(BaseModel):
    """When a deadline falls due, and when each escalation step would fire."""

    due: datetime
    ladder: list[datetime]


class StaffAction(BaseModel):
    """An officer's action; `message` is required for a response."""

    officer: str
    message: str | None = None


class DeadlineView(BaseModel):
    """One deadline as queries and Updates report it."""

    kind: str
    due_at: datetime
    met: bool = False
    missed: bool = False


class LifecycleState(BaseModel):
    """The state an Update answers with and the `state` query returns."""

    complaint_id: uuid.UUID
    status: str
    escalation_level: str
    outcome: str | None = None
    unit: str | None = None
    complaint_class: str | None = None
    deadlines: list[DeadlineView] = Field(default_factory=list)
