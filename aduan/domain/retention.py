"""Retention: how long what is kept, and what anonymising a complaint keeps of it.

Pure rules; the SQL that applies them is aduan/store/retention.py (docs/privacy.md
"Retention")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aduan.domain.events import BUS_FIELDS
from aduan.domain.policy import Duration, RetentionPolicy

# What an anonymised complaint's text becomes (description is NOT NULL).
ERASED_TEXT = "[dihapus]"
# What an anonymised complaint's complainant becomes: the fact, never the person.
ERASED_COMPLAINANT: dict[str, Any] = {"anonymised": True}
# Kept of a timeline row's data: the facts statistics count (status, outcome, level,
# score, deadline, dates), the very keys that may travel on the bus, which hold no one's
# words. A message, reply, reason, note, scope, meter reading or comment is dropped.
KEPT_TIMELINE_KEYS = frozenset(BUS_FIELDS)
# Kept of a complaint's location: the region statistics are grouped by.
KEPT_LOCATION_KEYS = frozenset({"region_code"})


@dataclass(frozen=True)
class Cutoffs:
    """The moments before which each kind of record goes."""

    closed_complaints: datetime
    attachments: datetime
    outbox_sent: datetime
    deliveries: datetime


def cutoffs(policy: RetentionPolicy, now: datetime) -> Cutoffs:
    """Each period counted back from `now`."""

    def back(span: Duration) -> datetime:
        return now - timedelta(seconds=span.nominal_seconds)

    return Cutoffs(
        closed_complaints=back(policy.closed_complaints),
        attachments=back(policy.attachments),
        outbox_sent=back(policy.outbox_sent),
        deliveries=back(policy.deliveries),
    )


def kept_timeline_data(data: dict[str, Any]) -> dict[str, Any]:
    """A timeline row's data as anonymising leaves it: only the facts, no words."""
    return {key: value for key, value in data.items() if key in KEPT_TIMELINE_KEYS}


def kept_location(location: dict[str, Any] | None) -> dict[str, Any] | None:
    """A complaint's location as anonymising leaves it: the region code, no address."""
    if location is None:
        return None
    return {key: value for key, value in location.items() if key in KEPT_LOCATION_KEYS}


def stream_cut(unacked_floor: int | None, first_since_cutoff: int) -> int | None:
    """Below which sequence the event stream may be purged: no message some durable consumer
    has not acknowledged, none younger than the outbox period; None while no consumer
    exists (nothing is known to be passed)."""
    if unacked_floor is None:
        return None
    return min(unacked_floor, first_since_cutoff)
