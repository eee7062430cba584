"""The public statistics as pure rules: the period they cover (the provider's last 12
calendar months, in its time zone), the raw counts the store brings, and the figures
published from them under the "< 5" rule (aduan.domain.disclosure; docs/statistics.md)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from aduan.domain.calendar import WorkingCalendar
from aduan.domain.disclosure import Shown, disclosed, measured

PERIOD_MONTHS = 12  # the current month and the 11 before it
DEADLINE_KINDS = ("first_response", "resolution")  # the two a unit answers for
ESCALATION_LEVELS = ("supervisor", "ombudsman")
SCORES = (1, 2, 3, 4, 5)  # a rating's score (aduan.lifecycle.models.RatingInput)


@dataclass(frozen=True, order=True)
class Month:
    """One calendar month of the provider's time zone."""

    year: int
    month: int

    @property
    def key(self) -> str:
        """How the JSON, the CSV and the SQL name it: 2026-07."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        """Its first day."""
        return date(self.year, self.month, 1)

    def next(self) -> Month:
        """The month after it."""
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def start(self, zone: ZoneInfo) -> datetime:
        """Its first moment (00:00 of the 1st, local time)."""
        return datetime.combine(self.first_day, time(0), zone)


def months_ending(now: datetime, zone: ZoneInfo, count: int = PERIOD_MONTHS) -> list[Month]:
    """The `count` months up to the one `now` falls in (local time), oldest first."""
    local = now.astimezone(zone)
    index = local.year * 12 + local.month - 1
    return [Month(i // 12, i % 12 + 1) for i in range(index - count + 1, index + 1)]


# What the store counts: raw numbers, never published as they are --------------------------


@dataclass(frozen=True)
class MetMissed:
    """How many deadlines of one kind were met, and how many missed."""

    met: int = 0
    missed: int = 0


@dataclass(frozen=True)
class Answered:
    """A deadline met (on time or late): when its clock started and when the awaited action
    came, for the working days it took."""

    kind: str
    complaint_class: str
    started_at: datetime
    met_at: datetime


@dataclass(frozen=True)
class Counts:
    """Everything the statistics are made of, as counted in one read of the database over
    the period `months`; keys of the monthly maps are Month.key."""

    months: Sequence[Month]
    received: Mapping[str, int]  # complaints received, by month of receipt
    closed: Mapping[str, int]  # complaints closed, by month of closing
    received_before: int  # complaints received before the period, for the open ones
    closed_before: int
    escalated: Mapping[tuple[str, str], int]  # (level, month): complaints first reaching it
    deadlines_by_unit: Mapping[tuple[str, str], MetMissed]  # (unit, kind), decided in it
    deadlines_by_class: Mapping[tuple[str, str], MetMissed]  # (class, kind)
    answered: Sequence[Answered]  # deadlines met in the period
    outcomes: Mapping[str, int]  # complaints closed in the period, by outcome
    ratings: Mapping[int, int]  # ratings given in the period, by score


# What is published -------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthFigures:
    """One month: complaints received and closed in it, open at its end (now, for the
    current month), and first escalated in it to the supervisor and to the Ombudsman."""

    month: Month
    received: Shown
    closed: Shown
    open: Shown
    escalated_supervisor: Shown
    escalated_ombudsman: Shown


@dataclass(frozen=True)
class Compliance:
    """Deadlines of one kind met and missed."""

    met: Shown
    missed: Shown


@dataclass(frozen=True)
class Spread:
    """Working days an awaited action took: over how many complaints, median and 90th
    percentile (None when over fewer than 5)."""

    complaints: Shown
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Ratings:
    """The complainants' ratings: how many, the average score (hidden below 5 ratings) and
    how many gave each score."""

    count: Shown
    average: float | None
    by_score: dict[int, Shown]


@dataclass(frozen=True)
class Figures:
    """The published statistics of the period: every count already under the "< 5" rule."""

    months: list[MonthFigures]
    deadlines_by_unit: dict[str, dict[str, Compliance]]  # unit, then kind
    deadlines_by_class: dict[str, dict[str, Compliance]]
    working_days: dict[str, Spread]  # by kind
    working_days_by_class: dict[str, dict[str, Spread]]  # class, then kind
    escalations: dict[str, Shown]  # complaints first reaching each level in the period
    outcomes: dict[str, Shown]
    ratings: Ratings

    @property
    def this_month(self) -> MonthFigures:
        """The current month, the last of the period."""
        return self.months[-1]


def spread(days: Sequence[float]) -> Spread:
    """Median and 90th percentile (linear between closest ranks, as PostgreSQL's
    percentile_cont) of working days, hidden when over fewer than 5 complaints."""
    if len(days) < 2:  # statistics.quantiles needs two; fewer than five are hidden anyway
        return Spread(disclosed(len(days)), None, None)
    p90 = statistics.quantiles(days, n=10, method="inclusive")[8]
    return Spread(
        disclosed(len(days)),
        measured(statistics.median(days), len(days)),
        measured(p90, len(days)),
    )


def rated(by_score: Mapping[int, int]) -> Ratings:
    """The ratings' count, average and distribution as they may be published."""
    count = sum(by_score.values())
    total = sum(score * n for score, n in by_score.items())
    return Ratings(
        disclosed(count),
        measured(total / count, count) if count else None,
        {score: disclosed(by_score.get(score, 0)) for score in SCORES},
    )


def _compliance(
    raw: Mapping[tuple[str, str], MetMissed],
) -> dict[str, dict[str, Compliance]]:
    groups = sorted({group for group, _ in raw})
    none = MetMissed()
    return {
        group: {
            kind: Compliance(
                disclosed(raw.get((group, kind), none).met),
                disclosed(raw.get((group, kind), none).missed),
            )
            for kind in DEADLINE_KINDS
        }
        for group in groups
    }


def _months(counts: Counts) -> list[MonthFigures]:
    published, received, closed = [], counts.received_before, counts.closed_before
    for month in counts.months:
        received += counts.received.get(month.key, 0)
        closed += counts.closed.get(month.key, 0)
        published.append(
            MonthFigures(
                month,
                disclosed(counts.received.get(month.key, 0)),
                disclosed(counts.closed.get(month.key, 0)),
                disclosed(received - closed),  # a complaint closes once, after its receipt
                disclosed(counts.escalated.get(("supervisor", month.key), 0)),
                disclosed(counts.escalated.get(("ombudsman", month.key), 0)),
            )
        )
    return published


def _working_days(
    counts: Counts, calendar: WorkingCalendar
) -> tuple[dict[str, Spread], dict[str, dict[str, Spread]]]:
    overall: dict[str, list[float]] = {kind: [] for kind in DEADLINE_KINDS}
    by_class: dict[str, dict[str, list[float]]] = {}
    for one in counts.answered:
        days = calendar.working_days_between(one.started_at, one.met_at)
        overall[one.kind].append(days)
        kinds = by_class.setdefault(one.complaint_class, {k: [] for k in DEADLINE_KINDS})
        kinds[one.kind].append(days)
    return (
        {kind: spread(days) for kind, days in overall.items()},
        {
            group: {kind: spread(days) for kind, days in kinds.items()}
            for group, kinds in sorted(by_class.items())
        },
    )


def publish(counts: Counts, calendar: WorkingCalendar) -> Figures:
    """The figures anyone may read, from the raw counts: each count of fewer than 5
    complaints hidden, each time in working days of the provider's calendar."""
    overall, by_class = _working_days(counts, calendar)
    return Figures(
        months=_months(counts),
        deadlines_by_unit=_compliance(counts.deadlines_by_unit),
        deadlines_by_class=_compliance(counts.deadlines_by_class),
        working_days=overall,
        working_days_by_class=by_class,
        escalations={
            level: disclosed(sum(n for (at, _), n in counts.escalated.items() if at == level))
            for level in ESCALATION_LEVELS
        },
        outcomes={outcome: disclosed(n) for outcome, n in sorted(counts.outcomes.items())},
        ratings=rated(counts.ratings),
    )
