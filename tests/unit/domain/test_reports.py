"""The monthly SLA report's rules (aduan/domain/reports.py): months in the provider's zone,
each deadline met or missed and by how much, the figures, the slowest ten and the trend.

Dates are hand-checked against the shipped calendar: 2026-12-24 is cuti bersama, 12-25
Christmas, 12-26/27 a weekend."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from aduan.domain.policy import load_policy
from aduan.domain.reports import (
    ComplaintFacts,
    DeadlineFacts,
    EscalationFacts,
    ExtensionFacts,
    InvalidMonth,
    Month,
    MonthlyReport,
    Result,
    build_report,
    parse_month,
)
from aduan.domain.vocabulary import DeadlineKind, EscalationLevel, Status

POLICY = load_policy(Path(__file__).resolve().parents[3] / "aduan" / "default_policy.yaml")
WIB = ZoneInfo("Asia/Jakarta")
AS_OF = datetime(2027, 1, 20, tzinfo=WIB)
FIRST, RESOLUTION = DeadlineKind.FIRST_RESPONSE, DeadlineKind.RESOLUTION


def wib(month: int, day: int, hour: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=WIB)


def complaint(
    code: str, received: datetime, *deadlines: DeadlineFacts, **fields: object
) -> ComplaintFacts:
    values: dict[str, object] = {
        "tracking_code": code,
        "received_at": received,
        "status": Status.IN_PROGRESS,
        "unit": "penagihan",
        "complaint_class": "standard",
        "deadlines": deadlines,
    }
    values.update(fields)
    return ComplaintFacts(**values)  # type: ignore[arg-type]


def report_of(
    *complaints: ComplaintFacts, previous: tuple[ComplaintFacts, ...] = ()
) -> MonthlyReport:
    return build_report(Month(2026, 12), None, complaints, previous, POLICY, AS_OF)


# --- months -------------------------------------------------------------------------------


def test_a_month_is_written_yyyy_mm() -> None:
    assert parse_month("2026-12") == Month(2026, 12)
    assert str(parse_month(" 2027-01 ")) == "2027-01"


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-00", "12-2026", "2026/12", "2026-1", "", "1999-12"]
)
def test_anything_else_is_refused_saying_what_is_wrong(text: str) -> None:
    with pytest.raises(InvalidMonth, match=r"month|old"):
        parse_month(text)


def test_a_month_runs_from_local_midnight_to_local_midnight() -> None:
    december = Month(2026, 12)
    assert december.start("Asia/Jakarta") == datetime(2026, 11, 30, 17, tzinfo=UTC)
    assert december.end("Asia/Jakarta") == datetime(2026, 12, 31, 17, tzinfo=UTC)
    assert december.end("Asia/Jayapura") == datetime(2026, 12, 31, 15, tzinfo=UTC)


def test_the_month_before_january_is_last_years_december() -> None:
    assert Month(2027, 1).previous() == Month(2026, 12)
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2026, 3).previous() == Month(2026, 2)


def test_a_moment_late_on_the_last_day_belongs_to_the_local_month() -> None:
    # 01:00 on 1 January in Jakarta is 2027 there, while UTC still says 31 December.
    assert Month.containing(datetime(2026, 12, 31, 18, tzinfo=UTC), "Asia/Jakarta") == Month(
        2027, 1
    )
    assert Month.containing(datetime(2026, 12, 31, 16, tzinfo=UTC), "Asia/Jakarta") == Month(
        2026, 12
    )


# --- one deadline --------------------------------------------------------------------------


def test_a_deadline_met_early_shows_the_working_days_to_spare() -> None:
    # Acknowledged Wednesday 23rd at noon; due at the end of Monday 28th: half of Wednesday and
    # all of Monday are working time (24th-27th are not).
    row = report_of(
        complaint("ADU-A", wib(12, 21), DeadlineFacts(FIRST, wib(12, 29), met_at=wib(12, 23, 12)))
    ).rows[0]
    judged = row.deadlines[FIRST]
    assert judged.result == Result.MET and judged.measure == "wd"
    assert judged.margin == pytest.approx(1.5)


def test_a_deadline_met_late_shows_how_late_in_working_days() -> None:
    row = report_of(
        complaint(
            "ADU-B",
            wib(12, 1),
            DeadlineFacts(FIRST, wib(12, 23), met_at=wib(12, 28, 6), missed_at=wib(12, 23)),
        )
    ).rows[0]
    judged = row.deadlines[FIRST]
    assert judged.result == Result.MISSED
    assert judged.margin == pytest.approx(-1.25)  # Wednesday 23rd, and 6 hours of Monday


def test_a_missed_deadline_still_not_met_is_late_until_the_reports_moment() -> None:
    row = report_of(
        complaint(
            "ADU-C",
            wib(12, 1),
            DeadlineFacts(RESOLUTION, wib(1, 19, year=2027), missed_at=wib(1, 19, year=2027)),
        )
    ).rows[0]
    judged = row.deadlines[RESOLUTION]
    assert judged.result == Result.MISSED and judged.done_at is None
    assert judged.margin == pytest.approx(-1.0)  # Tuesday 19 January, to the 20th's midnight
    assert not row.finished


def test_a_deadline_of_hours_is_measured_in_hours() -> None:
    row = report_of(
        complaint(
            "ADU-D",
            wib(12, 1, 8),
            DeadlineFacts(FIRST, wib(12, 2, 8), met_at=wib(12, 2, 11)),
            complaint_class="urgent",
        )
    ).rows[0]
    judged = row.deadlines[FIRST]
    assert (judged.result, judged.measure, judged.margin) == (Result.MISSED, "h", pytest.approx(-3))


def test_paused_clocks_and_a_closed_complaint_neither_meet_nor_miss() -> None:
    paused = complaint(
        "ADU-E",
        wib(12, 1),
        DeadlineFacts(RESOLUTION, wib(12, 18)),
        status=Status.WAITING_COMPLAINANT,
    )
    rejected = complaint(
        "ADU-F",
        wib(12, 2),
        DeadlineFacts(RESOLUTION, wib(12, 22)),
        status=Status.CLOSED,
        outcome="rejected",
        closed_at=wib(12, 3),
    )
    report = report_of(paused, rejected)
    assert [r.deadlines[RESOLUTION].result for r in report.rows] == [Result.PAUSED, Result.STOPPED]
    tally = report.figures.deadlines[RESOLUTION]
    assert (tally.met, tally.missed, tally.open, tally.on_time) == (0, 0, 1, None)


def test_a_deadline_not_yet_due_is_open() -> None:
    open_one = complaint("ADU-G", wib(12, 30), DeadlineFacts(RESOLUTION, wib(1, 25, year=2027)))
    assert report_of(open_one).rows[0].deadlines[RESOLUTION].result == Result.OPEN


# --- the whole month ----------------------------------------------------------------------


def month_of_complaints() -> list[ComplaintFacts]:
    return [
        complaint(
            "ADU-1",
            wib(12, 1, 9),
            DeadlineFacts(FIRST, wib(12, 4), met_at=wib(12, 2)),
            DeadlineFacts(RESOLUTION, wib(12, 19), met_at=wib(12, 10)),
            status=Status.CLOSED,
            outcome="resolved",
            closed_at=wib(12, 15),
        ),
        complaint(
            "ADU-2",
            wib(12, 2, 9),
            DeadlineFacts(FIRST, wib(12, 5), met_at=wib(12, 8), missed_at=wib(12, 5)),
            DeadlineFacts(RESOLUTION, wib(12, 30), missed_at=wib(12, 30)),
            unit="gangguan",
            escalation_level=EscalationLevel.OMBUDSMAN,
            escalations=(
                EscalationFacts(EscalationLevel.SUPERVISOR, wib(12, 5), "first_response"),
                EscalationFacts(EscalationLevel.OMBUDSMAN, wib(1, 6, year=2027), "resolution"),
            ),
            extensions=(
                ExtensionFacts(wib(12, 20), "5wd", "menunggu suku cadang meter", wib(12, 30)),
            ),
        ),
        complaint(
            "ADU-3",
            wib(12, 3, 9),
            DeadlineFacts(FIRST, wib(12, 8), met_at=wib(12, 3, 10)),
            DeadlineFacts(RESOLUTION, wib(12, 23), met_at=wib(12, 22)),
            status=Status.RESPONDED,
        ),
    ]


def test_the_figures_count_each_deadline_escalation_and_extension() -> None:
    report = report_of(*month_of_complaints())
    f = report.figures
    assert (f.received, f.answered, f.closed, f.still_open) == (3, 2, 1, 2)
    assert (f.deadlines[FIRST].met, f.deadlines[FIRST].missed) == (2, 1)
    assert (f.deadlines[RESOLUTION].met, f.deadlines[RESOLUTION].missed) == (2, 1)
    assert f.on_time == pytest.approx(4 / 6) and f.missed == 2
    assert f.escalations == {EscalationLevel.SUPERVISOR: 1, EscalationLevel.OMBUDSMAN: 1}
    assert f.extensions == 1
    assert [e.level for _, e in report.escalations] == ["supervisor", "ombudsman"]
    assert [x.reason for _, x in report.extensions] == ["menunggu suku cadang meter"]


def test_the_slowest_are_the_longest_handled_and_an_unanswered_one_keeps_counting() -> None:
    report = report_of(*month_of_complaints())
    assert [r.facts.tracking_code for r in report.slowest] == ["ADU-2", "ADU-3", "ADU-1"]
    assert report.slowest[0].handling_days > 20  # still open on 20 January
    # The median handling time is of the complaints answered or closed only.
    answered = sorted(r.handling_days for r in report.rows if r.finished)
    assert report.figures.median_handling_days == pytest.approx(sum(answered) / 2)


def test_only_ten_are_the_slowest() -> None:
    many = [
        complaint(
            f"ADU-{n:02d}",
            wib(12, 1 + n),
            DeadlineFacts(RESOLUTION, wib(12, 22), met_at=wib(12, 22)),
        )
        for n in range(15)
    ]
    slowest = report_of(*many).slowest
    assert [r.facts.tracking_code for r in slowest] == [f"ADU-{n:02d}" for n in range(10)]


def test_units_are_figured_apart_and_the_worst_need_attention() -> None:
    report = report_of(*month_of_complaints())
    assert [u.unit for u in report.units] == ["gangguan", "penagihan"]
    assert [(u.unit, u.figures.missed) for u in report.attention] == [("gangguan", 2)]


def test_the_trend_compares_with_the_month_before() -> None:
    before = [
        complaint(
            "ADU-0",
            wib(11, 3, 9),
            DeadlineFacts(FIRST, wib(11, 6), met_at=wib(11, 9), missed_at=wib(11, 6)),
            DeadlineFacts(RESOLUTION, wib(11, 23), met_at=wib(11, 24), missed_at=wib(11, 23)),
        )
    ]
    report = report_of(*month_of_complaints(), previous=tuple(before))
    trend = {t.key: t for t in report.trends}
    assert (trend["received"].current, trend["received"].previous) == (3, 1)
    assert trend["on_time"].change == pytest.approx(4 / 6) and trend["on_time"].better
    assert trend["missed"].change == 0 and trend["missed"].better is None
    assert trend["escalated.ombudsman"].better is False
