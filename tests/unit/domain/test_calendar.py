"""WorkingCalendar: docs/domain.md "Working days" — N working days end at 24:00 local time of the
N-th working day after the day of receipt; weekends, public holidays, cuti bersama and
configured dates are not working days; hours and calendar days ignore the calendar.

Hand-checked dates (holidays package, ID, public + government):
2026-01-16 Fri Isra Mi'raj; 2026-03-18 Wed Nyepi cuti bersama, 03-19 Thu Nyepi,
03-20 Fri / 03-23 Mon / 03-24 Tue Idul Fitri cuti bersama; 2026-12-24 Thu Christmas cuti
bersama, 12-25 Fri Christmas; 2027-01-01 Fri New Year.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from aduan.domain.calendar import WorkingCalendar
from aduan.domain.policy import CalendarConfig, Duration

WIB = ZoneInfo("Asia/Jakarta")
WIT = ZoneInfo("Asia/Jayapura")

# Built once: the holidays lookup is the slow part, and the calendar is immutable.
CALENDAR = WorkingCalendar()


def wib(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WIB)


def wd(amount: int) -> Duration:
    return Duration(amount=amount, unit="wd")


# --- is_working_day ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working", "why"),
    [
        (date(2026, 12, 23), True, "an ordinary Wednesday"),
        (date(2026, 12, 24), False, "cuti bersama (Christmas joint holiday)"),
        (date(2026, 12, 25), False, "Christmas"),
        (date(2026, 12, 26), False, "Saturday"),
        (date(2026, 12, 27), False, "Sunday"),
        (date(2026, 12, 28), True, "an ordinary Monday"),
        (date(2027, 1, 1), False, "New Year's Day"),
        (date(2026, 8, 17), False, "Independence Day"),
        (date(2026, 3, 18), False, "Nyepi cuti bersama"),
        (date(2026, 3, 24), False, "Idul Fitri cuti bersama"),
        (date(2026, 3, 25), True, "the first working day after Idul Fitri leave"),
    ],
)
def test_is_working_day(day: date, working: bool, why: str) -> None:
    assert CALENDAR.is_working_day(day) is working, why


def test_cuti_bersama_is_a_working_day_when_not_taken_off() -> None:
    calendar = WorkingCalendar(cuti_bersama_off=False)
    assert calendar.is_working_day(date(2026, 12, 24))
    assert calendar.is_working_day(date(2026, 3, 24))
    # Public holidays stay holidays.
    assert not calendar.is_working_day(date(2026, 12, 25))
    assert not calendar.is_working_day(date(2027, 1, 1))


def test_extra_holidays_are_not_working_days() -> None:
    calendar = WorkingCalendar(extra_holidays=[date(2026, 12, 28)])
    assert not calendar.is_working_day(date(2026, 12, 28))
    assert calendar.is_working_day(date(2026, 12, 29))
    assert CALENDAR.is_working_day(date(2026, 12, 28)), "extra dates are per calendar"


# --- local_day ---------------------------------------------------------------------------


def test_local_day_uses_the_calendar_time_zone_not_utc() -> None:
    # 17:30 UTC on Thursday is 00:30 WIB on Friday.
    assert CALENDAR.local_day(datetime(2026, 1, 8, 17, 30, tzinfo=UTC)) == date(2026, 1, 9)
    assert CALENDAR.local_day(datetime(2026, 1, 8, 16, 30, tzinfo=UTC)) == date(2026, 1, 8)


def test_local_day_counts_exactly_midnight_as_the_end_of_the_day_before() -> None:
    assert CALENDAR.local_day(wib(2026, 1, 9)) == date(2026, 1, 8)
    assert CALENDAR.local_day(wib(2026, 1, 9) + timedelta(microseconds=1)) == date(2026, 1, 9)


# --- working-day deadlines: hand-computed examples ----------------------------------------


@pytest.mark.parametrize(
    ("received", "days", "due"),
    [
        # Wed 23 Dec; 24 cuti bersama, 25 Christmas, 26-27 weekend: 28, 29, 30 -> end of 30.
        (wib(2026, 12, 23, 10), 3, wib(2026, 12, 31)),
        # Wed 30 Dec; 31 is the 1st, 1 Jan New Year, 2-3 weekend, Mon 4 Jan is the 2nd.
        (wib(2026, 12, 30, 10), 2, wib(2027, 1, 5)),
        # Tue 17 Mar 2026: Nyepi and Idul Fitri leave run 18-24 Mar; Wed 25 is the 1st.
        (wib(2026, 3, 17, 10), 1, wib(2026, 3, 26)),
        # Standard resolution, 14wd from Mon 5 Jan 2026; Fri 16 Jan (Isra Mi'raj) skipped.
        (wib(2026, 1, 5, 9), 14, wib(2026, 1, 27)),
        # Received on a Saturday: Monday is the 1st working day after it.
        (wib(2026, 1, 10, 10), 1, wib(2026, 1, 13)),
        # An ordinary week: Mon -> end of Tue.
        (wib(2026, 1, 5, 9), 1, wib(2026, 1, 7)),
    ],
)
def test_working_day_deadline_examples(received: datetime, days: int, due: datetime) -> None:
    assert CALENDAR.due(received, wd(days)) == due
    assert CALENDAR.add_working_days(received, days) == due


def test_due_is_expressed_in_local_time() -> None:
    due = CALENDAR.due(wib(2026, 12, 23, 10), wd(3))
    assert due.isoformat() == "2026-12-31T00:00:00+07:00"


def test_cuti_bersama_counts_when_not_taken_off() -> None:
    calendar = WorkingCalendar(cuti_bersama_off=False)
    # 24 Dec is now the 1st; 25 Christmas, 26-27 weekend; 28 is the 2nd, 29 the 3rd.
    assert calendar.due(wib(2026, 12, 23, 10), wd(3)) == wib(2026, 12, 30)


def test_extra_holiday_pushes_the_deadline() -> None:
    calendar = WorkingCalendar(extra_holidays=[date(2026, 12, 28)])
    assert calendar.due(wib(2026, 12, 23, 10), wd(3)) == wib(2027, 1, 1)


def test_late_friday_evening_in_jakarta_counts_from_that_friday() -> None:
    friday_2330 = wib(2026, 1, 9, 23, 30)
    assert CALENDAR.due(friday_2330, wd(1)) == wib(2026, 1, 13)  # end of Monday
    # Same instant given in UTC (16:30 on Friday): same answer.
    assert CALENDAR.due(friday_2330.astimezone(UTC), wd(1)) == wib(2026, 1, 13)


def test_receipt_day_is_the_jakarta_day_even_when_utc_says_otherwise() -> None:
    # Sunday 17:30 UTC is Monday 00:30 WIB: received on Monday, 1wd ends with Tuesday.
    assert CALENDAR.due(datetime(2026, 1, 4, 17, 30, tzinfo=UTC), wd(1)) == wib(2026, 1, 7)


def test_from_config_uses_the_policy_time_zone_and_calendar() -> None:
    config = CalendarConfig(cuti_bersama_off=False, extra_holidays=[date(2026, 1, 12)])
    papua = WorkingCalendar.from_config(config, "Asia/Jayapura")
    # 16:30 UTC Thursday: Friday 01:30 WIT, but still Thursday 23:30 WIB.
    received = datetime(2026, 1, 8, 16, 30, tzinfo=UTC)
    # From Friday; Monday 12 Jan is a configured holiday, so Tuesday is the 1st.
    assert papua.due(received, wd(1)) == datetime(2026, 1, 14, tzinfo=WIT)
    assert papua.due(received, wd(1)).utcoffset() == timedelta(hours=9)
    assert papua.is_working_day(date(2026, 12, 24))
    assert CALENDAR.due(received, wd(1)) == wib(2026, 1, 10)


def test_escalation_counted_from_a_due_moment_starts_on_the_day_that_ended() -> None:
    # A deadline due at 24:00 Thursday 8 Jan; the Ombudsman step is 5wd later:
    # Fri 9, Mon 12, Tue 13, Wed 14, Thu 15 -> end of Thursday 15 Jan.
    due = wib(2026, 1, 9)
    assert CALENDAR.due(due, wd(5)) == wib(2026, 1, 16)


# --- hours and calendar days ignore the calendar ------------------------------------------


def test_hours_ignore_weekends_and_holidays() -> None:
    christmas_morning = wib(2026, 12, 25, 10)
    assert CALENDAR.due(christmas_morning, Duration(amount=24, unit="h")) == wib(2026, 12, 26, 10)


def test_calendar_days_ignore_weekends_and_holidays() -> None:
    received = wib(2026, 12, 23, 10)
    assert CALENDAR.due(received, Duration(amount=30, unit="d")) == wib(2027, 1, 22, 10)


@pytest.mark.parametrize(
    ("duration", "delta"),
    [
        (Duration(amount=90, unit="m"), timedelta(minutes=90)),
        (Duration(amount=5, unit="s"), timedelta(seconds=5)),
        (Duration(amount=1.5, unit="h"), timedelta(minutes=90)),
        (Duration(amount=0, unit="s"), timedelta(0)),
    ],
)
def test_short_durations_are_plain_arithmetic(duration: Duration, delta: timedelta) -> None:
    start = wib(2026, 12, 26, 23, 59)  # a Saturday, near midnight
    assert CALENDAR.due(start, duration) == start + delta


def test_zero_working_days_is_due_at_once() -> None:
    start = wib(2026, 12, 24, 10)
    assert CALENDAR.due(start, wd(0)) == start


# --- properties ---------------------------------------------------------------------------

starts = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2028, 12, 31),
    timezones=st.sampled_from([UTC, WIB, WIT]),
)
working_days = st.integers(min_value=0, max_value=70)


def _receipt_day(start: datetime) -> date:
    local = start.astimezone(WIB)
    assume(local.time() != time(0))  # exact midnight is covered by its own tests
    return local.date()


@given(start=starts, days=working_days.filter(bool))
def test_due_is_the_end_of_the_nth_working_day_after_receipt(start: datetime, days: int) -> None:
    receipt = _receipt_day(start)
    due = CALENDAR.due(start, wd(days))
    local = due.astimezone(WIB)

    assert local.time() == time(0), "due at local midnight (24:00 of the last day)"
    last_day = local.date() - timedelta(days=1)
    assert CALENDAR.is_working_day(last_day)
    between = [receipt + timedelta(days=i) for i in range(1, (last_day - receipt).days + 1)]
    assert sum(CALENDAR.is_working_day(day) for day in between) == days


@given(start=starts, days=working_days, more=st.integers(min_value=1, max_value=20))
def test_more_working_days_is_always_later(start: datetime, days: int, more: int) -> None:
    assert CALENDAR.due(start, wd(days + more)) > CALENDAR.due(start, wd(days))


@given(start=starts)
def test_zero_working_days_property(start: datetime) -> None:
    assert CALENDAR.due(start, wd(0)) == start


@given(start=starts, first=working_days, then=working_days)
def test_chained_deadlines_add_up(start: datetime, first: int, then: int) -> None:
    """An escalation step counted from a due moment lands where one long deadline would."""
    chained = CALENDAR.due(CALENDAR.due(start, wd(first)), wd(then))
    assert chained == CALENDAR.due(start, wd(first + then))


@settings(deadline=None)
@given(start=starts, hours=st.integers(min_value=0, max_value=24 * 60))
def test_hours_never_consult_the_calendar(start: datetime, hours: int) -> None:
    assert CALENDAR.due(start, Duration(amount=hours, unit="h")) - start == timedelta(hours=hours)


# --- working days elapsed (public statistics) -----------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "days", "why"),
    [
        (wib(2026, 12, 21, 10), wib(2026, 12, 21, 16), 0.25, "six hours of a Monday"),
        (wib(2026, 12, 21), wib(2026, 12, 22), 1.0, "one whole Monday"),
        (wib(2026, 12, 21, 18), wib(2026, 12, 22, 6), 0.5, "Monday evening to Tuesday morning"),
        (wib(2026, 12, 23, 12), wib(2026, 12, 28, 12), 1.0, "Wed noon to Mon noon: 24-27 off"),
        (wib(2026, 12, 26, 9), wib(2026, 12, 27, 17), 0.0, "within a weekend"),
        (wib(2026, 3, 17), wib(2026, 3, 26), 2.0, "Idul Fitri leave: only 03-17 and 03-25"),
        (wib(2026, 12, 22), wib(2026, 12, 21), 0.0, "end before start"),
        (wib(2026, 12, 21, 10), wib(2026, 12, 21, 10), 0.0, "no time at all"),
    ],
)
def test_working_days_between(start: datetime, end: datetime, days: float, why: str) -> None:
    assert CALENDAR.working_days_between(start, end) == pytest.approx(days), why


def test_working_days_between_reads_moments_in_any_zone_as_the_providers_days() -> None:
    # 2026-12-21 20:00 UTC is Tuesday 03:00 WIB: the hours before Monday's local midnight count
    # for Monday, the rest for Tuesday; the answer is the same in UTC as in WIB.
    start = datetime(2026, 12, 21, 5, tzinfo=UTC)  # Monday 12:00 WIB
    end = datetime(2026, 12, 22, 5, tzinfo=UTC)  # Tuesday 12:00 WIB
    assert CALENDAR.working_days_between(start, end) == pytest.approx(1.0)
    assert CALENDAR.working_days_between(start.astimezone(WIT), end) == pytest.approx(1.0)


def test_a_day_that_changes_its_offset_still_counts_as_one_working_day() -> None:
    # Africa/Cairo moves its clocks on the last Friday of April: 2026-04-24 lasts 23 hours.
    cairo = WorkingCalendar(timezone="Africa/Cairo")
    friday = datetime(2026, 4, 24, tzinfo=ZoneInfo("Africa/Cairo"))
    saturday = datetime(2026, 4, 25, tzinfo=ZoneInfo("Africa/Cairo"))
    assert cairo.working_days_between(friday, saturday) == pytest.approx(1.0)
    half = friday.astimezone(UTC) + timedelta(hours=11.5)
    assert cairo.working_days_between(friday, half) == pytest.approx(0.5)


@settings(deadline=None)
@given(start=starts, hours=st.integers(min_value=0, max_value=24 * 90))
def test_working_days_between_agrees_with_working_time(start: datetime, hours: int) -> None:
    end = start + timedelta(hours=hours)
    in_days = CALENDAR.working_days_between(start, end)
    assert in_days == pytest.approx(CALENDAR.working_time_between(start, end) / timedelta(days=1))
    assert 0 <= in_days <= hours / 24 + 1e-9


@pytest.mark.parametrize(
    ("start", "end", "days", "why"),
    [
        (wib(2026, 12, 21), wib(2026, 12, 22), 1.0, "one whole Monday"),
        (wib(2026, 12, 21, 12), wib(2026, 12, 21, 18), 0.25, "six hours of a Monday"),
        (wib(2026, 12, 19), wib(2026, 12, 21), 0.0, "a weekend counts nothing"),
        (wib(2026, 12, 18, 12), wib(2026, 12, 21, 12), 1.0, "Friday noon to Monday noon"),
        (wib(2026, 12, 23), wib(2026, 12, 29), 2.0, "Wed, cuti bersama, Christmas, weekend, Mon"),
        (wib(2026, 12, 22), wib(2026, 12, 21), 0.0, "an end before the start"),
    ],
)
def test_working_days_between_counts_only_working_time(
    start: datetime, end: datetime, days: float, why: str
) -> None:
    assert CALENDAR.working_days_between(start, end) == pytest.approx(days), why


@given(start=starts, days=st.integers(min_value=0, max_value=40))
@settings(max_examples=50, deadline=None)
def test_a_deadline_of_n_working_days_is_n_working_days_and_the_rest_of_the_first_away(
    start: datetime, days: int
) -> None:
    due = CALENDAR.add_working_days(start, days)
    between = CALENDAR.working_days_between(start, due)
    # N whole working days, plus what is left of the day of receipt if that is one.
    assert days - 1e-9 <= between <= (days + 1 if days else 0) + 1e-9
