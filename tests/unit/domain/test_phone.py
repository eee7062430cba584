"""Phone numbers in the one comparable form: E.164 digits, short codes as their digits."""

from __future__ import annotations

import pytest

from aduan.domain.phone import international


@pytest.mark.parametrize(
    "phone",
    ["0062 812 3456 7890", "0812-3456-7890", "+62 812 3456 7890", "6281234567890", "081234567890"],
)
def test_every_way_of_writing_an_indonesian_mobile_is_one_number(phone: str) -> None:
    assert international(phone) == "6281234567890"


def test_the_international_dialling_prefix_is_not_a_national_zero() -> None:
    assert international("0062812345") == international("0812345") == "62812345"
    assert international("001 415 555 2671") == international("+1 415 555 2671") == "14155552671"


@pytest.mark.parametrize(
    ("phone", "digits"),
    [("1708", "1708"), ("112", "112"), ("0812555", "62812555"), ("628111", "628111"), ("", "")],
)
def test_what_phonenumbers_cannot_take_stays_its_digits(phone: str, digits: str) -> None:
    assert international(phone) == digits
