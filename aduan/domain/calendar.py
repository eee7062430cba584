"""Working-day arithmetic: weekends, Indonesian public holidays, cuti bersama, extra dates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from aduan.domain.policy import CalendarConfig, Duration, holiday_categories

_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


@dataclass
class WorkingCalendar:
    """Which local dates are working days, and when a deadline falls due."""

    timezone: str = "Asia/Jakarta"
    country: str = "ID"
    cuti_bersama_off: bool = True
    extra_holidays: Iterable[date] = ()
    _holidays: holidays.HolidayBase = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._holidays = holidays.country_holidays(
            self.country, categories=holiday_categories(self.cuti_bersama_off)
        )
        self._extra = frozenset(self.extra_holidays)
        self.tz = ZoneInfo(self.timezone)

    @classmethod
    def from_config(cls, config: CalendarConfig, timezone: str) -> WorkingCalendar:
        """Build the calendar a policy describes."""
        return cls(timezone, config.country, config.cuti_bersama_off, config.extra_holidays)

    def today(self) -> date:
        """The provider's date now (a visit is scheduled on local days)."""
        return datetime.now(self.tz).date()

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday, not a holiday (nor cuti bersama, nor a configured extra date)."""
        return day.weekday() < 5 and day not in self._holidays and day not in self._extra

    def local_day(self, moment: datetime) -> date:
        """The local date a moment belongs to; exactly 24:00 still belongs to the day ending."""
        local = moment.astimezone(self.tz)
        if local.time() == time(0):
            return local.date() - timedelta(days=1)
        return local.date()

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """End (24:00 local) of the `days`-th working day after the day of `start`."""
        if days == 0:
            return start
        day, counted = self.local_day(start), 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return datetime.combine(day + timedelta(days=1), time(0), self.tz)

    def due(self, start: datetime, duration: Duration) -> datetime:
        """When a span that starts at `start` runs out; hours and days ignore the calendar."""
        if duration.unit == "wd":
            return self.add_working_days(start, int(duration.amount))
        return start + timedelta(seconds=duration.amount * _UNIT_SECONDS[duration.unit])

    def _day_bounds(self, moment: datetime) -> tuple[date, datetime]:
        local = moment.astimezone(self.tz)
        return local.date(), datetime.combine(local.date() + timedelta(days=1), time(0), self.tz)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """How much of [start, end) falls on working days (zero if end is not after start)."""
        total, cursor = timedelta(0), start
        while cursor < end:
            day, midnight = self._day_bounds(cursor)
            stop = min(midnight, end)
            if self.is_working_day(day):
                total += stop - cursor
            cursor = stop
        return total

    def working_days_between(self, start: datetime, end: datetime) -> float:
        """Working time from `start` to `end` in working days, fractional (0 if end is not
        after start): a deadline missed by a weekend and half a Monday is 0.5 late."""
        return self.working_time_between(start, end) / timedelta(days=1)

    def add_working_time(self, start: datetime, span: timedelta) -> datetime:
        """The moment when `span` of working-day time has passed after `start`."""
        cursor, remaining = start, span
        while True:
            day, midnight = self._day_bounds(cursor)
            if self.is_working_day(day):
                if cursor + remaining <= midnight:
                    return cursor + remaining
                remaining -= midnight - cursor
            cursor = midnight

    def resume(
        self, paused_at: datetime, resumed_at: datetime, moment: datetime, working_days: bool
    ) -> datetime:
        """Where a pending moment moves when its clock was paused: same remaining time."""
        if moment <= paused_at:
            return moment  # already passed before the pause
        if working_days:
            return self.add_working_time(resumed_at, self.working_time_between(paused_at, moment))
        return moment + (resumed_at - paused_at)

    def schedule(
        self, start: datetime, duration: Duration, ladder: Sequence[Duration]
    ) -> tuple[datetime, list[datetime]]:
        """When a deadline falls due, and when each escalation step after it would fire."""
        due = self.due(start, duration)
        return due, [self.due(due, after) for after in ladder]
