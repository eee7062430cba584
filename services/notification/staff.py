"""What staff read: assignments and reminders for a unit's officers, notices for supervisors.

Staff mails are in Bahasa Indonesia and name the complaint by tracking code, unit and
deadline only: never the complainant (who may be confidential) nor the complaint's text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aduan.config import Settings
from aduan.domain.events import Event, EventType
from aduan.domain.vocabulary import Language
from aduan.store.units import Unit
from services.notification.mailer import Mail
from services.notification.messages import render, zone

Row = Mapping[str, Any]
NO_UNIT = "pengaduan-umum"  # the routing default unit: where nobody-else's work lands


def unit_address(template: str, unit: str | None) -> str:
    """A staff address from its configured form: "{unit}" becomes the unit code."""
    return template.replace("{unit}", unit or NO_UNIT)


def desk_url(settings: Settings, complaint: Row) -> str:
    """Where staff open the complaint."""
    return f"{settings.desk_link}/complaints/{complaint['id']}"  # the desk's page of it


def _context(settings: Settings, complaint: Row, event: Event, unit: str | None) -> dict[str, Any]:
    return {
        "tracking_code": complaint["tracking_code"],
        "complaint_id": complaint["id"],
        "unit": unit,
        "complaint_class": complaint["complaint_class"],
        "category": complaint["category"],
        "received_at": complaint["received_at"],
        "desk_url": desk_url(settings, complaint),
        "occurred_at": event.occurred_at,
        "tz": zone(settings),
    }


def _staff_mail(name: str, to: str, context: Mapping[str, Any]) -> Mail:
    subject, body = render(name, Language.ID.value, context)
    return Mail(to=to, subject=subject, body=body)


def officers_address(settings: Settings, code: str | None, unit: Unit | None) -> str:
    """Where a unit's officers get mail: the address the admin gave the unit, or
    ADUAN_UNIT_EMAIL with the code filled in."""
    return (unit.email if unit else None) or unit_address(settings.unit_email, code)


def assignment_mail(
    settings: Settings,
    complaint: Row,
    event: Event,
    deadlines: Sequence[Row],
    known: Unit | None = None,
) -> Mail:
    """A complaint routed or reassigned to a unit: its officers learn of it and its deadlines."""
    unit = event.data.get("unit") or complaint["unit"]
    context = _context(settings, complaint, event, unit)
    context.update(
        reassigned=event.type == EventType.REASSIGNED,
        officer=complaint["officer"],
        deadlines=[
            d
            for d in deadlines
            if d["kind"] in ("first_response", "resolution") and d["met_at"] is None
        ],
    )
    return _staff_mail("officer_assigned", officers_address(settings, unit, known), context)


def reminder_mail(
    settings: Settings,
    complaint: Row,
    event: Event,
    known: Unit | None = None,
    *,
    supervisor: bool,
) -> Mail:
    """A deadline is near: to the unit's officers, or (`supervisor`) to their supervisor."""
    unit = complaint["unit"]
    context = _context(settings, complaint, event, unit)
    fraction = float(event.data.get("fraction") or 0)
    context.update(
        deadline=event.data.get("deadline"),
        due_at=event.data.get("due_at"),
        percent=round(fraction * 100),
    )
    if supervisor:
        return _staff_mail(
            "supervisor_reminder", unit_address(settings.supervisor_email, unit), context
        )
    return _staff_mail("officer_reminder", officers_address(settings, unit, known), context)


def escalation_mail(settings: Settings, complaint: Row, event: Event, deadline: Row | None) -> Mail:
    """Escalation notice for the supervisor: what was missed, never who complained."""
    context = _context(settings, complaint, event, complaint["unit"])
    context.update(
        deadline=event.data.get("deadline"),
        due_at=deadline["due_at"] if deadline else None,
        escalated_at=event.occurred_at,
    )
    return _staff_mail(
        "supervisor_escalated", unit_address(settings.supervisor_email, complaint["unit"]), context
    )
