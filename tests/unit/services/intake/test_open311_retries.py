"""Which Open311 posts count as a retry of an earlier one: same fields, same device, minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.intake.open311_params import RETRY_WINDOW, read_form, submission_refs

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
FORM = [
    ("service_code", "billing"),
    ("description", "Tagihan naik"),
    ("lat", "-6.2"),
    ("long", "106.8"),
    ("device_id", "phone-1"),
]


def test_a_form_without_device_or_account_is_never_a_retry() -> None:
    form = read_form([pair for pair in FORM if pair[0] != "device_id"])
    assert submission_refs("key", form, NOW) == []


def test_the_same_form_is_a_retry_within_the_window_and_new_after_it() -> None:
    form = read_form(FORM)
    refs = submission_refs("key", form, NOW)
    # A retry just after a window boundary still finds the first post's id.
    assert refs[0] in submission_refs("key", form, NOW + RETRY_WINDOW)
    later = submission_refs("key", form, NOW + 2 * RETRY_WINDOW + timedelta(seconds=1))
    assert not set(refs) & set(later)


def test_another_device_key_or_field_is_another_report() -> None:
    refs = set(submission_refs("key", read_form(FORM), NOW))
    assert not refs & set(submission_refs("other", read_form(FORM), NOW))
    other_device = [*FORM[:-1], ("device_id", "phone-2")]
    assert not refs & set(submission_refs("key", read_form(other_device), NOW))
    by_account = [*FORM[:-1], ("account_id", "PEL-1")]
    assert submission_refs("key", read_form(by_account), NOW)
