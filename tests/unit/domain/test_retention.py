"""The retention section of the policy and what anonymising keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aduan.domain.policy import Duration, RetentionPolicy, parse_policy
from aduan.domain.retention import (
    cutoffs,
    kept_location,
    kept_timeline_data,
    stream_cut,
)
from tests.unit.domain.test_policy import DEFAULT_TEXT, _error, _text


def test_without_a_retention_section_the_defaults_hold() -> None:
    retention = parse_policy(DEFAULT_TEXT).retention
    assert retention.closed_complaints == Duration(amount=1825, unit="d")
    assert retention.attachments == Duration(amount=730, unit="d")
    assert str(retention.outbox_sent) == "7d" and str(retention.deliveries) == "365d"


def test_a_retention_section_sets_some_periods_in_days_by_default() -> None:
    retention = parse_policy(
        _text(retention={"closed_complaints": 30, "outbox_sent": "12h"})
    ).retention
    assert str(retention.closed_complaints) == "30d" and str(retention.outbox_sent) == "12h"
    assert str(retention.deliveries) == "365d"


@pytest.mark.parametrize("value", ["3wd", "soon", -1, "30y"])
def test_a_bad_retention_period_is_refused_naming_it(value: object) -> None:
    assert "closed_complaints" in _error(_text(retention={"closed_complaints": value}))


def test_cutoffs_count_back_from_now() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    limits = cutoffs(RetentionPolicy(), now)
    assert limits.closed_complaints == now - timedelta(days=1825)
    assert limits.outbox_sent == now - timedelta(days=7)


def test_anonymised_timeline_data_keeps_facts_and_drops_words() -> None:
    data = {
        "outcome": "resolved",
        "score": 4,
        "level": "supervisor",
        "deadline": "resolution",
        "message": "Pak Budi, pipa sudah diganti",
        "reason": "x",
        "comment": "y",
        "notes": "z",
        "scope": "w",
        "meter_reading": "123",
        "text": "t",
    }
    assert kept_timeline_data(data) == {
        "outcome": "resolved",
        "score": 4,
        "level": "supervisor",
        "deadline": "resolution",
    }


def test_anonymised_location_keeps_the_region_only() -> None:
    assert kept_location({"region_code": "31.71", "address": "Jl. Mawar 1", "lat": 1.0}) == {
        "region_code": "31.71"
    }
    assert kept_location(None) is None


def test_the_stream_is_cut_below_both_the_slowest_consumer_and_the_period() -> None:
    assert stream_cut(None, 50) is None  # no consumer: nothing known to be passed
    assert stream_cut(10, 50) == 10
    assert stream_cut(90, 50) == 50
