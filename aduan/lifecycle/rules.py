"""Pure lifecycle rules, testable without a server: which action each status allows."""

from __future__ import annotations

from datetime import datetime

from aduan.domain.policy import Duration, Policy, parse_duration
from aduan.domain.vocabulary import ActionName, EscalationLevel, Status

_HANDLING = frozenset({Status.ROUTED, Status.IN_PROGRESS, Status.WAITING_COMPLAINANT})

# The statuses from which each action (by Update name) may be taken.
ALLOWED_FROM: dict[ActionName, frozenset[Status]] = {
    ActionName.ACKNOWLEDGE: frozenset({Status.ROUTED}),
    ActionName.REQUEST_INFO: frozenset({Status.IN_PROGRESS}),
    ActionName.RESPOND: frozenset({Status.IN_PROGRESS}),
    ActionName.EXTEND: frozenset({Status.ROUTED, Status.IN_PROGRESS}),
    ActionName.REASSIGN: _HANDLING,
    ActionName.TRANSFER: _HANDLING,
    ActionName.REJECT: _HANDLING,
    ActionName.NOTE: frozenset(Status),
    ActionName.SCHEDULE_FIELD_CHECK: frozenset({Status.IN_PROGRESS}),
    # Findings may come in while the complainant is asked something meanwhile.
    ActionName.RECORD_FIELD_CHECK: frozenset({Status.IN_PROGRESS, Status.WAITING_COMPLAINANT}),
    ActionName.WITHDRAW: _HANDLING | {Status.RESPONDED},
    ActionName.REPLY: frozenset({Status.WAITING_COMPLAINANT}),
    ActionName.CONFIRM: frozenset({Status.RESPONDED}),
    ActionName.DISPUTE: frozenset({Status.RESPONDED}),
    ActionName.RATE: frozenset({Status.RESPONDED, Status.CLOSED}),
}


def refusal(action: str, status: Status) -> str | None:
    """Why `action` is not allowed in `status`, or None when it is."""
    if action not in ALLOWED_FROM:
        return f"unknown action {action!r}"
    allowed = ALLOWED_FROM[ActionName(action)]
    if status in allowed:
        return None
    needed = " or ".join(sorted(allowed))
    return f"{action!r} is not allowed while the complaint is {status}; it must be {needed}"


def field_check_refusal(*, required: bool, scheduled_for: str | None, recorded: int) -> str | None:
    """Why the complaint may not be answered yet for want of a field check, or None: a
    scheduled visit comes first, and a class and category that require one need its findings."""
    if scheduled_for is not None:
        return (
            f"a field check is scheduled for {scheduled_for}; record its findings before answering"
        )
    if required and recorded == 0:
        return (
            "this complaint's class and category require a field check before it is answered;"
            " schedule one and record its findings first"
        )
    return None


def raises_level(current: EscalationLevel, proposed: EscalationLevel) -> bool:
    """Escalation only goes up: a step at or below the current level is not taken again."""
    return proposed.rank > current.rank


def choose_class(hint: str | None, routed: str | None, policy: Policy) -> str:
    """The submitter's class if the policy knows it, else routing's, else the default."""
    for candidate in (hint, routed):
        if candidate is not None and candidate in policy.classes:
            return candidate
    return policy.default_class


def parse_extension(by: str, policy: Policy) -> Duration:
    """The requested extension, refused (ValueError) if unreadable or over the policy's max."""
    duration = parse_duration(by)
    if duration.nominal_seconds <= 0:
        raise ValueError("an extension must be longer than zero")
    if duration.nominal_seconds > policy.extension.max.nominal_seconds:
        raise ValueError(f"{duration} is more than the allowed extension of {policy.extension.max}")
    return duration


def extension_refusal(
    used: int, policy: Policy, due: datetime, now: datetime, missed: bool
) -> str | None:
    """Why the running deadline may not be extended now, or None when it may."""
    if used >= policy.extension.times:
        return (
            f"the deadline was already extended {used} time(s); the policy allows"
            f" {policy.extension.times}"
        )
    if missed or now >= due:
        return "the deadline has already passed; it can only be extended before it does"
    return None
