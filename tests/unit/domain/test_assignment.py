"""Assignment by load: the chooser picks the least loaded officer, ties by waiting time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from aduan.domain.assignment import Candidate, choose, weighted_load

_BASE = datetime(2026, 12, 1, tzinfo=UTC)
candidates = st.lists(
    st.builds(
        Candidate,
        username=st.text("abcdefgh", min_size=1, max_size=4),
        load=st.sampled_from([0.0, 1.0, 2.0, 3.0, 5.5]),
        last_assigned_at=st.none() | st.integers(0, 100).map(lambda m: _BASE + timedelta(m)),
    ),
    max_size=8,
    unique_by=lambda c: c.username,
)


@given(candidates)
def test_the_chosen_officer_has_the_smallest_load(pool: list[Candidate]) -> None:
    chosen = choose(pool)
    if not pool:
        assert chosen is None
        return
    winner = next(c for c in pool if c.username == chosen)
    assert winner.load == min(c.load for c in pool)


@given(candidates)
def test_among_equal_loads_the_one_waiting_longest_gets_it(pool: list[Candidate]) -> None:
    chosen = choose(pool)
    if not pool:
        return
    winner = next(c for c in pool if c.username == chosen)
    tied = [c for c in pool if c.load == winner.load]
    if any(c.last_assigned_at is None for c in tied):
        assert winner.last_assigned_at is None  # never assigned waits longest of all
    else:
        assert winner.last_assigned_at == min(c.last_assigned_at for c in tied)  # type: ignore[type-var]


@given(candidates)
def test_the_choice_does_not_depend_on_the_order_officers_are_listed(
    pool: list[Candidate],
) -> None:
    assert choose(pool) == choose(list(reversed(pool)))


def test_a_class_weighs_what_the_rules_say_and_an_unknown_one_weighs_one() -> None:
    weights = {"supervisory": 3.0, "light": 0.5}
    assert weighted_load(["supervisory", "light", "standard", None], weights) == 5.5
    assert weighted_load([], weights) == 0
