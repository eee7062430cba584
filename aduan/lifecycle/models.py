"""Inputs and results of ComplaintLifecycle, its Updates and its activities."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from aduan.domain.attachments import valid_key
from aduan.domain.policy import CalendarConfig, Duration, Policy
from aduan.domain.text import refuse_nul

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]


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


class ShiftInput(BaseModel):
    """Moments to move after a pause, keeping the time that remained before each."""

    timezone: str
    calendar: CalendarConfig
    paused_at: datetime
    resumed_at: datetime
    working_days: bool
    moments: list[datetime]


class HistoryEntry(BaseModel):
    """One recorded transition, as the `history` query lists it."""

    step: str
    event_type: str
    status: str
    escalation_level: str
    occurred_at: datetime
    actor: str | None = None


class ActionInput(BaseModel):
    """Base of every action: `actor` is set by the server from the caller's identity."""

    model_config = ConfigDict(extra="forbid")

    actor: str = ""

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: object) -> object:
        return refuse_nul(data)  # the text ends up in PostgreSQL, through an activity


class AcknowledgeInput(ActionInput):
    """An officer takes the complaint on."""


class RequestInfoInput(ActionInput):
    """Ask the complainant for information; the clocks pause."""

    message: Text


class RespondInput(ActionInput):
    """The provider's answer."""

    message: Text


class ExtendInput(ActionInput):
    """Extend the running deadline once, by at most the policy's maximum."""

    by: str = Field(max_length=20, examples=["3wd"])
    reason: Text


class ReassignInput(ActionInput):
    """Move the complaint to another unit or officer; the clocks keep running."""

    unit: str = Field(min_length=1, max_length=100)
    officer: str | None = Field(None, max_length=100)


class TransferInput(ActionInput):
    """Send the complaint to another provider; it closes as `transferred`."""

    provider: str = Field(min_length=1, max_length=200)
    reason: Text


class RejectInput(ActionInput):
    """Out of scope; it closes as `rejected`."""

    reason: Text


class NoteInput(ActionInput):
    """An internal note: never shown to the complainant."""

    text: Text


def _attachment_key(key: str) -> str:
    if not valid_key(key):
        raise ValueError("not the key of an attachment")
    return key


Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class ScheduleFieldCheckInput(ActionInput):
    """A visit on site: the day, the inspector (a staff user of the unit), what to check.
    Scheduling again moves the visit; its deadline stays."""

    date: date
    inspector: Short
    scope: Text


class RecordFieldCheckInput(ActionInput):
    """What the inspector found on site; `photos` are keys of the complaint's attachments."""

    visited_at: datetime
    minutes_on_site: int = Field(ge=1, le=24 * 60)
    condition: Short
    meter_reading: str | None = Field(None, max_length=50)
    notes: str | None = Field(None, max_length=5000)
    photos: list[Annotated[str, AfterValidator(_attachment_key)]] = Field(
        default_factory=list, max_length=10
    )


class WithdrawInput(ActionInput):
    """Close the complaint as withdrawn before its complainant's data is erased."""

    reason: Text


class FieldVisit(BaseModel):
    """A field check scheduled and not yet recorded, as the lifecycle holds it."""

    date: date
    inspector: str


class ReplyInput(ActionInput):
    """The complainant answers a request for information."""

    message: Text


class ConfirmInput(ActionInput):
    """The complainant accepts the answer; it closes as `resolved`."""


class DisputeInput(ActionInput):
    """The complainant rejects the answer."""

    message: Text


class RatingInput(ActionInput):
    """The complainant rates the handling."""

    score: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=2000)


class DeadlineView(BaseModel):
    """One deadline as queries and Updates report it."""

    kind: str
    due_at: datetime
    remaining_s: float
    met: bool = False
    missed: bool = False
    paused: bool = False


class LifecycleState(BaseModel):
    """The state an Update answers with and the `state` query returns."""

    complaint_id: uuid.UUID
    status: str
    escalation_level: str
    outcome: str | None = None
    unit: str | None = None
    officer: str | None = None
    complaint_class: str | None = None
    reopen_count: int = 0
    extensions_used: int = 0
    deadlines: list[DeadlineView] = Field(default_factory=list)
