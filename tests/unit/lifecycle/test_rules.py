"""Pure lifecycle rules: which action each status allows, escalation, class choice."""

from __future__ import annotations

from pathlib import Path

import pytest

import aduan
from aduan.domain.policy import Policy, load_policy
from aduan.domain.vocabulary import EscalationLevel, Status
from aduan.lifecycle.rules import choose_class, raises_level, refusal

POLICY = load_policy(Path(aduan.__file__).parent / "default_policy.yaml")

# docs/domain.md: an officer acknowledges a routed complaint (-> in_progress) and
# responds to one in progress (-> responded).
ALLOWED = {("acknowledge", Status.ROUTED), ("respond", Status.IN_PROGRESS)}


@pytest.mark.parametrize("action", ["acknowledge", "respond"])
@pytest.mark.parametrize("status", list(Status))
def test_each_action_is_allowed_only_from_its_status(action: str, status: Status) -> None:
    reason = refusal(action, status)
    if (action, status) in ALLOWED:
        assert reason is None
    else:
        assert reason is not None
        assert action in reason
        assert str(status) in reason, "the refusal says which status the complaint is in"


def test_refusal_says_which_status_is_needed() -> None:
    assert refusal("acknowledge", Status.RECEIVED) == (
        "'acknowledge' is not allowed while the complaint is received; it must be routed"
    )
    assert refusal("respond", Status.WAITING_COMPLAINANT) == (
        "'respond' is not allowed while the complaint is waiting_complainant; "
        "it must be in_progress"
    )


def test_responding_while_waiting_for_the_complainant_is_refused() -> None:
    # The clock is paused while information is requested; the answer comes after it arrives.
    assert refusal("respond", Status.WAITING_COMPLAINANT) is not None


def test_closed_complaint_refuses_everything() -> None:
    assert refusal("acknowledge", Status.CLOSED) is not None
    assert refusal("respond", Status.CLOSED) is not None


@pytest.mark.parametrize("action", ["", "close", "Acknowledge", "escalate"])
def test_unknown_action_is_refused_in_every_status(action: str) -> None:
    for status in Status:
        assert refusal(action, status) == f"unknown action {action!r}"


# --- escalation only goes up --------------------------------------------------------------

LADDER = [EscalationLevel.NONE, EscalationLevel.SUPERVISOR, EscalationLevel.OMBUDSMAN]


@pytest.mark.parametrize("current", LADDER)
@pytest.mark.parametrize("proposed", LADDER)
def test_raises_level_only_upwards(current: EscalationLevel, proposed: EscalationLevel) -> None:
    assert raises_level(current, proposed) is (LADDER.index(proposed) > LADDER.index(current))


def test_ombudsman_can_be_reached_directly() -> None:
    # A second dispute goes straight to the Ombudsman as an appeal.
    assert raises_level(EscalationLevel.NONE, EscalationLevel.OMBUDSMAN)


def test_supervisor_step_after_ombudsman_is_not_taken() -> None:
    assert not raises_level(EscalationLevel.OMBUDSMAN, EscalationLevel.SUPERVISOR)


# --- class choice -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hint", "routed", "expected"),
    [
        ("urgent", "light", "urgent"),  # the submitter's known class wins
        (None, "supervisory", "supervisory"),  # else routing's
        ("vip", "supervisory", "supervisory"),  # an unknown hint is ignored
        ("", "light", "light"),
        ("vip", "bogus", "standard"),  # neither known: the policy default
        (None, None, "standard"),
        ("Urgent", None, "standard"),  # class names are exact
    ],
)
def test_choose_class(hint: str | None, routed: str | None, expected: str) -> None:
    assert choose_class(hint, routed, POLICY) == expected


def test_choose_class_falls_back_to_the_configured_default() -> None:
    policy = Policy.model_validate({**POLICY.model_dump(), "default_class": "normative"})
    assert choose_class(None, "bogus", policy) == "normative"
