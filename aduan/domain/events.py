"""The names of the bus, defined once: event types, the stream, its subjects, its durable
consumers and what each reads; and the event envelope."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

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


class Event(BaseModel):
    """The JSON envelope every message on the bus carries."""

    id: uuid.UUID
    type: str
    complaint_id: uuid.UUID
    occurred_at: datetime
    version: int = EVENT_VERSION
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def subject(self) -> str:
        """The subject this event is published on."""
        return subject_for(self.type)


def subject_for(event_type: str) -> str:
    """`routing.decided` keeps its own subject; lifecycle facts go under aduan.complaint."""
    if event_type == EventType.ROUTING_DECIDED:
        return ROUTING_DECIDED
    return COMPLAINT_PREFIX + event_type


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
    """Build an event; with a step, its id is stable across retries of that step."""
    event_id = event_id_for(complaint_id, step) if step else uuid.uuid4()
    return Event(
        id=event_id, type=event_type, complaint_id=complaint_id, occurred_at=occurred_at, data=data
    )
