"""The desk pages' pure parts: filters from a query string, time left in working time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aduan.domain.calendar import WorkingCalendar
from services.desk.pages.filters import PAGE_SIZE, parse_filters, query_string
from services.desk.pages.queue import action_forms
from services.desk.pages.render import left_text, time_left

CLASSES = frozenset({"light", "standard"})
TZ = "Asia/Jakarta"


def test_filters_are_read_and_a_bad_one_is_dropped_with_its_reason() -> None:
    f = parse_filters(
        {"status": "routed", "class": "heavy", "overdue": "yes", "from": "2026-12-01",
         "to": "2026-12-31", "page": "3"},
        CLASSES,
        TZ,
        "ani",
    )  # fmt: skip
    assert f.chosen.status == "routed" and f.chosen.overdue is True
    assert f.chosen.complaint_class is None and f.problems == ["desk.filter.bad.class"]
    assert f.values["class"] == "", "the form is shown again without the bad value"
    assert f.chosen.received_from == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 00:00 WIB
    assert f.chosen.received_before == datetime(2026, 12, 31, 17, 0, tzinfo=UTC), "whole day"
    assert f.offset == 2 * PAGE_SIZE


def test_a_malformed_page_or_date_never_fails() -> None:
    f = parse_filters({"page": "-4", "from": "31/12/2026"}, CLASSES, TZ, "ani")
    assert f.page == 1 and f.chosen.received_from is None
    assert f.problems == ["desk.filter.bad.date"]


def test_my_complaints_are_the_signed_in_users_and_nobody_elses() -> None:
    assert parse_filters({"mine": "yes"}, CLASSES, TZ, "ani").chosen.officer == "ani"
    assert parse_filters({}, CLASSES, TZ, "ani").chosen.officer is None
    bad = parse_filters({"mine": "budi"}, CLASSES, TZ, "ani")
    assert bad.chosen.officer is None and bad.problems == ["desk.filter.bad.mine"]


def test_paging_links_keep_the_filters() -> None:
    assert query_string({"status": "routed", "q": ""}, page=2) == "status=routed&page=2"


def test_time_left_counts_working_time_and_lateness() -> None:
    calendar = WorkingCalendar(TZ, "ID")
    friday = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)  # 10:00 WIB
    monday_end = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)  # 24:00 WIB
    span, late = time_left(calendar, monday_end, friday)
    assert not late and span == timedelta(days=1, hours=14), "the weekend does not count"
    assert left_text("id", span, late) == "sisa 1 hari kerja 14 jam"
    span, late = time_left(calendar, friday, friday + timedelta(hours=5))
    assert late and left_text("en", span, late) == "5 h 0 min late"


def test_each_action_form_has_the_fields_of_its_update() -> None:
    forms = dict(
        action_forms(
            ["acknowledge", "respond", "reassign", "schedule-field-check", "record-field-check"]
        )
    )
    assert forms["acknowledge"] == []
    assert forms["respond"] == [("message", "long", True)]
    assert forms["reassign"] == [("unit", "line", True), ("officer", "line", False)]
    assert forms["schedule-field-check"] == [
        ("date", "date", True),
        ("inspector", "inspector", True),
        ("scope", "long", True),
    ]
    assert "record-field-check" not in forms, "findings have their own page, with photos"
