"""The public statistics' figures from raw counts: the provider's months, complaints open at
each month's end, medians in working days, and the "< 5" rule on every cell."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from aduan.domain.calendar import WorkingCalendar
from aduan.domain.figures import (
    Answered,
    Compliance,
    Counts,
    MetMissed,
    Month,
    Spread,
    months_ending,
    publish,
    rated,
    spread,
)

WIB = ZoneInfo("Asia/Jakarta")
CALENDAR = WorkingCalendar()


def test_the_period_is_twelve_local_months_ending_with_the_current_one() -> None:
    # 2026-12-31 18:00 UTC is already 2027-01-01 01:00 in Jakarta.
    months = months_ending(datetime(2026, 12, 31, 18, tzinfo=UTC), WIB)
    assert len(months) == 12
    assert months[0] == Month(2026, 2) and months[-1] == Month(2027, 1)
    assert [m.key for m in months[9:]] == ["2026-11", "2026-12", "2027-01"]
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2026, 7).start(WIB) == datetime(2026, 7, 1, tzinfo=WIB)


def _counts(**overrides: object) -> Counts:
    values: dict[str, object] = {
        "months": [Month(2026, 6), Month(2026, 7), Month(2026, 8)],
        "received": {"2026-06": 10, "2026-07": 3, "2026-08": 6},
        "closed": {"2026-06": 2, "2026-07": 9},
        "received_before": 4,
        "closed_before": 4,
        "escalated": {("supervisor", "2026-07"): 6, ("ombudsman", "2026-07"): 1},
        "deadlines_by_unit": {
            ("penagihan", "first_response"): MetMissed(7, 2),
            ("meter", "resolution"): MetMissed(5, 0),
        },
        "deadlines_by_class": {},
        "answered": [],
        "outcomes": {"resolved": 8, "rejected": 3},
        "ratings": {},
    }
    values.update(overrides)
    return Counts(**values)  # type: ignore[arg-type]


def test_months_count_received_closed_and_open_at_each_end_under_the_rule() -> None:
    june, july, august = publish(_counts(), CALENDAR).months
    assert (june.received, june.closed, june.open) == (10, None, 8)  # 4 + 10 - 4 - 2
    assert (july.received, july.closed, july.open) == (None, 9, None)  # 8 + 3 - 9 = 2
    assert (august.received, august.closed, august.open) == (6, None, 8)  # 2 + 6, none closed
    assert (july.escalated_supervisor, july.escalated_ombudsman) == (6, None)
    assert publish(_counts(), CALENDAR).this_month == august


def test_deadlines_per_unit_show_both_kinds_and_hide_small_cells() -> None:
    figures = publish(_counts(), CALENDAR)
    assert list(figures.deadlines_by_unit) == ["meter", "penagihan"]
    assert figures.deadlines_by_unit["penagihan"] == {
        "first_response": Compliance(met=7, missed=None),
        "resolution": Compliance(met=None, missed=None),
    }
    assert figures.deadlines_by_unit["meter"]["resolution"] == Compliance(5, None)
    assert figures.escalations == {"supervisor": 6, "ombudsman": None}
    assert figures.outcomes == {"rejected": None, "resolved": 8}


def test_median_and_90th_percentile_in_working_days() -> None:
    assert spread([1, 2, 3, 4]) == Spread(None, None, None)  # four complaints: hidden
    shown = spread([1.0, 2.0, 3.0, 4.0, 10.0])
    assert (shown.complaints, shown.median, shown.p90) == (5, 3.0, 7.6)  # 4 + 0.6 * (10 - 4)
    assert spread([]).complaints is None


def test_working_days_skip_weekends_and_group_by_class() -> None:
    monday = datetime(2026, 7, 6, 10, tzinfo=WIB)
    answered = [  # Friday 10:00 to Monday 10:00, over a weekend
        Answered("first_response", "urgent", datetime(2026, 7, 3, 10, tzinfo=WIB), monday)
        for _ in range(5)
    ]
    figures = publish(_counts(answered=answered), CALENDAR)
    urgent = figures.working_days_by_class["urgent"]["first_response"]
    assert urgent.median == pytest.approx(1.0)  # 14 h of Friday + 10 h of Monday
    assert figures.working_days["first_response"].complaints == 5
    assert figures.working_days["resolution"].median is None


def test_ratings_hide_the_average_below_five_ratings() -> None:
    few = rated({5: 3, 1: 1})
    assert (few.count, few.average) == (None, None)
    assert few.by_score == {1: None, 2: None, 3: None, 4: None, 5: None}
    many = rated({5: 6, 4: 2, 1: 1})
    assert (many.count, many.average) == (9, 4.33)  # 39 / 9
    assert many.by_score[5] == 6 and many.by_score[4] is None
