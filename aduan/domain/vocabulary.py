"""The vocabulary of docs/domain.md as types: statuses, outcomes, escalation levels, channels."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    """Where a complaint came in."""

    WEB = "web"
    API = "api"
    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    PHONE = "phone"
    OPEN311 = "open311"
    SOCIAL = "social"


class Status(StrEnum):
    """One status at a time; `closed` carries an Outcome."""

    RECEIVED = "received"
    ROUTED = "routed"
    IN_PROGRESS = "in_progress"
    WAITING_COMPLAINANT = "waiting_complainant"
    RESPONDED = "responded"
    CLOSED = "closed"


class Outcome(StrEnum):
    """How a closed complaint ended."""

    RESOLVED = "resolved"
    AUTO_CLOSED = "auto_closed"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"
    TRANSFERRED = "transferred"


class EscalationLevel(StrEnum):
    """Escalation only goes up: none, supervisor, ombudsman."""

    NONE = "none"
    SUPERVISOR = "supervisor"
    OMBUDSMAN = "ombudsman"

    @property
    def rank(self) -> int:
        """Position on the ladder, for comparisons."""
        return list(EscalationLevel).index(self)


class DeadlineKind(StrEnum):
    """The deadlines a complaint is held to, each with the action it awaits."""

    ROUTING = "routing"
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"
    INFO = "info"  # the complainant's window to answer a request for information
    CONFIRM = "confirm"  # the complainant's window to confirm or dispute
    RATING = "rating"  # how long a closed complaint still takes a rating
    FIELD_CHECK = "field_check"  # from scheduling a field check to its findings

    @property
    def legal(self) -> bool:
        """A deadline the provider is held to (with reminders and an escalation ladder)."""
        return self in (
            DeadlineKind.ROUTING,
            DeadlineKind.FIRST_RESPONSE,
            DeadlineKind.RESOLUTION,
            DeadlineKind.FIELD_CHECK,
        )


class Language(StrEnum):
    """Languages complainants read; Bahasa Indonesia first."""

    ID = "id"
    EN = "en"


class ActionName(StrEnum):
    """What people do to a complaint; the value is the lifecycle's Update of that name."""

    ACKNOWLEDGE = "acknowledge"
    REQUEST_INFO = "request_info"
    RESPOND = "respond"
    EXTEND = "extend"
    REASSIGN = "reassign"
    TRANSFER = "transfer"
    REJECT = "reject"
    NOTE = "note"
    SCHEDULE_FIELD_CHECK = "schedule_field_check"
    RECORD_FIELD_CHECK = "record_field_check"
    WITHDRAW = "withdraw"  # closed as withdrawn: the complainant's data is to be erased
    REPLY = "reply"
    CONFIRM = "confirm"
    DISPUTE = "dispute"
    RATE = "rate"
