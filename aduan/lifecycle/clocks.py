"""Deadline clocks: pure bookkeeping of what fires next, testable without a server.

A clock holds one deadline: reminders before it, the moment it is missed, and the escalation
steps after it. The workflow asks `next_timer` what to wait for and reports back what fired.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from aduan.domain.vocabulary import DeadlineKind


class Fire(StrEnum):
    """What happens when a timer fires."""

    REMINDER = "reminder"
    MISSED = "missed"
    ESCALATE = "escalate"


class Reminder(BaseModel):
    """A reminder at a fraction of the deadline; `supervisor` also tells the supervisor."""

    at: datetime
    fraction: float
    supervisor: bool = False
    sent: bool = False


class Clock(BaseModel):
    """One running deadline and the ladder after it."""

    kind: DeadlineKind
    started_at: datetime
    due: datetime
    working_days: bool
    reminders: list[Reminder] = Field(default_factory=list)
    ladder: list[datetime] = Field(default_factory=list)
    levels: list[str] = Field(default_factory=list)
    steps_taken: int = 0
    missed: bool = False
    met: bool = False
    paused_at: datetime | None = None

    @property
    def running(self) -> bool:
        """Still waiting for its action and not paused."""
        return not self.met and self.paused_at is None

    def moments(self) -> list[datetime]:
        """Due, ladder and reminder times, in that order (see `with_moments`)."""
        return [self.due, *self.ladder, *(r.at for r in self.reminders)]

    def with_moments(self, moments: list[datetime]) -> Clock:
        """A copy with due, ladder and reminder times replaced, as `moments` lists them."""
        due, rest = moments[0], moments[1:]
        ladder, reminder_times = rest[: len(self.ladder)], rest[len(self.ladder) :]
        reminders = [
            r.model_copy(update={"at": at})
            for r, at in zip(self.reminders, reminder_times, strict=True)
        ]
        return self.model_copy(update={"due": due, "ladder": ladder, "reminders": reminders})


class Timer(BaseModel):
    """The next thing to wait for."""

    at: datetime
    kind: DeadlineKind
    fire: Fire
    index: int = 0


def _timers(clock: Clock) -> list[Timer]:
    if not clock.running:
        return []
    if clock.missed:
        if clock.steps_taken < len(clock.ladder):
            return [
                Timer(
                    at=clock.ladder[clock.steps_taken],
                    kind=clock.kind,
                    fire=Fire.ESCALATE,
                    index=clock.steps_taken,
                )
            ]
        return []
    timers = [
        Timer(at=r.at, kind=clock.kind, fire=Fire.REMINDER, index=i)
        for i, r in enumerate(clock.reminders)
        if not r.sent
    ]
    return [*timers, Timer(at=clock.due, kind=clock.kind, fire=Fire.MISSED)]


def next_timer(clocks: list[Clock]) -> Timer | None:
    """The earliest pending timer of all running clocks, or None when nothing is pending."""
    timers = [timer for clock in clocks for timer in _timers(clock)]
    return min(timers, key=lambda t: t.at) if timers else None


def reminders_for(
    started_at: datetime, due: datetime, fractions: list[float], supervisor_from: float | None
) -> list[Reminder]:
    """Reminders at fractions of the span; from `supervisor_from` on, the supervisor too."""
    span = due - started_at
    return [
        Reminder(
            at=started_at + span * f,
            fraction=f,
            supervisor=supervisor_from is not None and f >= supervisor_from,
        )
        for f in fractions
    ]


def next_deadline(clocks: list[Clock]) -> datetime | None:
    """The soonest due moment among running clocks not yet missed (for search and lists)."""
    dues = [c.due for c in clocks if c.running and not c.missed]
    return min(dues) if dues else None
