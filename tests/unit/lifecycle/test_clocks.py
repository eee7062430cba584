"""Deadline clocks: which reminder, miss or escalation the workflow waits for next.

The workflow asks `next_timer` what to wait for and, when it fires, marks it as
`ComplaintLifecycle._fire` does (a reminder sent, the clock missed, one more ladder step
taken); these tests drive the clocks the same way, without a server.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aduan.domain.vocabulary import DeadlineKind
from aduan.lifecycle.clocks import (
    Clock,
    Fire,
    Timer,
    next_deadline,
    next_timer,
    reminders_for,
)

RECEIVED = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def clock(
    kind: DeadlineKind = DeadlineKind.RESOLUTION,
    *,
    days: int = 10,
    fractions: tuple[float, ...] = (0.5, 0.8),
    supervisor_from: float | None = 0.8,
    ladder_days: tuple[int, ...] = (0, 7),
    **changes: object,
) -> Clock:
    """A deadline `days` after receipt, its reminders, and an escalation ladder after it."""
    due = RECEIVED + days * DAY
    made = Clock(
        kind=kind,
        started_at=RECEIVED,
        due=due,
        working_days=False,
        reminders=reminders_for(RECEIVED, due, list(fractions), supervisor_from),
        ladder=[due + n * DAY for n in ladder_days],
        levels=["supervisor", "ombudsman"][: len(ladder_days)],
    )
    return made.model_copy(update=changes)


def fire(clocks: list[Clock], timer: Timer) -> None:
    """Mark a fired timer as the workflow does."""
    fired = next(c for c in clocks if c.kind == timer.kind)
    if timer.fire == Fire.REMINDER:
        fired.reminders[timer.index].sent = True
    elif timer.fire == Fire.ESCALATE:
        fired.steps_taken += 1
    else:
        fired.missed = True


def drive(clocks: list[Clock], limit: int = 50) -> list[Timer]:
    """Every timer the clocks fire, in order, when nobody ever acts on the complaint."""
    fired: list[Timer] = []
    while (timer := next_timer(clocks)) is not None:
        fired.append(timer)
        fire(clocks, timer)
        assert len(fired) < limit, "the clocks never stop firing"
    return fired


def test_reminders_fall_at_fractions_of_the_span_and_the_late_ones_tell_the_supervisor() -> None:
    due = RECEIVED + 10 * DAY

    reminders = reminders_for(RECEIVED, due, [0.5, 0.8, 0.9], supervisor_from=0.8)

    assert [(r.at, r.fraction, r.supervisor) for r in reminders] == [
        (RECEIVED + 5 * DAY, 0.5, False),
        (RECEIVED + 8 * DAY, 0.8, True),
        (RECEIVED + 9 * DAY, 0.9, True),
    ]
    assert not any(r.sent for r in reminders)


def test_without_a_supervisor_threshold_only_the_officer_is_reminded() -> None:
    reminders = reminders_for(RECEIVED, RECEIVED + 10 * DAY, [0.5, 0.99], supervisor_from=None)

    assert [r.supervisor for r in reminders] == [False, False]


def test_a_silent_provider_gets_each_reminder_then_the_miss_then_each_escalation_once() -> None:
    clocks = [clock()]
    due = RECEIVED + 10 * DAY

    fired = drive(clocks)

    assert [(t.fire, t.index, t.at) for t in fired] == [
        (Fire.REMINDER, 0, RECEIVED + 5 * DAY),
        (Fire.REMINDER, 1, RECEIVED + 8 * DAY),
        (Fire.MISSED, 0, due),
        (Fire.ESCALATE, 0, due),
        (Fire.ESCALATE, 1, due + 7 * DAY),
    ]
    assert clocks[0].missed and clocks[0].steps_taken == 2
    assert [clocks[0].levels[t.index] for t in fired if t.fire == Fire.ESCALATE] == [
        "supervisor",
        "ombudsman",
    ]


def test_a_sent_reminder_is_not_sent_again() -> None:
    running = clock()
    running.reminders[0].sent = True

    timer = next_timer([running])

    assert timer is not None
    assert (timer.fire, timer.index, timer.at) == (Fire.REMINDER, 1, RECEIVED + 8 * DAY)


def test_once_missed_no_reminder_is_sent_even_if_its_time_never_came() -> None:
    missed = clock(missed=True)  # e.g. the deadline was shortened below its reminders

    timer = next_timer([missed])

    assert timer is not None
    assert timer.fire == Fire.ESCALATE and timer.index == 0


def test_a_deadline_without_a_ladder_stops_after_it_is_missed() -> None:
    info = clock(DeadlineKind.INFO, fractions=(), ladder_days=())

    assert [t.fire for t in drive([info])] == [Fire.MISSED]
    assert next_timer([info]) is None


@pytest.mark.parametrize(
    "changes",
    [{"met": True}, {"paused_at": RECEIVED + DAY}, {"met": True, "missed": True}],
    ids=["met", "paused", "met-after-missing"],
)
def test_a_met_or_paused_clock_fires_nothing(changes: dict[str, object]) -> None:
    stopped = clock(**changes)

    assert not stopped.running
    assert next_timer([stopped]) is None
    assert next_deadline([stopped]) is None


def test_the_earliest_timer_of_all_clocks_comes_first() -> None:
    first_response = clock(DeadlineKind.FIRST_RESPONSE, days=3)  # reminders at 1.5 and 2.4 days
    resolution = clock(DeadlineKind.RESOLUTION, days=2)  # reminders at 1 and 1.6 days

    fired = drive([first_response, resolution])

    assert [t.at for t in fired] == sorted(t.at for t in fired)
    assert (fired[0].kind, fired[0].fire) == (DeadlineKind.RESOLUTION, Fire.REMINDER)
    assert {t.kind for t in fired} == {DeadlineKind.FIRST_RESPONSE, DeadlineKind.RESOLUTION}
    assert len(fired) == 2 * 5  # every clock's five timers, none lost in the interleaving


def test_the_next_deadline_is_the_soonest_one_still_awaited() -> None:
    soon_but_met = clock(DeadlineKind.FIRST_RESPONSE, days=1, met=True)
    soon_but_missed = clock(DeadlineKind.ROUTING, days=2, missed=True)
    paused = clock(DeadlineKind.INFO, days=3, paused_at=RECEIVED)
    awaited = clock(DeadlineKind.RESOLUTION, days=14)

    assert next_deadline([soon_but_met, soon_but_missed, paused, awaited]) == RECEIVED + 14 * DAY
    assert next_deadline([soon_but_met, soon_but_missed]) is None
    assert next_deadline([]) is None


def test_shifted_moments_replace_due_ladder_and_reminders_and_keep_what_was_sent() -> None:
    running = clock()
    running.reminders[0].sent = True
    assert running.moments() == [
        RECEIVED + 10 * DAY,
        RECEIVED + 10 * DAY,
        RECEIVED + 17 * DAY,
        RECEIVED + 5 * DAY,
        RECEIVED + 8 * DAY,
    ]

    shifted = running.with_moments([m + 2 * DAY for m in running.moments()])

    assert shifted.due == RECEIVED + 12 * DAY
    assert shifted.ladder == [RECEIVED + 12 * DAY, RECEIVED + 19 * DAY]
    assert [(r.at, r.fraction, r.supervisor, r.sent) for r in shifted.reminders] == [
        (RECEIVED + 7 * DAY, 0.5, False, True),
        (RECEIVED + 10 * DAY, 0.8, True, False),
    ]
    assert running.due == RECEIVED + 10 * DAY, "the original clock is left as it was"
    assert running.with_moments(running.moments()) == running


def test_moments_missing_a_reminder_are_refused_rather_than_dropping_it() -> None:
    running = clock()

    with pytest.raises(ValueError):
        running.with_moments(running.moments()[:-1])


def test_a_clock_survives_the_workflow_state_round_trip() -> None:
    running = clock(steps_taken=1, missed=True)
    running.reminders[1].sent = True

    assert Clock.model_validate_json(running.model_dump_json()) == running


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    days=st.integers(1, 30),
    fractions=st.lists(st.floats(0.05, 0.95), max_size=4, unique=True).map(sorted),
    ladder_days=st.lists(st.integers(0, 30), max_size=3).map(sorted),
    sent=st.sets(st.integers(0, 3)),
)
def test_any_clock_fires_its_unsent_reminders_its_miss_and_its_ladder_in_time_order(
    days: int, fractions: list[float], ladder_days: list[int], sent: set[int]
) -> None:
    running = clock(days=days, fractions=tuple(fractions), ladder_days=tuple(ladder_days))
    for index in sent & set(range(len(fractions))):
        running.reminders[index].sent = True

    fired = drive([running])

    unsent = [i for i in range(len(fractions)) if i not in sent]
    assert [(t.fire, t.index) for t in fired] == [
        *((Fire.REMINDER, i) for i in unsent),
        (Fire.MISSED, 0),
        *((Fire.ESCALATE, i) for i in range(len(ladder_days))),
    ]
    assert [t.at for t in fired] == sorted(t.at for t in fired)
    assert all(r.sent for r in running.reminders)
