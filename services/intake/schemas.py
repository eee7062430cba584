"""Intake's HTTP models: what a complainant sends and what they get back."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aduan.domain import Channel, Language

_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class ComplainantIn(BaseModel):
    """Who complains; anonymous and confidential are the complainant's choice."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=320, pattern=_EMAIL)
    phone: str | None = Field(None, max_length=40, pattern=r"^\+?[0-9 ()-]{6,40}$")
    anonymous: bool = False
    confidential: bool = False


class LocationIn(BaseModel):
    """Where the problem is."""

    model_config = ConfigDict(extra="forbid")

    address: str | None = Field(None, max_length=500)
    region_code: str | None = Field(None, max_length=20, pattern=r"^[0-9.]+$")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)


class ComplaintIn(BaseModel):
    """A new complaint (POST /v1/complaints)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    description: str = Field(max_length=20_000)
    subject: str | None = Field(None, max_length=200)
    channel: Channel = Channel.API
    category: str | None = Field(None, max_length=100)
    complaint_class: str | None = Field(None, alias="class", max_length=50)
    language: Language = Language.ID
    complainant: ComplainantIn = Field(default_factory=ComplainantIn)
    account_ref: str | None = Field(None, max_length=100)
    location: LocationIn | None = None
    external_ref: str | None = Field(None, max_length=200)

    @field_validator("description")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the description must not be empty")
        return value.strip()

    @model_validator(mode="after")
    def _anonymous_keeps_no_identity(self) -> ComplaintIn:
        # An anonymous complainant is reached only on the channel they came from.
        c = self.complainant
        if c.anonymous:
            c.name = None
            c.email = c.email if self.channel == Channel.EMAIL else None
            c.phone = c.phone if self.channel in (Channel.SMS, Channel.WHATSAPP) else None
        return self


class ComplaintCreated(BaseModel):
    """The answer to a submission: keep the tracking code and the token."""

    id: uuid.UUID
    tracking_code: str
    access_token: str
    status: str
    received_at: datetime


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


class ComplaintView(BaseModel):
    """What the complainant sees on GET /v1/complaints/{tracking_code}."""

    tracking_code: str
    status: str
    outcome: str | None
    escalation_level: str
    complaint_class: str | None = Field(serialization_alias="class")
    unit: str | None
    received_at: datetime
    deadlines: list[DeadlineOut]
    timeline: list[TimelineEntry]
