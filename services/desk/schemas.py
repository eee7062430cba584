"""Desk's HTTP models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aduan.domain.vocabulary import EscalationLevel, Status
from aduan.store.submission import ComplaintFields


class QueueQuery(BaseModel):
    """Filters of the staff queue; an unknown parameter is refused, not ignored."""

    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    unit: str | None = Field(None, min_length=1, max_length=100)
    complaint_class: str | None = Field(None, alias="class", min_length=1, max_length=100)
    escalation_level: EscalationLevel | None = None
    overdue: bool | None = Field(
        None, description="true: an unmet deadline has passed; false: none has"
    )
    limit: int = Field(100, ge=1, le=500)


class CallerComplaintIn(ComplaintFields):
    """A complaint taken on the phone (POST /v1/staff/complaints): the fields of
    POST /v1/complaints without `channel`, which is `phone`."""


class ComplaintSummary(BaseModel):
    """A row of the staff queue."""

    id: uuid.UUID
    tracking_code: str
    status: str
    escalation_level: str
    complaint_class: str | None
    unit: str | None
    officer: str | None
    received_at: datetime
    next_due: datetime | None
    overdue: bool


class StaffTimelineEntry(BaseModel):
    """Every step, internal ones included."""

    step: str
    event_type: str
    status: str
    escalation_level: str
    public: bool
    occurred_at: datetime
    data: dict[str, Any]


class StaffDeadline(BaseModel):
    """A deadline with whether it was met or missed."""

    kind: str
    started_at: datetime
    due_at: datetime
    met_at: datetime | None
    missed_at: datetime | None


class ComplaintDetail(ComplaintSummary):
    """One complaint for staff: text, complainant (hidden when confidential and the role may
    not see it), deadlines, full timeline."""

    subject: str | None
    description: str
    channel: str
    category: str | None
    outcome: str | None
    language: str
    complainant: dict[str, Any]
    account_ref: str | None
    entered_by: str | None = None  # the staff user who entered a phone complaint
    # name, key, content_type, size, sha256; the file: GET .../{id}/attachments/{key}
    attachments: list[dict[str, Any]] = Field(default_factory=list)
    answers: dict[str, Any] = Field(
        default_factory=dict,
        description="Answers to the submitted category's questions, by question code",
    )
    answers_hidden: bool = Field(
        False, description="Answers naming the customer were hidden with the identity"
    )
    deadlines: list[StaffDeadline]
    timeline: list[StaffTimelineEntry]
