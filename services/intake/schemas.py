"""Intake's HTTP models of what a complainant sees (what they send: aduan.store.submission)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class DeadlineOut(BaseModel):
    """A deadline as the complainant sees it."""

    kind: str
    due_at: datetime
    met_at: datetime | None
    missed: bool


class TimelineEntry(BaseModel):
    """One public step of the complaint's history."""

    event_type: str
    status: str
    escalation_level: str
    occurred_at: datetime
    message: str | None = None
    visit_date: date | None = None  # a field check's day
    condition: str | None = None  # what a field check found, in the complainant's language


class AttachmentOut(BaseModel):
    """A file the complainant attached: fetch it at .../attachments/{key} with the token."""

    name: str
    key: str
    content_type: str
    size: int


class ComplaintView(BaseModel):
    """What the complainant sees on GET /v1/complaints/{tracking_code}."""

    tracking_code: str
    status: str
    outcome: str | None
    escalation_level: str
    complaint_class: str | None = Field(serialization_alias="class")
    unit: str | None
    unit_name: str | None = None  # in the complaint's language, when the admin gave one
    received_at: datetime
    deadlines: list[DeadlineOut]
    timeline: list[TimelineEntry]
    attachments: list[AttachmentOut] = Field(default_factory=list)
