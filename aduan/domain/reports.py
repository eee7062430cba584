"""The monthly SLA report as figures, from the facts of each complaint of the month: every
legal deadline met or missed and by how much, escalations, extensions and their reasons, the
slowest ten, figures per unit, and the trend against the previous month.

Pure: the facts come from aduan/store/reports.py, the renderers (aduan/reports/) only lay the
model out. No personal data enters: tracking codes, units, classes, dates and staff's reasons
only (docs/reports.md)."""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from aduan.domain.calendar import WorkingCalendar
from aduan.domain.policy import Duration, Policy
from aduan.domain.vocabulary import DeadlineKind, EscalationLevel, Status

# The deadlines the provider is held to, in the order a complaint meets them.
REPORTED = (
    DeadlineKind.ROUTING,
    DeadlineKind.FIRST_RESPONSE,
    DeadlineKind.RESOLUTION,
    DeadlineKind.FIELD_CHECK,
)
SLOWEST = 10
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

Measure = Literal["wd", "h"]  # "by how much": working days, or hours for an hours deadline


class InvalidMonth(ValueError):
    """A month that is not YYYY-MM."""


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month; its bounds are local midnights in the provider's time zone."""

    year: int
    month: int

    def start(self, timezone: str) -> datetime:
        """00:00 of the first day, local time."""
        return datetime.combine(date(self.year, self.month, 1), time(), ZoneInfo(timezone))

    def end(self, timezone: str) -> datetime:
        """00:00 of the first day of the next month, local time (the bound is exclusive)."""
        return self.next().start(timezone)

    def next(self) -> Month:
        """The month after."""
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        """The month before (the trend compares with it)."""
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def first_day(self) -> date:
        """The month's first day, for naming it in words."""
        return date(self.year, self.month, 1)

    @classmethod
    def containing(cls, moment: datetime, timezone: str) -> Month:
        """The provider's month `moment` falls in."""
        local = moment.astimezone(ZoneInfo(timezone))
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_month(text: str) -> Month:
    """`2026-12` as a Month; InvalidMonth says what is wrong with anything else."""
    found = _MONTH.match(text.strip())
    if not found:
        raise InvalidMonth(f"{text!r} is not a month written YYYY-MM (e.g. 2026-12)")
    year, month = int(found[1]), int(found[2])
    if not 1 <= month <= 12:
        raise InvalidMonth(f"{text!r}: the month must be 01 to 12")
    if year < 2000:
        raise InvalidMonth(f"{text!r}: no complaint is that old")
    return Month(year, month)


def check_reportable(month: Month, now: datetime, timezone: str) -> Month:
    """`month`, unless it has not begun yet at `now` (InvalidMonth: nothing to report)."""
    if month > Month.containing(now, timezone):
        raise InvalidMonth(f"{month} has not begun yet: no complaint can have been received in it")
    return month


# Facts: what the store reads ------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineFacts:
    """One legal deadline of a complaint as stored."""

    kind: DeadlineKind
    due_at: datetime
    met_at: datetime | None = None
    missed_at: datetime | None = None


@dataclass(frozen=True)
class EscalationFacts:
    """A level reached, and the deadline whose miss raised it (None: an appeal)."""

    level: EscalationLevel
    at: datetime
    deadline: str | None = None


@dataclass(frozen=True)
class ExtensionFacts:
    """The resolution deadline moved: by how much, why (the officer's words), to when."""

    at: datetime
    by: str
    reason: str
    due_at: datetime | None = None


@dataclass(frozen=True)
class ComplaintFacts:
    """What the report may know of one complaint: handling facts, never a person or text."""

    tracking_code: str
    received_at: datetime
    status: Status
    unit: str | None = None
    complaint_class: str | None = None
    category: str | None = None
    channel: str = ""
    outcome: str | None = None
    escalation_level: EscalationLevel = EscalationLevel.NONE
    closed_at: datetime | None = None
    deadlines: tuple[DeadlineFacts, ...] = ()
    escalations: tuple[EscalationFacts, ...] = ()
    extensions: tuple[ExtensionFacts, ...] = ()


# The model the renderers lay out --------------------------------------------------------


class Result(StrEnum):
    """Where a deadline stands at the report's moment."""

    MET = "met"  # done by the due time
    MISSED = "missed"  # done late, or not done and the due time has passed
    OPEN = "open"  # not done, not yet due
    PAUSED = "paused"  # the clocks wait for the complainant's information
    STOPPED = "stopped"  # the complaint closed before the deadline mattered


@dataclass(frozen=True)
class DeadlineResult:
    """A deadline judged: `margin` is time to spare (positive) or lateness (negative), in
    `measure` units; None while it is open, paused or stopped."""

    kind: DeadlineKind
    result: Result
    due_at: datetime
    done_at: datetime | None
    margin: float | None
    measure: Measure


@dataclass(frozen=True)
class ComplaintRow:
    """One complaint of the month, judged at the report's moment."""

    facts: ComplaintFacts
    deadlines: dict[DeadlineKind, DeadlineResult]
    answered_at: datetime | None  # the provider's response (the resolution deadline met)
    handling_days: float  # working days from receipt to the answer, the closing, or now
    finished: bool  # answered or closed: its handling time is final

    def escalated_at(self, level: EscalationLevel) -> datetime | None:
        """When the complaint reached `level`, if it did."""
        return next((e.at for e in self.facts.escalations if e.level == level), None)


@dataclass(frozen=True)
class Tally:
    """How one deadline kind stands across complaints; stopped deadlines count nowhere."""

    met: int = 0
    missed: int = 0
    open: int = 0

    @property
    def decided(self) -> int:
        """Met or missed: the deadlines that count for the on-time rate."""
        return self.met + self.missed

    @property
    def on_time(self) -> float | None:
        """Share met on time of those decided (None: none decided)."""
        return self.met / self.decided if self.decided else None


@dataclass(frozen=True)
class Figures:
    """The summary figures of a set of complaints."""

    received: int
    answered: int
    closed: int
    deadlines: dict[DeadlineKind, Tally]
    escalations: dict[EscalationLevel, int]
    extensions: int
    median_handling_days: float | None  # over complaints answered or closed

    @property
    def still_open(self) -> int:
        """Complaints not closed at the report's moment."""
        return self.received - self.closed

    @property
    def met(self) -> int:
        """Deadlines of every kind met on time."""
        return sum(t.met for t in self.deadlines.values())

    @property
    def missed(self) -> int:
        """Deadlines of every kind missed."""
        return sum(t.missed for t in self.deadlines.values())

    @property
    def on_time(self) -> float | None:
        """Share of every decided deadline met on time."""
        decided = sum(t.decided for t in self.deadlines.values())
        return self.met / decided if decided else None

    @property
    def escalated(self) -> int:
        """Escalations of every level (each level is reached at most once per complaint)."""
        return sum(self.escalations.values())


@dataclass(frozen=True)
class UnitFigures:
    """One unit's figures ("" for complaints not yet routed to a unit)."""

    unit: str
    figures: Figures


@dataclass(frozen=True)
class Trend:
    """One figure this month and the month before; `higher_is_better` colours the change
    (None: neither, as for the number of complaints received)."""

    key: str
    current: float | None
    previous: float | None
    higher_is_better: bool | None
    percent: bool = False  # a share (0..1) rather than a count or a number of days
    decimals: int = 0  # how a number of days is written (a count has none)

    @property
    def change(self) -> float | None:
        """Current minus previous (None when either is unknown)."""
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous

    @property
    def better(self) -> bool | None:
        """Whether the change is for the better (None: no change, or unknown)."""
        if not self.change or self.higher_is_better is None:
            return None
        return (self.change > 0) == self.higher_is_better


@dataclass(frozen=True)
class MonthlyReport:
    """Everything the monthly SLA report shows."""

    month: Month
    unit: str | None  # None: the whole provider
    timezone: str
    as_of: datetime
    figures: Figures
    previous: Figures
    trends: list[Trend]
    units: list[UnitFigures]
    rows: list[ComplaintRow]
    slowest: list[ComplaintRow]
    escalations: list[tuple[ComplaintRow, EscalationFacts]] = field(default_factory=list)
    extensions: list[tuple[ComplaintRow, ExtensionFacts]] = field(default_factory=list)

    @property
    def attention(self) -> list[UnitFigures]:
        """The three units with the most missed deadlines (none with none missed)."""
        missing = [u for u in self.units if u.figures.missed]
        return sorted(missing, key=lambda u: (-u.figures.missed, u.unit))[:3]


# Rules ---------------------------------------------------------------------------------


def measure_of(policy: Policy, kind: DeadlineKind, complaint_class: str | None) -> Measure:
    """Working days for a deadline the policy sets in working days, hours otherwise."""
    rules = policy.deadlines_for(complaint_class)
    spans: dict[DeadlineKind, Duration | None] = {
        DeadlineKind.ROUTING: policy.routing_due,
        DeadlineKind.FIRST_RESPONSE: rules.first_response,
        DeadlineKind.RESOLUTION: rules.resolution,
        DeadlineKind.FIELD_CHECK: rules.field_check,
    }
    span = spans.get(kind)
    return "wd" if span is None or span.unit == "wd" else "h"


def span_between(
    calendar: WorkingCalendar, measure: Measure, start: datetime, end: datetime
) -> float:
    """From `start` to `end` in `measure` units: working days, or hours of the clock."""
    if measure == "wd":
        return calendar.working_days_between(start, end)
    return max(0.0, (end - start) / timedelta(hours=1))


def judge(
    deadline: DeadlineFacts,
    complaint: ComplaintFacts,
    as_of: datetime,
    measure: Measure,
    calendar: WorkingCalendar,
) -> DeadlineResult:
    """Met or missed and by how much, or still open, paused or stopped, at `as_of`."""

    def result(kind: Result, margin: float | None) -> DeadlineResult:
        return DeadlineResult(
            deadline.kind, kind, deadline.due_at, deadline.met_at, margin, measure
        )

    def span(start: datetime, end: datetime) -> float:
        return span_between(calendar, measure, start, end)

    due, met = deadline.due_at, deadline.met_at
    if met is not None:
        if met <= due and deadline.missed_at is None:
            return result(Result.MET, span(met, due))
        return result(Result.MISSED, -span(due, met))
    if complaint.status == Status.WAITING_COMPLAINANT and deadline.missed_at is None:
        return result(Result.PAUSED, None)  # its due time moves when the clocks resume
    end = complaint.closed_at or as_of
    if deadline.missed_at is not None or due < end:
        return result(Result.MISSED, -span(due, end))  # late until done, closed, or now
    return result(Result.STOPPED if complaint.closed_at else Result.OPEN, None)


def complaint_row(
    complaint: ComplaintFacts, as_of: datetime, policy: Policy, calendar: WorkingCalendar
) -> ComplaintRow:
    """One complaint's deadlines judged and its handling time measured."""
    judged = {
        d.kind: judge(
            d, complaint, as_of, measure_of(policy, d.kind, complaint.complaint_class), calendar
        )
        for d in sorted(complaint.deadlines, key=lambda d: REPORTED.index(d.kind))
        if d.kind in REPORTED
    }
    resolution = judged.get(DeadlineKind.RESOLUTION)
    answered = resolution.done_at if resolution else None
    end = answered or complaint.closed_at or as_of
    return ComplaintRow(
        facts=complaint,
        deadlines=judged,
        answered_at=answered,
        handling_days=calendar.working_days_between(complaint.received_at, end),
        finished=answered is not None or complaint.closed_at is not None,
    )


def figures_of(rows: Sequence[ComplaintRow]) -> Figures:
    """The summary figures of `rows`."""
    tallies: dict[DeadlineKind, Tally] = {}
    for kind in REPORTED:
        results = [r.deadlines[kind].result for r in rows if kind in r.deadlines]
        tallies[kind] = Tally(
            met=results.count(Result.MET),
            missed=results.count(Result.MISSED),
            open=results.count(Result.OPEN) + results.count(Result.PAUSED),
        )
    levels = [e.level for r in rows for e in r.facts.escalations]
    finished = [r.handling_days for r in rows if r.finished]
    return Figures(
        received=len(rows),
        answered=sum(1 for r in rows if r.answered_at is not None),
        closed=sum(1 for r in rows if r.facts.closed_at is not None),
        deadlines=tallies,
        escalations={
            level: levels.count(level) for level in EscalationLevel if level != EscalationLevel.NONE
        },
        extensions=sum(len(r.facts.extensions) for r in rows),
        median_handling_days=statistics.median(finished) if finished else None,
    )


def trends_of(current: Figures, previous: Figures) -> list[Trend]:
    """The figures a director compares month on month."""
    first = DeadlineKind.FIRST_RESPONSE
    resolution = DeadlineKind.RESOLUTION
    supervisor, ombudsman = EscalationLevel.SUPERVISOR, EscalationLevel.OMBUDSMAN

    def pick(
        key: str,
        of: Callable[[Figures], float | None],
        up: bool | None,
        share: bool = False,
        decimals: int = 0,
    ) -> Trend:
        return Trend(key, of(current), of(previous), up, percent=share, decimals=decimals)

    return [
        pick("received", lambda f: f.received, up=None),
        pick("answered", lambda f: f.answered, up=True),
        pick("on_time", lambda f: f.on_time, up=True, share=True),
        pick("on_time.first_response", lambda f: f.deadlines[first].on_time, up=True, share=True),
        pick("on_time.resolution", lambda f: f.deadlines[resolution].on_time, up=True, share=True),
        pick("missed", lambda f: f.missed, up=False),
        pick("escalated.supervisor", lambda f: f.escalations[supervisor], up=False),
        pick("escalated.ombudsman", lambda f: f.escalations[ombudsman], up=False),
        pick("extensions", lambda f: f.extensions, up=False),
        pick("median_handling_days", lambda f: f.median_handling_days, up=False, decimals=1),
    ]


def by_unit(rows: Iterable[ComplaintRow]) -> list[UnitFigures]:
    """Figures per unit, by unit code ("" for complaints no unit has yet)."""
    groups: dict[str, list[ComplaintRow]] = {}
    for row in rows:
        groups.setdefault(row.facts.unit or "", []).append(row)
    return [UnitFigures(unit, figures_of(groups[unit])) for unit in sorted(groups)]


def slowest_of(rows: Iterable[ComplaintRow], count: int = SLOWEST) -> list[ComplaintRow]:
    """The complaints whose handling took (or has taken so far) the most working days."""
    return sorted(rows, key=lambda r: (-r.handling_days, r.facts.received_at))[:count]


def build_report(
    month: Month,
    unit: str | None,
    current: Sequence[ComplaintFacts],
    previous: Sequence[ComplaintFacts],
    policy: Policy,
    as_of: datetime,
) -> MonthlyReport:
    """The report of `month` (complaints received in it), judged at `as_of`, with the
    previous month's complaints for the trend."""
    calendar = WorkingCalendar.from_config(policy.calendar, policy.timezone)

    def judged(facts: Sequence[ComplaintFacts]) -> list[ComplaintRow]:
        ordered = sorted(facts, key=lambda c: (c.received_at, c.tracking_code))
        return [complaint_row(c, as_of, policy, calendar) for c in ordered]

    rows, before = judged(current), judged(previous)
    now, then = figures_of(rows), figures_of(before)
    return MonthlyReport(
        month=month,
        unit=unit,
        timezone=policy.timezone,
        as_of=as_of,
        figures=now,
        previous=then,
        trends=trends_of(now, then),
        units=by_unit(rows),
        rows=rows,
        slowest=slowest_of(rows),
        escalations=sorted(
            ((r, e) for r in rows for e in r.facts.escalations), key=lambda pair: pair[1].at
        ),
        extensions=sorted(
            ((r, x) for r in rows for x in r.facts.extensions), key=lambda pair: pair[1].at
        ),
    )
