"""Events carry no one's words: whatever an event is built or read with, its data keeps only
the bus fields; the words stay in PostgreSQL, found by the step the event names."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from aduan.domain.events import BUS_FIELDS, Event, EventType, event_id_for, new_event
from services.notification import webhooks

COMPLAINT = uuid.UUID(int=1)
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_an_event_keeps_the_facts_and_drops_the_words() -> None:
    event = new_event(
        EventType.RESPONDED,
        COMPLAINT,
        NOW,
        {"message": "Meter Bu Siti sudah diganti", "status": "responded", "unit": "penagihan"},
        step="0007-responded",
    )
    assert event.data == {"status": "responded", "unit": "penagihan", "step": "0007-responded"}
    assert event.id == event_id_for(COMPLAINT, "0007-responded")


def test_an_event_written_before_the_rule_loses_its_words_when_read() -> None:
    old = {
        "id": str(uuid.uuid4()),
        "type": "received",
        "complaint_id": str(COMPLAINT),
        "occurred_at": NOW.isoformat(),
        "data": {"description": "Air mati di Jl. Melati 7", "subject": "Air", "channel": "web"},
    }
    assert Event.model_validate(old).data == {"channel": "web"}


def test_every_field_integrators_receive_may_travel_on_the_bus() -> None:
    assert set(webhooks._SHARED_FIELDS) <= BUS_FIELDS


def test_no_field_of_free_text_is_a_bus_field() -> None:
    words = {"message", "reason", "text", "comment", "description", "subject", "title", "notes"}
    assert not words & BUS_FIELDS
    assert "scope" not in BUS_FIELDS  # what a field check is to look at, in staff's words
