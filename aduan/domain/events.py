"""The names of the bus, defined once: event types, the stream, its subjects, its durable
consumers and what each reads; and the event envelope."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, field_validator

EVENT_VERSION = 1
_NAMESPACE = uuid.UUID("6f1c1c52-5a47-4f6b-9d1e-0b7c2f1a9e10")


class EventType(StrEnum):
    """The type of an event; the value is what goes on the wire and into the timeline."""

    RECEIVED = "received"
    ROUTING_DECIDED = "routing.decided"
    OPENED = "opened"
    ROUTED = "routed"
    ACKNOWLEDGED = "acknowledged"
    INFO_REQUESTED = "info_requested"
    REPLIED = "replied"
    RESPONDED = "responded"
    EXTENDED = "extended"
    REASSIGNED = "reassigned"
    NOTE = "note"
    FIELD_CHECK_SCHEDULED = "field_check_scheduled"
    FIELD_CHECK_RECORDED = "field_check_recorded"
    REMINDER = "reminder"
    DEADLINE_MISSED = "deadline_missed"
    ESCALATED = "escalated"
    DISPUTED = "disputed"
    CLOSED = "closed"
    RATED = "rated"
    # Not lifecycle steps: a complaint linked to an incident (the problem is known), and the
    # incident's answer told to a complaint that waits for its complainant's information.
    INCIDENT_LINKED = "incident_linked"
    INCIDENT_ANSWERED = "incident_answered"


STREAM = "COMPLAINT_EVENTS"
SUBJECTS = ["aduan.>"]
COMPLAINT_PREFIX = "aduan.complaint."
RECEIVED = COMPLAINT_PREFIX + EventType.RECEIVED
ROUTING_DECIDED = "aduan.routing.decided"
ALL_COMPLAINT_EVENTS = COMPLAINT_PREFIX + ">"
# A complaint event published again for notification only (`aduan notifications retry`).
NOTIFICATION_REPLAY = "aduan.notification.replay"


class Consumer(StrEnum):
    """The durable consumers of the stream, one per reader; the value is the durable name."""

    ROUTING = "routing"
    BRIDGE = "bridge"
    NOTIFICATION = "notification"


# The subjects each consumer reads.
READS: dict[Consumer, list[str]] = {
    Consumer.ROUTING: [RECEIVED],
    Consumer.BRIDGE: [RECEIVED, ROUTING_DECIDED],
    Consumer.NOTIFICATION: [ALL_COMPLAINT_EVENTS, NOTIFICATION_REPLAY],
}


# What an event's data may hold: facts about the handling (statuses, codes, units, levels,
# moments, counts, staff user names, the step that wrote it), never anyone's own words. A
# description, a subject, a reply, an answer, a reason, a note, a comment, an incident's
# title and the like stay in PostgreSQL: a consumer that needs them reads the complaint or
# the timeline row of the event's `step` (docs/privacy.md "Encryption": why not encrypted).
BUS_FIELDS = frozenset(
    {
        "step",
        "status",
        "escalation_level",
        "outcome",
        "public",
        "unit",
        "officer",
        "category",
        "complaint_class",
        "matched",
        "tracking_code",
        "channel",
        "language",
        "region_code",
        "entered_by",
        "answered",  # codes of the category questions answered (routing's when_answered)
        "level",
        "deadline",
        "fraction",
        "due_at",
        "supervisor",
        "by",
        "appeal",
        "reopened",
        "score",
        "provider",
        "incident_id",
        "date",
        "inspector",
        "rescheduled",
    }
)


class Event(BaseModel):
    """The JSON envelope every message on the bus carries; its data keeps only BUS_FIELDS,
    whoever builds or reads it (an event from before this rule loses its text on reading)."""

    id: uuid.UUID
    type: str
    complaint_id: uuid.UUID
    occurred_at: datetime
    version: int = EVENT_VERSION
    data: dict[str, Any] = Field(default_factory=dict)

    @field_validator("data")
    @classmethod
    def _no_free_text(cls, data: dict[str, Any]) -> dict[str, Any]:
        return bus_data(data)

    @property
    def subject(self) -> str:
        """The subject this event is published on."""
        return subject_for(self.type)


def subject_for(event_type: str) -> str:
    """`routing.decided` keeps its own subject; lifecycle facts go under aduan.complaint."""
    if event_type == EventType.ROUTING_DECIDED:
        return ROUTING_DECIDED
    return COMPLAINT_PREFIX + event_type


def bus_data(data: dict[str, Any]) -> dict[str, Any]:
    """The part of an event's data that may travel on the bus (BUS_FIELDS)."""
    return {key: value for key, value in data.items() if key in BUS_FIELDS}


def event_id_for(complaint_id: uuid.UUID, step: str) -> uuid.UUID:
    """A stable event id per complaint and step, so a retried step publishes the same event."""
    return uuid.uuid5(_NAMESPACE, f"{complaint_id}/{step}")


def new_event(
    event_type: str,
    complaint_id: uuid.UUID,
    occurred_at: datetime,
    data: dict[str, Any],
    *,
    step: str | None = None,
) -> Event:
    """Build an event; with a step, its id is stable across retries of that step, and its
    data names the step (where a consumer finds the words the event leaves out)."""
    event_id = event_id_for(complaint_id, step) if step else uuid.uuid4()
    return Event(
        id=event_id,
        type=event_type,
        complaint_id=complaint_id,
        occurred_at=occurred_at,
        data={**data, "step": step} if step else data,
    )
