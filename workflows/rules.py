"""Pure lifecycle rules, testable without a server: which action each status allows."""

from __future__ import annotations

from aduan.domain import EscalationLevel, Status
from aduan.policy import Policy

# The statuses from which each action may be taken.
ALLOWED_FROM: dict[str, frozenset[Status]] = {
    "acknowledge": frozenset({Status.ROUTED}),
    "respond": frozenset({Status.IN_PROGRESS}),
}


def refusal(action: str, status: Status) -> str | None:
    """Why `action` is not allowed in `status`, or None when it is."""
    allowed = ALLOWED_FROM.get(action)
    if allowed is None:
        return f"unknown action {action!r}"
    if status in allowed:
        return None
    needed = " or ".join(sorted(allowed))
    return f"{action!r} is not allowed while the complaint is {status}; it must be {needed}"


def raises_level(current: EscalationLevel, proposed: EscalationLevel) -> bool:
    """Escalation only goes up: a step at or below the current level is not taken again."""
    return proposed.rank > current.rank


def choose_class(hint: str | None, routed: str | None, policy: Policy) -> str:
    """The submitter's class if the policy knows it, else routing's, else the default."""
    for candidate in (hint, routed):
        if candidate is not None and candidate in policy.classes:
            return candidate
    return policy.default_class
