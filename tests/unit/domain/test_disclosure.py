"""The "< 5" rule of the public statistics: no count of fewer than 5 complaints is published,
nor a median or average over fewer than 5."""

from __future__ import annotations

import pytest

from aduan.domain.disclosure import HIDDEN, disclosed, measured, shown


@pytest.mark.parametrize(
    ("count", "published"), [(0, None), (1, None), (4, None), (5, 5), (12, 12)]
)
def test_a_count_below_five_is_not_published(count: int, published: int | None) -> None:
    assert disclosed(count) == published


def test_a_hidden_count_reads_less_than_five() -> None:
    assert HIDDEN == "< 5"
    assert shown(disclosed(3)) == "< 5"
    assert shown(disclosed(0)) == "< 5"
    assert shown(disclosed(5)) == "5"


def test_a_measure_over_fewer_than_five_complaints_is_not_published() -> None:
    assert measured(1.234, 4) is None
    assert measured(1.234, 5) == 1.23
    assert measured(2.0, 100, digits=1) == 2.0
